"""Answer harmonisation: raw cells (strings) to tidy values, one question type at a time.

Rules (documented in the package docstring of :mod:`wijkteam_stats.clean`):
- Labels are matched after folding (case, accents, punctuation, spaces) against the option labels, aliases
  and codes, and the codebook's general labels for yes / no / missing ("Weet niet", "Geen antwoord", "n.v.t.",
  "-99", ...). "Ja, namelijk: ..." / "Anders, namelijk: ..." count as the label before "namelijk"; the text
  after it fills the ``<variable>_anders`` text question when the answer is "anders" and that cell is empty,
  otherwise it is reported as a cell issue (it has no column).
- An answer that fits no label, a count that is not a whole number or lies outside the codebook's min/max,
  and an unreadable date become missing (the row is kept); each is reported as a cell issue.
- Numbers: decimal comma or point, "84%" is 84, a dot followed by groups of three digits is a thousands
  separator ("1.000" is 1000).
- Dates: ISO (2015-10-03 14:22[:10]), day/month/year or month/day/year (``/``, ``-`` or ``.``; optional
  seconds and AM/PM), or an Excel serial day number; time zones are converted to Amsterdam time and dropped.
  The order of day and month is decided for the whole column: a first number above 12 proves day-first, a
  second above 12 month-first (both in one column is an error); without proof, ``-`` and ``.`` dates are
  read day-first (the Dutch convention) and a column of ``/`` dates is refused as ambiguous unless the
  order is given (``date_order``), because en-US and en-GB tools write the same shape.
- Tick marks: ✓ ✔ ☑ ✅ ☒ x X • ● * + and the yes labels (1, ja, yes, waar, true, aangevinkt ...) or the
  option's own label mean ticked; empty, 0 and the no labels mean not ticked; any other value is a cell
  issue and the option becomes missing, never "not ticked".
- A choice column that holds only codes (``1``, ``2``, ``A1``) where labels are expected is a numeric /
  code export: refused with a message unless a value map (overlay, LimeSurvey structure file) is given.
- Free text is kept verbatim (outer spaces stripped) here; ``clean_survey`` then masks personal data in it
  (:mod:`wijkteam_stats.clean.deidentify`, with the names known from the row).
- Every pattern runs in time linear in the cell's length (no nested or unbounded backtracking).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from wijkteam_stats.clean.fold import fold
from wijkteam_stats.clean.safety import show
from wijkteam_stats.reference.codebook import Codebook, Variable

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+\.\d*$")
_NAMELIJK = re.compile(r"\bnamelijk\b", re.IGNORECASE)  # a literal word: found in linear time
_COLON = re.compile(r"^(?P<label>[^:]{1,80}):\s*(?P<text>.*)$", re.DOTALL)


def split_namelijk(text: str) -> tuple[str, str] | None:
    """("Anders", "tekst") for "Anders, namelijk: tekst" (the first "namelijk"); None without "namelijk".

    Written with ``str`` methods around one literal search: the former single pattern (a lazy label
    followed by a run of separators) took time quadratic in a run of spaces.
    """
    m = _NAMELIJK.search(text)
    if m is None:
        return None
    return text[:m.start()].rstrip(" \t\r\n\f\v,;:"), text[m.end():].lstrip(" \t\r\n\f\v:,.-")



_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?"
                  r"(?:\s*([AaPp])\.?\s?[Mm]\.?)?)?(?:\s+(?:GMT|UTC)([+-]\d{1,2})(?::?(\d{2}))?|\s+(?:CES?T|MES?Z))?$")
_DMY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?"
                  r"(?:\s*([AaPp])\.?[Mm]\.?)?)?$")
_CODE_LIKE = re.compile(r"^[A-Za-z]{0,4}\d{1,4}$")
TICK_MARKS = frozenset("✓✔☑✅☒xX•●*+")


class ColumnError(ValueError):
    """A whole column cannot be read without guessing (the cleaner names file and column)."""

    def __init__(self, variable: str, message: str):
        super().__init__(message)
        self.variable = variable

Issue = tuple[int, str]  # (position in the frame, message)


class Answers:
    """The codebook's general answer labels, folded for lookup."""

    def __init__(self, codebook: Codebook):
        labels = codebook.answer_labels
        self.yes = {fold(x) for x in labels.get("ja", ())}
        self.no = {fold(x) for x in labels.get("nee", ())}
        self.missing_raw = {x.strip().lower() for x in labels.get("missing", ())}
        self.missing = {fold(x) for x in labels.get("missing", ()) if not _NUMBER.match(x.strip())} | {""}

    def is_missing(self, raw: str) -> bool:
        """True for an empty cell or a missing-value label ("weet niet", "n.v.t.", "-99", ...)."""
        s = raw.strip()
        if not s or s.lower() in self.missing_raw:
            return True
        key = fold(s)  # only punctuation or symbols ("?", "✓") folds to "": not a missing label
        return bool(key) and not _NUMBER.match(s) and key in self.missing


@dataclass
class Parsed:
    """Tidy values of one column plus the cell issues and any "namelijk" text split off."""

    values: pd.Series
    issues: list[Issue]
    extra: pd.Series | None = None


def _by_unique(series: pd.Series, fn: Callable[[str], tuple]) -> list[tuple]:
    table = {u: fn(u) for u in pd.unique(series)}
    return [table[v] for v in series]


def _issues(series: pd.Series, results: list[tuple], column: str, k: int = 1) -> list[Issue]:
    return [(pos, f"{column}: '{show(series.iloc[pos])}' {r[k]}") for pos, r in enumerate(results) if r[k]]


# --------------------------------------------------------------------------- single choice and yes/no


def _label_lookup(variable: Variable, answers: Answers) -> dict[str, object]:
    table: dict[str, object] = {}
    for o in variable.options:
        for text in (o.code, o.code.replace("_", " "), o.label, *o.aliases):
            table.setdefault(fold(text), o.code)
    if variable.type == "yesno":
        for y in answers.yes:
            table.setdefault(y, True)
        for n in answers.no:
            table.setdefault(n, False)
    return table


def _choice(raw: str, table: dict[str, object], answers: Answers) -> tuple[object, str | None, str | None]:
    """(value or None, issue or None, extra text or None) for one single-choice / yes-no cell."""
    s = raw.strip()
    if answers.is_missing(s):
        return None, None, None
    key = fold(s)
    if key in table:
        return table[key], None, None
    for parts in (split_namelijk(s), _colon(s)):
        if parts is not None:
            label = parts[0].strip()
            text = parts[1].strip() or None
            for cand in (fold(label), fold(label + " namelijk")):
                if cand and cand in table:
                    return table[cand], None, text
    return None, "is not an answer option; set to missing", None


def _refuse_codes(series: pd.Series, results: list[tuple], variable: Variable, answers: Answers) -> None:
    """Refuse a choice column that holds answer codes instead of labels (a numeric/code export)."""
    unmatched = {str(v).strip() for v, r in zip(series, results, strict=True) if r[1]}
    if not unmatched or not all(_CODE_LIKE.match(u) for u in unmatched):
        return
    values = {str(v).strip() for v in series if not answers.is_missing(str(v))}
    if any(not _CODE_LIKE.match(v) for v in values):
        return  # labels with a few odd codes: cell issues, not a code export
    shown = ", ".join(sorted(values, key=lambda x: (len(x), x))[:6])
    raise ColumnError(variable.name, (
        f"holds answer codes ({shown}) instead of answer labels: a numeric or code export whose codes the "
        "codebook cannot read without guessing; export the choice texts (Qualtrics: 'Use choice text'; "
        "LimeSurvey: 'Full answers', or give the survey structure file with --structure), or map the codes "
        "in a codebook overlay (values:)"))


def _colon(text: str) -> tuple[str, str] | None:
    m = _COLON.match(text)
    return (m.group("label"), m.group("text")) if m else None


def parse_choice(series: pd.Series, variable: Variable, answers: Answers) -> Parsed:
    """A single-choice (option code, string) or yes/no (boolean) question."""
    table = _label_lookup(variable, answers)
    results = _by_unique(series, lambda raw: _choice(raw, table, answers))
    _refuse_codes(series, results, variable, answers)
    dtype = "boolean" if variable.type == "yesno" else "string"
    values = pd.Series([r[0] for r in results], index=series.index, dtype="object").astype(dtype)
    extra = pd.Series([r[2] for r in results], index=series.index, dtype="object").astype("string")
    return Parsed(values, _issues(series, results, variable.name), extra)


# --------------------------------------------------------------------------- counts


def parse_number(raw: str) -> float | None:
    """A number as people write it (decimal comma, "84%", "1.000", "1e9"); None if not a number."""
    s = raw.strip().replace("\u00a0", "").replace(" ", "")
    if s.endswith("%"):
        s = s[:-1]
    if _THOUSANDS_DOT.match(s):
        s = s.replace(".", "").replace(",", ".")
    elif _THOUSANDS_COMMA.match(s):
        s = s.replace(",", "")
    elif "," in s and "." not in s:
        s = s.replace(",", ".")
    if not _NUMBER.match(s):
        return None
    try:
        x = float(s)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _count(raw: str, variable: Variable, answers: Answers) -> tuple[object, str | None]:
    if answers.is_missing(raw):
        return None, None
    x = parse_number(raw)
    if x is None:
        return None, "is not a number; set to missing"
    if abs(x - round(x)) > 1e-9:
        return None, "is not a whole number; set to missing"
    lo = -math.inf if variable.min is None else variable.min
    hi = math.inf if variable.max is None else variable.max
    if not lo <= x <= hi:
        return None, f"is outside the allowed range {variable.min}–{variable.max}; set to missing"
    return int(round(x)), None


def parse_count(series: pd.Series, variable: Variable, answers: Answers) -> Parsed:
    """A count question (Int64); values outside the codebook's min/max become missing with an issue."""
    results = _by_unique(series, lambda raw: _count(raw, variable, answers))
    values = pd.Series([r[0] for r in results], index=series.index, dtype="object").astype("Int64")
    return Parsed(values, _issues(series, results, variable.name))


# --------------------------------------------------------------------------- dates


def parse_timestamp(raw: str, order: str = "dmy") -> pd.Timestamp | None:
    """A timestamp in ISO, day/month/year (``order="dmy"``) or month/day/year (``"mdy"``) or Excel-serial
    form; None if unreadable."""
    s = raw.strip()
    try:
        if _ISO.match(s):
            ts = pd.Timestamp(s)
            if ts.tzinfo is not None:
                ts = ts.tz_convert("Europe/Amsterdam").tz_localize(None)
            return ts
        m = _YMD.match(s)
        if m:  # 2015/10/03 2:22:10 PM GMT+2 (Google Forms in some locales)
            y, mo, d, hh, mm, ss, ampm, off_h, off_m = m.groups()
            hour = int(hh or 0)
            if ampm:
                if not 1 <= hour <= 12:
                    return None
                hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
            ts = pd.Timestamp(int(y), int(mo), int(d), hour, int(mm or 0), int(ss or 0))
            if off_h is not None:
                sign = -1 if off_h.startswith("-") else 1
                offset = pd.Timedelta(hours=int(off_h), minutes=sign * int(off_m or 0))
                ts = (ts - offset).tz_localize("UTC").tz_convert("Europe/Amsterdam").tz_localize(None)
            return ts
        m = _DMY.match(s)
        if m:
            a, _, b, y, hh, mm, ss, ampm = m.groups()
            d, mo = (a, b) if order == "dmy" else (b, a)
            hour = int(hh or 0)
            if ampm:
                if not 1 <= hour <= 12:
                    return None
                hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
            return pd.Timestamp(int(y), int(mo), int(d), hour, int(mm or 0), int(ss or 0))
        x = parse_number(s)
        if x is not None and 20000 <= x <= 80000:  # Excel serial day number (1954-2119)
            return (pd.Timestamp("1899-12-30") + pd.to_timedelta(x, unit="D")).round("s")
    except (ValueError, OverflowError):
        return None
    return None


def date_order(values, variable: str, given: str | None = None) -> str:
    """Day/month order of a column of dates, decided from all its values (see the module docstring)."""
    if given in ("dmy", "mdy"):
        return given
    day_first = month_first = False
    seps: set[str] = set()
    ambiguous: list[str] = []
    for raw in values:
        m = _DMY.match(str(raw).strip())
        if not m:
            continue
        a, sep, b = int(m.group(1)), m.group(2), int(m.group(3))
        seps.add(sep)
        if a > 12 and b <= 12:
            day_first = True
        elif b > 12 and a <= 12:
            month_first = True
        elif a != b and len(ambiguous) < 3:
            ambiguous.append(str(raw).strip())
    if day_first and month_first:
        raise ColumnError(variable, "mixes day/month/year and month/day/year dates (some have a first number "
                          "above 12, others a second number above 12); repair the column or export ISO dates")
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    if ambiguous and "/" in seps:
        raise ColumnError(variable, (
            f"dates such as '{ambiguous[0]}' can be day/month or month/day, and no value in the column has a "
            "day above 12 to decide; export ISO dates (YYYY-MM-DD) or give the order (--date-order dmy|mdy)"))
    return "dmy"


def _date(raw: str, answers: Answers, order: str = "dmy") -> tuple[object, str | None]:
    if answers.is_missing(raw):
        return None, None
    ts = parse_timestamp(raw, order)
    return (ts, None) if ts is not None else (None, "is not a date/time; set to missing")


def parse_datetime(series: pd.Series, variable: Variable, answers: Answers, order: str | None = None) -> Parsed:
    """A date/time question (datetime64[ns]); the day/month order is decided for the whole column."""
    decided = date_order(pd.unique(series), variable.name, order)
    results = _by_unique(series, lambda raw: _date(raw, answers, decided))
    values = pd.Series([r[0] if r[0] is not None else pd.NaT for r in results], index=series.index,
                       dtype="datetime64[ns]")
    return Parsed(values, _issues(series, results, variable.name))


# --------------------------------------------------------------------------- free text


def parse_text(series: pd.Series, variable: Variable, answers: Answers) -> Parsed:
    """A free-text question (string): kept verbatim, outer spaces stripped, empty cells missing.

    Not yet de-identified: ``clean_survey`` masks every free-text column of the tidy table afterwards
    (:func:`wijkteam_stats.clean.deidentify.deidentify_columns`), whatever filled it.
    """
    stripped = series.str.strip()
    values = stripped.where(stripped != "", None).astype("string")
    return Parsed(values, [])


# --------------------------------------------------------------------------- ticks and lists


def parse_ticks(series: pd.Series, tokens: set[str], answers: Answers, column: str
                ) -> tuple[list[bool | None], list[Issue]]:
    """One checkbox column: ticked (tick marks, yes labels, the option's own label), not ticked (empty, no
    labels) or None (a declared missing code such as "weet niet"; an unknown mark: a cell issue; never read as
    not ticked)."""

    def tick(raw: str) -> tuple[bool | None, str | None]:
        s = raw.strip()
        if not s:
            return False, None
        if s in TICK_MARKS:
            return True, None
        key = fold(s)
        if key in answers.yes or key in tokens:
            return True, None
        if key in answers.no:
            return False, None
        if answers.is_missing(s):  # a declared missing code ("weet niet", "-99"): missing, never "not ticked"
            return None, None
        return None, ("is not a tick mark (✓, x, 1, Ja, the option label / empty, 0, Nee); "
                      "the option is set to missing")

    results = _by_unique(series, tick)
    return [r[0] for r in results], _issues(series, results, column)


def _split_outside_brackets(text: str, sep: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _lookup(text: str, index: dict[str, str]) -> str | None:
    key = fold(text)
    if key in index:
        return index[key]
    parts = split_namelijk(text) or _colon(text)
    if parts:
        for cand in (fold(parts[0]), fold(parts[0] + " namelijk")):
            if cand in index:
                return index[cand]
    return None


def split_list(raw: str, index: dict[str, str]) -> tuple[set[str], list[str]]:
    """Options named in a list cell ("A; B" or "A, B"; commas inside labels are allowed) and unknown pieces."""
    text = raw.strip()
    whole = _lookup(text, index)
    if whole is not None:
        return {whole}, []
    sep = next((s for s in (";", "|", "\n", ",") if s in text), None)
    pieces = [p.strip() for p in _split_outside_brackets(text, sep)] if sep else [text]
    pieces = [p for p in pieces if p]
    found: set[str] = set()
    unknown: list[str] = []
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):  # the longest run of pieces that is one label
            code = _lookup(f"{sep} ".join(pieces[i:j]) if sep else pieces[i], index)
            if code is not None:
                found.add(code)
                i = j
                break
        else:
            unknown.append(pieces[i])
            i += 1
    return found, unknown


def parse_list(series: pd.Series, index: dict[str, str], answers: Answers, column: str
               ) -> tuple[list[set[str] | None], list[Issue]]:
    """A list column: per row the set of options named (None if the cell is empty or a missing label)."""

    def one(raw: str) -> tuple[set[str] | None, str | None]:
        if answers.is_missing(raw):
            return None, None
        found, unknown = split_list(raw, index)
        if unknown:  # which option it means is unknown: never read the others as "not ticked"
            return None, (f"names unknown option(s) {', '.join(repr(show(u, 40)) for u in unknown)}; "
                          "the question is set to missing for this row")
        return (found or None), None

    results = _by_unique(series, one)
    if not any(r[0] for r in results):
        pieces = {p for raw in pd.unique(series) if not answers.is_missing(raw) for p in split_list(raw, index)[1]}
        if pieces and all(_CODE_LIKE.match(p) for p in pieces):
            shown = ", ".join(sorted(pieces, key=lambda x: (len(x), x))[:6])
            raise ColumnError(column.split("__")[0], (
                f"holds option codes ({shown}) instead of option labels: a numeric or code export; export the "
                "choice texts or map the codes in a codebook overlay (values:)"))
    issues = [(pos, f"{column}: {r[1]}") for pos, r in enumerate(results) if r[1]]
    return [r[0] for r in results], issues
