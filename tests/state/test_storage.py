"""Blob stores: the same four operations on the local folder and on Azurite; keys that leave are refused."""

from __future__ import annotations

import pytest

from credit_ocr.config import Settings
from credit_ocr.runtime.services import AzuriteServer
from credit_ocr.state.storage import (
    AzureBlobStore,
    BlobNotFound,
    LocalBlobStore,
    StorageError,
    blob_key_for,
    get_blob_store,
)

BOTH_STORES = pytest.mark.parametrize(
    "any_store", [pytest.param("local"), pytest.param("azurite", marks=pytest.mark.azurite)], indirect=True
)


@BOTH_STORES
def test_put_get_exists_delete(any_store: Settings) -> None:
    store = get_blob_store()
    assert store.kind == ("azure" if any_store.azure_conn else "local")
    key = blob_key_for("0b6f3c9e-0000-4000-8000-000000000001", "application/pdf")
    assert not store.exists(key)
    store.put(key, b"%PDF-1.4 first")
    assert store.exists(key)
    assert store.get(key) == b"%PDF-1.4 first"
    store.put(key, b"%PDF-1.4 second")  # overwrite: a redelivered upload
    assert store.get(key) == b"%PDF-1.4 second"
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting twice is harmless


@BOTH_STORES
def test_missing_blob_is_named(any_store: Settings) -> None:
    with pytest.raises(BlobNotFound):
        get_blob_store().get("documents/never-written.pdf")


@BOTH_STORES
@pytest.mark.parametrize("key", ["../outside.pdf", "documents/../../x.pdf", "/etc/passwd", "", ".hidden"])
def test_keys_that_could_leave_are_refused(any_store: Settings, key: str) -> None:
    with pytest.raises(StorageError, match="Refusing blob key"):
        get_blob_store().put(key, b"x")


def test_local_store_writes_only_under_its_root(tmp_path) -> None:  # noqa: ANN001
    store = LocalBlobStore(tmp_path / "blobs")
    store.put("documents/a.pdf", b"data")
    for key in ("../escape.pdf", "documents/../../escape.pdf"):
        with pytest.raises(StorageError):
            store.put(key, b"x")
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["blobs/documents/a.pdf"]


def test_blob_key_comes_from_the_id_only() -> None:
    assert blob_key_for("abc", "application/pdf") == "documents/abc.pdf"
    assert blob_key_for("abc", "image/png") == "documents/abc.png"
    assert blob_key_for("abc", "image/jpeg") == "documents/abc.jpg"
    assert blob_key_for("abc", "image/tiff") == "documents/abc.tif"


def test_store_is_one_per_process(kit: Settings) -> None:
    assert get_blob_store() is get_blob_store()
    assert isinstance(get_blob_store(), LocalBlobStore)
    assert get_blob_store().root == kit.blob_dir


@pytest.mark.azurite
def test_azure_container_is_created_when_missing(azure_kit: Settings, azurite_server: AzuriteServer) -> None:
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(
        azurite_server.connection_string, api_version=azure_kit.azure_api_version
    )
    container = service.get_container_client(azure_kit.azure_container)
    assert not container.exists()
    store = get_blob_store()
    assert isinstance(store, AzureBlobStore)
    assert container.exists()
    store.put("documents/a.pdf", b"%PDF")
    assert [b.name for b in container.list_blobs()] == ["documents/a.pdf"]
    AzureBlobStore(azurite_server.connection_string, azure_kit.azure_container, azure_kit.azure_api_version)
    assert store.get("documents/a.pdf") == b"%PDF"  # a second client finds it, nothing lost
