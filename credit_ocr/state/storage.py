"""Blob storage for uploaded files: a local folder by default, Azure Blob Storage (or Azurite) when set.

Both stores share one small interface (put, get, delete, exists). Keys are made by the kit from the
document id (:func:`blob_key_for`), never from a user's filename, so no upload can name a path.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from credit_ocr.config import Settings, get_settings

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$")


class StorageError(RuntimeError):
    """Blob storage failed or was misconfigured; the message says what to check."""


class BlobNotFound(StorageError):
    pass


class StorageUnavailable(StorageError):
    """The store did not answer (a transient error: retrying later may succeed)."""


def blob_key_for(document_id: str, mime_type: str) -> str:
    """The blob key of a document: its id and a suffix from the sniffed type, nothing from the user."""
    suffix = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/tiff": "tif"}
    return f"documents/{document_id}.{suffix.get(mime_type, 'bin')}"


def _check_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/"):
        raise StorageError(f"Refusing blob key {key!r}: keys are made by the kit from document ids.")
    return key


class BlobStore(Protocol):
    """What the pipeline needs from a file store."""

    kind: str

    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


class LocalBlobStore:
    """Blobs as files under one folder (the embedded default)."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / _check_key(key)).resolve()
        if self.root not in path.parents:
            raise StorageError(f"Refusing blob key {key!r}: it leaves the blob folder.")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(f"Blob {key} is missing from the blob folder.") from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"


class AzureBlobStore:
    """Blobs in an Azure Blob Storage container (Azurite on loopback in tests); created when missing."""

    kind = "azure"

    def __init__(self, connection_string: str, container: str, api_version: str | None = None) -> None:
        from azure.core.exceptions import ResourceExistsError
        from azure.storage.blob import BlobServiceClient

        kwargs = {"api_version": api_version} if api_version else {}
        # Short timeouts and few retries: the pipeline's own retry (Celery) handles outages.
        self._service = BlobServiceClient.from_connection_string(
            connection_string, connection_timeout=5, read_timeout=30, retry_total=2, **kwargs
        )
        self.container = container
        self._client = self._service.get_container_client(container)
        with self._translated("creating the container"), contextlib.suppress(ResourceExistsError):
            self._client.create_container()

    @contextlib.contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        """Every error of the Azure client inside the block becomes one of ours (:meth:`_translate`)."""
        try:
            yield
        except StorageError:
            raise
        except Exception as exc:  # noqa: BLE001 - translate every transport error to ours
            raise self._translate(exc, what) from exc

    @staticmethod
    def _translate(exc: Exception, what: str) -> StorageError:
        from azure.core.exceptions import (
            HttpResponseError,
            ResourceNotFoundError,
            ServiceRequestError,
            ServiceResponseError,
        )

        if isinstance(exc, ResourceNotFoundError):
            return BlobNotFound(f"Blob not found while {what}.")
        status = getattr(exc, "status_code", None) or 0
        if isinstance(exc, ServiceRequestError | ServiceResponseError) or (
            isinstance(exc, HttpResponseError) and (status >= 500 or status in (408, 429))
        ):
            return StorageUnavailable(
                f"Azure Blob Storage did not answer while {what}: {exc.__class__.__name__}."
            )
        return StorageError(
            f"Azure Blob Storage refused {what}: {getattr(exc, 'reason', None) or exc.__class__.__name__}."
        )

    def put(self, key: str, data: bytes) -> None:
        with self._translated(f"writing {key}"):
            self._client.upload_blob(_check_key(key), data, overwrite=True)

    def get(self, key: str) -> bytes:
        with self._translated(f"reading {key}"):
            return self._client.download_blob(_check_key(key)).readall()

    def delete(self, key: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        with self._translated(f"deleting {key}"), contextlib.suppress(ResourceNotFoundError):
            self._client.delete_blob(_check_key(key))

    def exists(self, key: str) -> bool:
        with self._translated(f"checking {key}"):
            return bool(self._client.get_blob_client(_check_key(key)).exists())

    def __repr__(self) -> str:
        return f"AzureBlobStore(account={self._service.account_name!r}, container={self.container!r})"


def make_blob_store(settings: Settings) -> BlobStore:
    """The store the settings select: Azure when a connection string is set, else the local folder."""
    conn = settings.azure_conn
    if conn:
        return AzureBlobStore(conn, settings.azure_container, settings.azure_api_version)
    return LocalBlobStore(settings.blob_dir)


_lock = threading.Lock()
_store: BlobStore | None = None
_store_key: tuple | None = None


def get_blob_store(settings: Settings | None = None) -> BlobStore:
    """The process's blob store for the settings in force (one client per process and target)."""
    global _store, _store_key
    settings = settings or get_settings()
    key = (os.getpid(), settings.azure_conn, settings.azure_container, settings.blob_dir)
    with _lock:
        if _store is None or _store_key != key:
            _store, _store_key = make_blob_store(settings), key
        return _store
