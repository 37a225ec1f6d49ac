"""Upload: files judged by content, refused with a clear reason, stored under keys from the id only."""

from __future__ import annotations

import hashlib
import io
import re
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


def _refused(doc: documents.DocumentInfo, match: str) -> None:
    """A refused upload: a ``failed`` document with the reason, and none of its bytes stored."""
    assert doc.status == "failed" and doc.blob_key == "" and doc.attempts == 0
    assert doc.error.startswith("refused at upload: ") and re.search(match, doc.error), doc.error
    assert [e["to_status"] for e in documents.document_events(doc.id)] == ["failed"]


def test_empty_file_becomes_a_failed_document_with_the_reason(kit: Settings, tmp_path: Path) -> None:
    _refused(documents.upload(b"", "statement.pdf"), "statement.pdf is empty")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    _refused(documents.upload(empty), "empty.pdf is empty")
    with pytest.raises(EmptyFile, match="upload the PDF or image itself"):
        documents.validate(b"", "statement.pdf")
    assert _stored_files(kit.home_dir) == []


def test_file_over_the_limit_becomes_failed_and_is_never_stored(
    kit: Settings, tmp_path: Path, configure
) -> None:
    configure(max_file_bytes=1000)
    at_limit = b"%PDF-1.4\n" + b"0" * (1000 - 9)
    assert documents.upload(at_limit, "ok.pdf").size_bytes == 1000
    _refused(documents.upload(at_limit + b"0", "big.pdf"), "CREDIT_OCR_MAX_FILE_BYTES")
    big = tmp_path / "big.pdf"
    big.write_bytes(at_limit * 5)
    refused = documents.upload(big)
    _refused(refused, "big.pdf is 5,000 bytes, over the limit of 1,000 bytes")
    assert refused.size_bytes == 5000  # recorded from the file's size, though it was never read
    with pytest.raises(FileTooLarge):
        documents.validate(at_limit + b"0", "big.pdf")
    assert len(_stored_files(kit.home_dir)) == 1  # only ok.pdf's bytes


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04" + b"\0" * 60, b"\x7fELF\x02\x01\x01" + b"\0" * 60, b"Name,Income\nAda,52000\n",
     b"<html><body>%PDF</body></html>", b"GIF89a" + b"\0" * 30],
    ids=["zip", "elf", "csv", "html", "gif"],
)  # fmt: skip
def test_non_document_renamed_pdf_becomes_failed_and_is_never_stored(kit: Settings, content: bytes) -> None:
    _refused(documents.upload(content, "loan_application.pdf"), "whatever its name says")
    with pytest.raises(UnsupportedFileType) as info:
        documents.validate(content, "loan_application.pdf")
    assert isinstance(info.value, UploadError)
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


def test_one_refused_file_does_not_hold_back_the_others(kit: Settings) -> None:
    a, notes, b = documents.upload_many([PDF, b"just some text", PDF], ["a.pdf", "notes.pdf", "b.pdf"])
    assert (a.status, notes.status, b.status) == ("pending", "failed", "pending")
    assert "notes.pdf is not a document the kit reads" in notes.error
    assert sorted(_stored_files(kit.home_dir)) == sorted(f"blobs/{d.blob_key}" for d in (a, b))
    assert documents.count_by_status([a.id, notes.id, b.id]) == {
        "pending": 2, "ocr_running": 0, "llm_running": 0, "done": 0, "failed": 1}  # fmt: skip
