"""Personal data guards of the cleaning step.

Respondent name, e-mail and phone (the codebook's ``role: personal`` variables) are read only to keep them
out of everything the step produces. Values quoted in the log (municipality as given, cell issues) are
masked by :mod:`wijkteam_stats.clean.deidentify` (e-mail, phone, BSN, IBAN, address, names known from the
row); free-text answers are masked there too (see :func:`wijkteam_stats.clean.deidentify.deidentify_columns`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from wijkteam_stats.clean.deidentify import NOBODY, PLACEHOLDERS, KnownPersons, find_personal_data, mask
from wijkteam_stats.clean.fold import visible

MASK_PERSONAL = "[persoonsgegevens verwijderd]"
_NAME_WORD = re.compile(r"[^\W\d_]{2,}")
_CONTACT_KINDS = frozenset({"e-mailadres", "telefoonnummer", "bsn", "iban"})


def looks_personal(text: object) -> bool:
    """True if the text holds an ``@``, an e-mail address, a phone number, a BSN or an IBAN."""
    s = "" if text is None else str(text)
    return "@" in s or _has_contact(s)


@lru_cache(maxsize=65536)
def _has_contact(s: str) -> bool:  # cached: municipality cells repeat in every export
    return any(kind in _CONTACT_KINDS for _, _, kind in find_personal_data(s))


@lru_cache(maxsize=65536)
def _mask_cached(text: str, known: KnownPersons) -> str:  # cached: quoted values repeat across rows
    return mask(text, known)


def mask_contacts(text: str) -> str:
    """Free text with personal data masked (no names known from a row: only the general patterns)."""
    return _mask_cached(text, NOBODY)


def mask_values(text: str, personal: Iterable[str]) -> str:
    """Mask personal data, including the names and values of ``personal`` (the row's personal cells).

    A value quoted in a message may have been shortened by :func:`show` ("bel Karin Bak…"): a word cut
    there that begins a name of the row is masked as well.
    """
    personal = [str(p) for p in personal]
    out = _mask_cached(text, KnownPersons.from_values(personal))
    if "…" not in out:
        return out
    names = {w.lower() for p in personal if "@" not in p for w in _NAME_WORD.findall(p)}
    pieces, at = [], 0
    cut = out.find("…")
    while cut >= 0:
        start = cut
        while start > 0 and cut - start < 40 and out[start - 1].isalpha():
            start -= 1
        word = out[start:cut].lower()
        if word and any(n.startswith(word) for n in names):
            pieces += [out[at:start], PLACEHOLDERS["naam"]]
            at = cut
        cut = out.find("…", cut + 1)
    return "".join(pieces) + out[at:]


_SHOW_MARGIN = 400  # characters read beyond the quoted part, so personal data across the cut is found


def show(value: object, limit: int = 60) -> str:
    """A cell value as quoted in a log message: personal data masked, long values shortened.

    Only the first ``limit`` + 400 characters are read (a long cell costs no more than a short one).
    """
    text = str(value)
    s = visible(_mask_cached(text[: limit + _SHOW_MARGIN], NOBODY).replace("\r", " ").replace("\n", " "))
    if len(text) > limit + _SHOW_MARGIN:
        s += "…"
    return s if len(s) <= limit else s[: limit - 1] + "…"


def mask_given(text: str, personal: Iterable[str]) -> str:
    """The municipality cell as it may appear in the log: fully masked if it looks like personal data."""
    personal = [str(p).strip() for p in personal if str(p).strip()]
    low = text.strip().lower()
    if looks_personal(text) or any(low == p.lower() for p in personal):
        return MASK_PERSONAL
    return show(mask_values(text, personal))
