"""Personal data guards of the cleaning step.

Respondent name, e-mail and phone (the codebook's ``role: personal`` variables) are read only to keep them
out of everything the step produces. Values quoted in the log (municipality as given, cell issues) are
masked when they look like an e-mail address or phone number, or contain the row's own personal data;
e-mail addresses and phone numbers typed into free-text answers are masked in the tidy table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
PHONE = re.compile(r"(?<![\w+])(?:\+31[\s-]?|0031[\s-]?|0)(?:\(0\)\s?)?[1-9](?:[\s-]?\d){8}(?!\d)")
MASK_EMAIL = "[e-mail verwijderd]"
MASK_PHONE = "[telefoonnummer verwijderd]"
MASK_PERSONAL = "[persoonsgegevens verwijderd]"


def looks_personal(text: object) -> bool:
    """True if the text holds an e-mail address, a Dutch phone number or an ``@``."""
    s = "" if text is None else str(text)
    return "@" in s or bool(EMAIL.search(s)) or bool(PHONE.search(s))


def mask_contacts(text: str) -> str:
    """Replace e-mail addresses and phone numbers in free text by a placeholder."""
    return PHONE.sub(MASK_PHONE, EMAIL.sub(MASK_EMAIL, text))


def mask_values(text: str, personal: Iterable[str]) -> str:
    """Mask contacts and every occurrence (case-insensitive) of the given personal values (3+ characters)."""
    out = mask_contacts(text)
    for value in personal:
        value = str(value).strip()
        if len(value) >= 3:
            out = re.sub(re.escape(value), MASK_PERSONAL, out, flags=re.IGNORECASE)
    return out


def show(value: object, limit: int = 60) -> str:
    """A cell value as quoted in a log message: contacts masked, long values shortened."""
    s = mask_contacts(str(value)).replace("\r", " ").replace("\n", " ")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def mask_given(text: str, personal: Iterable[str]) -> str:
    """The municipality cell as it may appear in the log: fully masked if it looks like personal data."""
    personal = [str(p).strip() for p in personal if str(p).strip()]
    low = text.strip().lower()
    if looks_personal(text) or any(low == p.lower() for p in personal):
        return MASK_PERSONAL
    return show(mask_values(text, personal))
