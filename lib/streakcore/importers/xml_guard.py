"""Activity XML (GPX, TCX) is untrusted: decode it and refuse what a parser could be abused by.

A document type declaration is where entity expansion ("billion laughs") and external
entities live; no GPX or TCX writer emits one, so a file with one is rejected before any
parser sees it. Real exports also start with blanks before `<?xml` (Strava's TCX has ten),
which strict parsers refuse: they are dropped here.
"""

from __future__ import annotations

import re

from streakcore.importers.rejection import UnreadableFile

_FIRST_ELEMENT = re.compile(r"<(?![?!])")
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)


def activity_xml(data: bytes, kind: str) -> str:
    """The document as text, leading blanks dropped; UnreadableFile when unsafe or not text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(f"the {kind} file is not UTF-8 text") from None
    text = text.lstrip()
    if not text.startswith("<"):
        raise UnreadableFile(f"the {kind} file is not XML")
    first = _FIRST_ELEMENT.search(text)
    prolog = text if first is None else text[: first.start()]
    if _DOCTYPE.search(prolog):
        raise UnreadableFile(
            f"the {kind} file declares a document type, which activity files never need "
            "(refused: it can hide entity expansion)"
        )
    return text
