"""Images from strangers, made safe: decoded, bounded, and written afresh from their pixels.

A file can start as an image and carry HTML, script or a ZIP in a comment, a metadata chunk
or after its end (a polyglot), and a photo carries EXIF (GPS, camera, owner). Only the
pixels survive here: the file is opened with the formats the caller accepts, its size is
bounded before any pixel is decoded (a small file may claim a huge image: a decompression
bomb), it is turned upright by its EXIF orientation, and a new image is built from the
pixels alone, with no metadata at all. Business logos (`hub.accounts.branding`) and photos
(`hub.attachments`) both go through it. HEIC, what iPhones take, is read with pillow-heif.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from typing import Any

import pillow_heif
from PIL import Image, ImageOps

pillow_heif.register_heif_opener()

# What Pillow calls each format, and its media type.
MEDIA_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "HEIF": "image/heic",
}


class ImageProblem(ValueError):
    """The file cannot be taken as an image; the caller words it for its audience."""


class NotAnImage(ImageProblem):
    """It does not decode as one of the accepted formats (or is truncated, or corrupt)."""


class TooManyPixels(ImageProblem):
    """It claims more pixels than allowed: refused before a single one is decoded."""

    def __init__(self, width: int, height: int) -> None:
        super().__init__(f"{width}×{height} pixels")
        self.width = width
        self.height = height


def open_image(content: bytes, formats: Iterable[str], max_pixels: int) -> Image.Image:
    """The image's header read (no pixels decoded yet); NotAnImage or TooManyPixels."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 89 and 179 megapixels: make that a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=list(formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(0, 0) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise NotAnImage(str(exc)) from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        image.close()
        raise TooManyPixels(width, height)
    return image


def media_type(image: Image.Image) -> str:
    """The media type of the format the file was opened as."""
    return MEDIA_TYPES[str(image.format)]


def pixels_only(
    image: Image.Image, save_as: str, *, keep_palette: bool = True, max_side: int | None = None
) -> tuple[Image.Image, dict[str, Any]]:
    """A new upright image holding only `image`'s pixels (and palette), no metadata; the
    options to save it with. `max_side` shrinks it first (a JPEG is decoded smaller)."""
    try:
        if max_side is not None and image.format == "JPEG":
            image.draft("RGB", (max_side, max_side))  # the decoder scales by 1/2, 1/4, 1/8
        image.load()  # decodes every pixel: a truncated or corrupt file fails here
        upright = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc
    mode = upright.mode
    if mode == "P" and save_as == "PNG" and keep_palette:  # keep a small logo small
        fresh = Image.frombytes("P", upright.size, upright.tobytes())
        # Only the colours the pixels use: the rest of a palette is room for a payload.
        used = max(upright.tobytes(), default=0) + 1  # one byte a pixel: the highest index
        fresh.putpalette((upright.getpalette() or [])[: 3 * used])
        info = upright.info
        extra = {"transparency": info["transparency"]} if "transparency" in info else {}
        return fresh, extra
    alpha = mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    if mode in ("RGB", "L") or (mode in ("RGBA", "LA") and save_as != "JPEG"):
        pixels = upright
    else:
        pixels = upright.convert("RGBA" if alpha and save_as != "JPEG" else "RGB")
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    if max_side is not None:
        fresh = shrink(fresh, max_side)
    return fresh, {}


def shrink(image: Image.Image, side: int) -> Image.Image:
    """`image` fitted within `side`×`side` pixels (a copy; the same one when it fits)."""
    if max(image.size) <= side:
        return image
    small = image.copy()
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return small


def encode(
    image: Image.Image, save_as: str, extra: dict[str, Any] | None = None, *, quality: int = 90
) -> bytes:
    """`image` written as `save_as` (PNG, JPEG or WEBP), with nothing but its pixels."""
    out = io.BytesIO()
    if save_as == "JPEG":
        image.save(out, "JPEG", quality=quality, optimize=True)
    elif save_as == "WEBP":
        image.save(out, "WEBP", quality=quality)
    else:
        image.save(out, "PNG", optimize=True, **(extra or {}))
    return out.getvalue()
