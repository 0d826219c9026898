"""RECAP and PACER document links: what a link tells about its docket, and the link for
a document CourtListener lists (its free RECAP copy, else PACER's own)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feeds.courts import pacer_court, pacer_kind

STORAGE = "https://storage.courtlistener.com/"
_STORAGE_PATH = re.compile(r"gov\.uscourts\.(?P<court>[a-z0-9-]+)\.(?P<case>\d+)\.")
_PACER_DOC = re.compile(r"^https?://ecf\.(?P<court>[a-z0-9-]+)\.uscourts\.gov/docs?1/"
                        r"(?P<doc>\d+)(?:\?case[iI]d=(?P<case>\d+))?")


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """What a document link tells about its docket: court, PACER case and document ids."""

    court: str = ""
    pacer_case_id: str = ""
    pacer_doc_id: str = ""


def read_document_url(url: str) -> DocumentRef:
    """Court and ids from a RECAP storage path or a PACER doc1 link; empty when neither."""
    found = _PACER_DOC.match(url)
    if found:
        return DocumentRef(pacer_court(found.group("court")), found.group("case") or "",
                           found.group("doc"))
    found = _STORAGE_PATH.search(url)
    if found:
        return DocumentRef(pacer_court(found.group("court")), found.group("case"))
    return DocumentRef()


def main_document(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """A docket entry's main document (not an attachment), as the API lists it."""
    documents = [d for d in entry.get("recap_documents") or () if isinstance(d, Mapping)]
    for document in documents:
        if not document.get("attachment_number"):
            return document
    return documents[0] if documents else {}


def document_url(document: Mapping[str, Any], court: str, pacer_case_id: str) -> str:
    """The link to a document: its RECAP copy when there is one, else PACER's doc1 link."""
    path = str(document.get("filepath_local") or "")
    if path:
        return path if path.startswith(("http://", "https://")) else STORAGE + path.lstrip("/")
    doc_id = str(document.get("pacer_doc_id") or "")
    if doc_id and court:
        servlet = "docs1" if pacer_kind(court) == "appellate" else "doc1"
        query = f"?caseid={pacer_case_id}" if pacer_case_id else ""
        return f"https://ecf.{court}.uscourts.gov/{servlet}/{doc_id}{query}"
    return ""
