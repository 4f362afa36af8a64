"""Folding of headers and answers for matching: case, accents, numbering, punctuation and spaces."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NUMBERING = re.compile(
    r"^\s*(?:(?:vraag|question)\s*|[qv])?\d{1,3}[a-z]?(?:\s*[.):]\s*|\s+)", re.IGNORECASE
)
_BRACKETS = re.compile(r"[()\[\]{}]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_numbering(text: str) -> str:
    """Drop question numbering at the start of a header ("3. ", "Q3 ", "V3a) ", "vraag 12: ")."""
    return _NUMBERING.sub("", str(text), count=1)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold a header or answer: lower case, no accents, brackets removed, other punctuation to spaces."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = _BRACKETS.sub("", s)
    return _NON_ALNUM.sub(" ", s).strip()


def fold_header(text: str) -> str:
    """Fold a column header after removing its numbering."""
    return fold(strip_numbering(text))
