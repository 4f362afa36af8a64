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
    # accents and invisible format characters (zero-width space, soft hyphen, BOM) do not count
    s = "".join(ch for ch in s if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf").lower()
    s = _BRACKETS.sub("", s)
    return _NON_ALNUM.sub(" ", s).strip()


def visible(text: str) -> str:
    """The text with invisible or look-alike characters escaped ('\\u200b', '\\xa0'), for messages."""
    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc", "Co", "Cn") or (cat == "Zs" and ch != " "):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def fold_header(text: str) -> str:
    """Fold a column header after removing its numbering."""
    return fold(strip_numbering(text))
