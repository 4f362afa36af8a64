"""Numbers in a published quote, read the way a Dutch reader reads them.

A quote such as "flink gestegen van 69 procent naar 87 procent", "62% in 2017, 60% in 2015 en 56% in 2014",
"gemiddeld drie per gemeente", "de helft van de gemeenten" or "Twee derde van deze teams" holds numbers a
published row must agree with. :func:`mentions` lists them: the value, whether it is a percentage (``%``,
``procent``, or a fraction word), the wave it is tied to ("60% in 2015") and whether it is the start or the end
of a change ("van X naar Y"). Years (1990-2040), and numbers glued to a letter or hyphen (G4, G-32) are not
values. :func:`quote_values` gives the values a row of a given wave and statistic may take according to its
quote; :func:`says_unchanged` recognises "blijft gelijk" (the previous wave's value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Dutch number words (counts and means).
NUMBER_WORDS = {
    "nul": 0, "een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
    "twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "honderd": 100,
}
#: Fraction words read as percentages (in the order they are tried: longer phrases first).
FRACTION_WORDS = (
    ("twee derde", 200 / 3), ("tweederde", 200 / 3), ("drie kwart", 75.0), ("driekwart", 75.0),
    ("de helft", 50.0), ("een derde", 100 / 3), ("eenderde", 100 / 3), ("een kwart", 25.0),
    ("een vijfde", 20.0), ("alle", 100.0), ("geen enkele", 0.0),
)
#: A fraction word followed by one of these is an ordinal, not a share ("een derde landelijke peiling").
_ORDINAL_NEXT = ("landelijke", "peiling", "meting", "keer", "plaats", "ronde")
#: Phrases that say a figure did not change since the previous wave.
UNCHANGED_PHRASES = ("blijft gelijk", "bleef gelijk", "gelijk gebleven", "is gelijk", "onveranderd", "stabiel op")
#: The years a four-digit number is read as (never a value).
YEARS = range(1990, 2041)

_NUM = re.compile(r"(?<![\w\-])(\d+(?:[.,]\d+)?)(?![\w])(\s*(?:%|procent\b|procentpunt\b))?")
_YEAR_AFTER = re.compile(r"^\s*(?:in|voor|uit)\s+(\d{4})\b")
_WORD = re.compile(r"(?<![\w\-])(" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?![\w])",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """One number in a quote."""

    value: float
    percent: bool
    year: int | None = None  # "60% in 2015": the wave the number belongs to
    role: str = ""  # "from" / "to" in "van X naar Y"
    word: bool = False  # a number or fraction word ("drie", "de helft")
    text: str = ""


def _role(text: str, start: int, end: int) -> str:
    before = text[max(0, start - 12):start].lower()
    if re.search(r"\bvan\s*$", before) and re.search(r"\bnaar\b|\btot\b", text[end:].lower()):
        return "from"
    if re.search(r"\b(naar|tot)\s*$", before) and re.search(r"\bvan\b", text[:start].lower()):
        return "to"
    return ""


def mentions(quote: object) -> list[Mention]:
    """Every number in a quote (digits, number words, fraction words) with its kind, wave and role."""
    if not isinstance(quote, str) or not quote.strip():
        return []
    text = quote
    low = text.lower()
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in _NUM.finditer(text):
        raw = m.group(1)
        val = float(raw.replace(",", "."))
        if raw.isdigit() and int(raw) in YEARS and not m.group(2):
            continue
        year = _YEAR_AFTER.match(text[m.end():])
        out.append(Mention(val, bool(m.group(2)), int(year.group(1)) if year else None,
                           _role(text, m.start(), m.end()), False, m.group(0).strip()))
        taken.append((m.start(), m.end()))
    for phrase, val in FRACTION_WORDS:
        for m in re.finditer(r"(?<![\w])" + re.escape(phrase) + r"(?![\w])", low):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            nxt = low[m.end():].split()
            if nxt and nxt[0] in _ORDINAL_NEXT:
                continue
            if phrase == "alle" or phrase == "geen enkele":
                continue  # too common as plain words; only used with an explicit rule
            out.append(Mention(val, True, None, _role(text, m.start(), m.end()), True, text[m.start():m.end()]))
            taken.append((m.start(), m.end()))
    for m in _WORD.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        word = m.group(1).lower()
        if word == "een" or word == "eén":
            continue  # the article, not a number ("een breed integraal team")
        nxt = low[m.end():].lstrip()
        pct = nxt.startswith("procent") or nxt.startswith("%")
        out.append(Mention(float(NUMBER_WORDS[word]), pct, None, _role(text, m.start(), m.end()), True, m.group(0)))
    return out


def says_unchanged(quote: object) -> bool:
    """Whether the quote says the figure did not change since the previous wave ("blijft gelijk")."""
    return isinstance(quote, str) and any(p in quote.lower() for p in UNCHANGED_PHRASES)


def quote_values(quote: object, statistic: str, wave: int, own_wave: int) -> list[Mention]:
    """The mentions a row (of ``wave``, in the file of ``own_wave``) must agree with: the mentions of its kind
    (percentages for a percentage; other numbers for a count or mean), narrowed to the one tied to its wave
    ("60% in 2015") if any, else to the end ("naar Y") of a change for the file's own wave and the start
    ("van X") for an earlier wave. Empty when the quote has no number of that kind (nothing to check)."""
    if statistic not in ("percent", "count", "mean"):
        return []
    ms = mentions(quote)
    if statistic == "percent":
        kind = [m for m in ms if m.percent]
        if not kind:  # "participatiebevordering (62)": a bare number in a list of percentages
            kind = [m for m in ms if not m.word]
    else:
        kind = [m for m in ms if not m.percent]
    if not kind:
        return []
    tied = [m for m in kind if m.year == int(wave)]
    if tied:
        return tied
    untied = [m for m in kind if m.year is None]
    if not untied:
        return []  # every number belongs to another wave: the row's wave is not in the quote
    role = "to" if int(wave) == int(own_wave) else "from"
    if any(m.role for m in untied):
        picked = [m for m in untied if m.role == role]
        if picked:
            return picked
    return untied
