"""Upload: files judged by content, refused with a clear reason, stored under keys from the id only."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image
from reads import read_blob

from credit_ocr.config import Settings
from credit_ocr.state import documents
from credit_ocr.state.documents import EmptyFile, FileTooLarge, UnsupportedFileType, UploadError
from credit_ocr.state.status import DocumentNotFound, Status, transition
from credit_ocr.state.storage import get_blob_store

BOTH_DBS = pytest.mark.parametrize(
    "any_db", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
BOTH_STORES = pytest.mark.parametrize(
    "any_store", [pytest.param("local"), pytest.param("azurite", marks=pytest.mark.azurite)], indirect=True
)


def image_bytes(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, fmt)
    return buf.getvalue()


PDF = image_bytes("PDF")


def _stored_files(home: Path) -> list[str]:
    return sorted(
        p.relative_to(home).as_posix()
        for p in home.rglob("*")
        if p.is_file() and not p.name.startswith("credit_ocr.db")
    )


@pytest.mark.parametrize(
    ("fmt", "mime", "suffix"),
    [("PDF", "application/pdf", "pdf"), ("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"),
     ("TIFF", "image/tiff", "tif")],
)  # fmt: skip
def test_each_supported_type_is_sniffed_from_content(kit: Settings, fmt: str, mime: str, suffix: str) -> None:
    doc = documents.upload(image_bytes(fmt), "scan.pdf")  # the name says pdf; the content decides
    assert doc.mime_type == mime
    assert doc.blob_key == f"documents/{doc.id}.{suffix}"


@BOTH_STORES
def test_upload_stores_the_blob_and_a_pending_event(any_store: Settings) -> None:
    doc = documents.upload(PDF, "loan application.pdf", priority=3, batch_id="b1")
    assert doc.status == "pending" and doc.attempts == 0 and doc.error is None
    assert (doc.filename, doc.size_bytes, doc.priority, doc.batch_id) == (
        "loan application.pdf",
        len(PDF),
        3,
        "b1",
    )
    assert doc.content_sha256 == hashlib.sha256(PDF).hexdigest()
    assert get_blob_store().get(doc.blob_key) == PDF
    assert read_blob(doc.id) == PDF
    log = documents.document_events(doc.id)
    assert [(e["from_status"], e["to_status"]) for e in log] == [(None, "pending")]
    assert documents.get_document(doc.id) == doc


@BOTH_DBS
def test_upload_from_a_path_on_each_database(any_db: Settings, tmp_path: Path) -> None:
    path = tmp_path / "application.pdf"
    path.write_bytes(PDF)
    doc = documents.upload(path)
    assert doc.filename == "application.pdf"
    assert documents.get_document(doc.id).content_sha256 == hashlib.sha256(PDF).hexdigest()
    transition(doc.id, Status.OCR_RUNNING)
    assert [d.id for d in documents.list_documents(status="ocr_running")] == [doc.id]
    assert documents.list_documents(status="pending") == []


def test_empty_file_is_refused(kit: Settings, tmp_path: Path) -> None:
    with pytest.raises(EmptyFile, match="empty"):
        documents.upload(b"", "statement.pdf")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFile, match="empty.pdf"):
        documents.upload(empty)
    assert documents.list_documents() == []


def test_file_over_the_limit_is_refused(kit: Settings, tmp_path: Path, configure) -> None:
    configure(max_file_bytes=1000)
    at_limit = b"%PDF-1.4\n" + b"0" * (1000 - 9)
    assert documents.upload(at_limit, "ok.pdf").size_bytes == 1000
    with pytest.raises(FileTooLarge, match="CREDIT_OCR_MAX_FILE_BYTES"):
        documents.upload(at_limit + b"0", "big.pdf")
    big = tmp_path / "big.pdf"
    big.write_bytes(at_limit * 5)
    with pytest.raises(FileTooLarge, match="big.pdf"):
        documents.upload(big)
    assert len(documents.list_documents()) == 1
    assert len(_stored_files(kit.home_dir)) == 1


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04" + b"\0" * 60, b"\x7fELF\x02\x01\x01" + b"\0" * 60, b"Name,Income\nAda,52000\n",
     b"<html><body>%PDF</body></html>", b"GIF89a" + b"\0" * 30],
    ids=["zip", "elf", "csv", "html", "gif"],
)  # fmt: skip
def test_non_document_renamed_pdf_is_refused(kit: Settings, content: bytes) -> None:
    with pytest.raises(UnsupportedFileType, match="whatever its name says") as info:
        documents.upload(content, "loan_application.pdf")
    assert isinstance(info.value, UploadError)
    assert documents.list_documents() == []
    assert _stored_files(kit.home_dir) == []  # nothing stored for a refused file


TRAVERSALS = [
    "../../etc/passwd.pdf",
    "..%2f..%2fetc%2fpasswd.pdf",
    "..%252f..%252fetc%252fpasswd.pdf",
    "..\\..\\windows\\passwd.pdf",
    "/etc/passwd.pdf",
    "passwd.pdf\x00.png",
]


@BOTH_STORES
@pytest.mark.parametrize("name", TRAVERSALS)
def test_path_in_filename_is_stored_safely(any_store: Settings, name: str, tmp_path: Path) -> None:
    doc = documents.upload(PDF, name)
    assert "/" not in doc.filename and "\\" not in doc.filename and not doc.filename.startswith(".")
    assert "\x00" not in doc.filename
    assert doc.filename.startswith("passwd.pdf")
    assert doc.blob_key == f"documents/{doc.id}.pdf"
    assert read_blob(doc.id) == PDF
    home = any_store.home_dir
    assert not (tmp_path / "etc").exists() and not (home.parent / "etc").exists()
    if not any_store.azure_conn:
        assert _stored_files(home) == [f"blobs/documents/{doc.id}.pdf"]


def test_safe_filename_keeps_a_readable_name() -> None:
    assert documents.safe_filename("Kreditantrag Müller (2024).pdf") == "Kreditantrag Müller (2024).pdf"
    assert documents.safe_filename("") == "document"
    assert documents.safe_filename("../..") == "document"
    assert len(documents.safe_filename("a" * 500 + ".pdf")) <= 120


def test_unknown_document_is_named(kit: Settings) -> None:
    with pytest.raises(DocumentNotFound, match="credit-ocr status"):
        documents.get_document("missing-id")


def test_upload_many_checks_every_file_before_storing_any(kit: Settings) -> None:
    with pytest.raises(documents.UnsupportedFileType):
        documents.upload_many([PDF, b"just some text", PDF], ["a.pdf", "notes.pdf", "b.pdf"])
    assert documents.list_documents() == []
    assert _stored_files(kit.home_dir) == []


def test_upload_many_stores_each_with_its_pending_event(any_db: Settings) -> None:
    infos = documents.upload_many([PDF, PDF, PDF], ["a.pdf", "b.pdf", "c.pdf"], batch_id="batch-m")
    assert [i.filename for i in infos] == ["a.pdf", "b.pdf", "c.pdf"]
    assert len({i.id for i in infos}) == 3
    for info in infos:
        row = documents.get_document(info.id)
        assert (row.status, row.batch_id, row.blob_key) == ("pending", "batch-m", info.blob_key)
        assert [(e["from_status"], e["to_status"]) for e in documents.document_events(info.id)] == [
            (None, "pending")
        ]
        assert read_blob(info.id) == PDF
