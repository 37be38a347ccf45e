"""A photo from a phone, made safe to keep and show: what `clean_photo` returns is a new file
holding only the upright pixels, bounded in size, and a thumbnail for the consoles.

JPEG, PNG, WebP and HEIC (iPhones) are taken. HEIC, which most browsers cannot show, is
stored as JPEG; the others keep their format. Refusals are `Invalid` naming `file`, worded
for the person who sent it (`TooLarge`, a 413, for a file over the limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import Invalid, TooLarge
from hub.images import NotAnImage, TooManyPixels, encode, open_image, pixels_only, shrink

MAX_PHOTO_BYTES = 8 * 1024 * 1024  # what a phone's camera makes, with room to spare
MAX_PHOTO_PIXELS = 50_000_000  # a 48 MP phone photo passes; a decompression bomb does not
# PNG and WebP are decoded whole (a JPEG is decoded at an eighth of its size when shrunk):
# a flat 49 MP PNG is 160 KB to send and two seconds of a core to decode. Screenshots and
# phone photos saved as PNG or WebP are well under this.
MAX_LOSSLESS_PIXELS = 16_000_000
MAX_SIDE = 2048  # what is kept: plenty to read a label or see a stain
THUMB_SIDE = 320  # what the consoles and the thread show until clicked
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_SAVE_AS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "JPEG"}
_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as stored: the bounded image, its thumbnail, and what they are."""

    content: bytes
    thumbnail: bytes
    content_type: str
    width: int
    height: int


def not_a_photo() -> Invalid:
    return Invalid("file: send a photo (JPEG, PNG, WebP or HEIC)", field="file")


def too_large(size: int) -> TooLarge:
    mb = MAX_PHOTO_BYTES // (1024 * 1024)
    return TooLarge(f"file: the photo is {size / 1048576:.1f} MB; at most {mb} MB", field="file")


def clean_photo(content: bytes) -> CleanPhoto:
    """Decode, turn upright, bound to MAX_SIDE and re-encode; and a THUMB_SIDE thumbnail."""
    if not content:
        raise Invalid("file: the file is empty", field="file")
    if len(content) > MAX_PHOTO_BYTES:
        raise too_large(len(content))
    try:
        image = open_image(content, PHOTO_FORMATS, MAX_PHOTO_PIXELS)
    except TooManyPixels as exc:
        raise Invalid(
            f"file: the image claims too many pixels; at most {MAX_PHOTO_PIXELS // 1_000_000}"
            " megapixels",
            field="file",
        ) from exc
    except NotAnImage as exc:
        raise not_a_photo() from exc
    if image.format in ("PNG", "WEBP") and image.width * image.height > MAX_LOSSLESS_PIXELS:
        image.close()
        raise Invalid(
            f"file: a {image.format} image may have at most {MAX_LOSSLESS_PIXELS // 1_000_000}"
            " megapixels; send it as a JPEG photo",
            field="file",
        )
    with image:
        save_as = _SAVE_AS[str(image.format)]
        try:
            fresh, _ = pixels_only(image, save_as, keep_palette=False, max_side=MAX_SIDE)
        except NotAnImage as exc:
            raise not_a_photo() from exc
    full = encode(fresh, save_as, quality=85)
    thumb = encode(shrink(fresh, THUMB_SIDE), save_as, quality=80)
    return CleanPhoto(full, thumb, _TYPES[save_as], fresh.width, fresh.height)
