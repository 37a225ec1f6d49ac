"""A document found by the id a student copied from the screen: whole, or shortened as ``status`` prints it."""

from __future__ import annotations

import re

from sqlalchemy import select

from credit_ocr.state.db import Document, session_scope
from credit_ocr.state.status import DocumentNotFound, StatusError

__all__ = ["AmbiguousDocumentId", "resolve_id"]


class AmbiguousDocumentId(StatusError):
    """A shortened id (as ``credit-ocr status`` prints it) that starts more than one document's id."""

    def __init__(self, prefix: str, matches: list[str]) -> None:
        super().__init__(
            f"The id {prefix!r} starts {len(matches)} documents' ids ({', '.join(matches[:3])}"
            f"{', ...' if len(matches) > 3 else ''}): give more of it, or the whole id."
        )
        self.prefix = prefix


#: The characters of a document id (a UUID): a shortened id is matched with LIKE, so nothing else may pass.
_ID_CHARS = re.compile(r"[0-9a-fA-F-]+")


def resolve_id(text: str) -> str:
    """The full id of the one document whose id is ``text`` or starts with it.

    Why: ``credit-ocr status`` prints ids cut to 8 characters, and a student copies what is on the
    screen; a shortened id that names no document, or several, is refused by name.
    """
    wanted = text.strip().lower()
    with session_scope() as session:
        if text and session.get(Document, text) is not None:
            return text
        if not _ID_CHARS.fullmatch(wanted):
            raise DocumentNotFound(text)
        matches = session.scalars(
            select(Document.id).where(Document.id.like(f"{wanted}%")).order_by(Document.id).limit(4)
        ).all()
    if not matches:
        raise DocumentNotFound(text)
    if len(matches) > 1:
        raise AmbiguousDocumentId(text, list(matches))
    return matches[0]
