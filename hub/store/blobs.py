"""Blob stores: photos as files beside the SQLite database (embedded) or in GridFS (scale-out).

Both keep a blob under its tenant and a key the hub made. The file adapter writes each blob
to a temporary file in the target folder and renames it into place (atomic on POSIX), so a
reader never sees half a photo; GridFS writes the chunks before the file document that makes
them visible. Neither builds a path or an id from anything a request sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hub.ports import StoreError

_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
GRIDFS_BUCKET = "blobs"


def _checked(tenant_id: str, key: str) -> tuple[str, str]:
    for part in (tenant_id, key):
        if not isinstance(part, str) or not _SAFE.fullmatch(part):
            raise StoreError(f"bad blob name {part!r}")
    return tenant_id, key


def blob_dir_for(database: Path) -> Path:
    """The folder beside a SQLite file that holds its blobs: `hub.db` → `hub.db-blobs`."""
    return database.with_name(database.name + "-blobs")


class FileBlobStore:
    """The BlobStore port on a folder: `<root>/<tenant>/<key[:2]>/<key>`."""

    kind = "files"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, tenant_id: str, key: str) -> Path:
        tenant_id, key = _checked(tenant_id, key)
        return self.root / tenant_id / key[:2] / key

    async def open(self) -> None:
        """Create the folder (private to the hub's user: photos can show faces)."""
        await asyncio.to_thread(self.root.mkdir, mode=0o700, parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    async def put(self, tenant_id: str, key: str, content: bytes, content_type: str) -> None:
        """Write the blob whole (a temporary file renamed into place), replacing any."""
        await asyncio.to_thread(self._write, self._path(tenant_id, key), content)

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".part-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    async def get(self, tenant_id: str, key: str) -> bytes | None:
        """The blob's bytes, or None."""
        path = self._path(tenant_id, key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, tenant_id: str, key: str) -> bool:
        """Remove the blob; False when there was none."""
        path = self._path(tenant_id, key)
        try:
            await asyncio.to_thread(path.unlink)
        except FileNotFoundError:
            return False
        return True


class GridFSBlobStore:
    """The BlobStore port on MongoDB GridFS (motor's AsyncIOMotorGridFSBucket).

    A blob's GridFS id is `<tenant>:<key>`, and its metadata names the tenant again.
    """

    kind = "gridfs"

    def __init__(self, database: Any, bucket: str = GRIDFS_BUCKET) -> None:
        self.database = database
        self.bucket_name = bucket
        self._bucket: Any = None

    @property
    def bucket(self) -> Any:
        if self._bucket is None:
            from motor.motor_asyncio import AsyncIOMotorGridFSBucket

            self._bucket = AsyncIOMotorGridFSBucket(self.database, bucket_name=self.bucket_name)
        return self._bucket

    @staticmethod
    def _id(tenant_id: str, key: str) -> str:
        tenant_id, key = _checked(tenant_id, key)
        return f"{tenant_id}:{key}"

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def put(self, tenant_id: str, key: str, content: bytes, content_type: str) -> None:
        """Upload the blob (replacing any); its file document is written after its chunks."""
        file_id = self._id(tenant_id, key)
        await self.delete(tenant_id, key)
        await self.bucket.upload_from_stream_with_id(
            file_id,
            key,
            content,
            metadata={"tenant_id": tenant_id, "content_type": content_type},
        )

    async def get(self, tenant_id: str, key: str) -> bytes | None:
        """The blob's bytes, or None."""
        from gridfs.errors import NoFile

        try:
            stream = await self.bucket.open_download_stream(self._id(tenant_id, key))
        except NoFile:
            return None
        if (stream.metadata or {}).get("tenant_id") != tenant_id:
            return None
        data: bytes = await stream.read()
        return data

    async def delete(self, tenant_id: str, key: str) -> bool:
        """Remove the blob and its chunks; False when there was none."""
        from gridfs.errors import NoFile

        try:
            await self.bucket.delete(self._id(tenant_id, key))
        except NoFile:
            return False
        return True
