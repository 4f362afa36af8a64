"""The free-text publication rule: no free-text answer is published unless a reviewed list releases it.

In: a municipality's own answers (:func:`wijkteam_stats.report.numbers.own_answers`) and, optionally, a
reviewed list ``--publish-free-text REVIEWED.csv`` (UTF-8 CSV, one released cell a row, columns ``wave``,
``gm_code``, ``column``, ``text``: the masked text exactly as the reviewer read it). Out: the answers with
every free-text value set to None except the released ones, and a record of what was done (written in the
report's numbers JSON under ``free_text``).

A cell is released only when the list names its wave, municipality and column *and* its text equals the
masked text of the survey table now (after masking again, which changes nothing in masked text): a text that
changed since the review is withheld, so a reviewer never releases a text they did not read.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wijkteam_stats.clean.deidentify import mask

#: The free-text answers a municipality report can show (keys of ``own_answers``, columns of the tidy table).
FREE_TEXT_COLUMNS = ("toelichting", "has_teams_anders")
RELEASE_HEADER = ("wave", "gm_code", "column", "text")
RULE_NL = ("Vrije tekst wordt niet gepubliceerd, tenzij een beoordeelde lijst het gemaskeerde antwoord "
           "cel voor cel vrijgeeft.")


class ReleaseListError(ValueError):
    """The reviewed list cannot be read; the message names file, row and column."""


@dataclass(frozen=True)
class Release:
    """A reviewed list: {(wave, gm_code, column): reviewed text}, with the file it came from."""

    path: str
    sha256: str
    cells: dict[tuple[int, str, str], str]


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def load_release(path: str | Path) -> Release:
    """Read and check a reviewed list; raises :class:`ReleaseListError` naming file, row and column."""
    p = Path(path)
    if not p.is_file():
        raise ReleaseListError(f"{p}: reviewed free-text list does not exist")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ReleaseListError(f"{p}: not UTF-8 ({err})") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))  # a quoted text may hold line breaks
    if not rows or tuple(c.strip() for c in rows[0]) != RELEASE_HEADER:
        raise ReleaseListError(f"{p}: row 1: header must be {','.join(RELEASE_HEADER)}, got "
                               f"{','.join(rows[0]) if rows else 'an empty file'}")
    cells: dict[tuple[int, str, str], str] = {}
    for i, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(RELEASE_HEADER):
            raise ReleaseListError(f"{p}: row {i}: expected {len(RELEASE_HEADER)} columns, got {len(row)}")
        wave_s, code, column = (c.strip() for c in row[:3])
        value = _normal(row[3])
        if not wave_s.isdigit():
            raise ReleaseListError(f"{p}: row {i}, column 'wave': {wave_s!r} is not a year")
        if len(code) != 6 or not code.startswith("GM") or not code[2:].isdigit():
            raise ReleaseListError(f"{p}: row {i}, column 'gm_code': {code!r} is not a code GMxxxx")
        if column not in FREE_TEXT_COLUMNS:
            raise ReleaseListError(f"{p}: row {i}, column 'column': {column!r} is not a published free-text "
                                   f"column ({', '.join(FREE_TEXT_COLUMNS)})")
        if not value:
            raise ReleaseListError(f"{p}: row {i}, column 'text': empty (a released cell needs its reviewed text)")
        key = (int(wave_s), code, column)
        if key in cells:
            raise ReleaseListError(f"{p}: row {i}: {code} {column} of {wave_s} is listed twice")
        cells[key] = value
    return Release(str(p), hashlib.sha256(raw).hexdigest(), cells)


def apply_release(answers: dict[str, Any], gm_code: str, wave: int, release: Release | None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """``answers`` with unreleased free text removed, and the record of the rule for the numbers JSON."""
    out = dict(answers)
    released, withheld, changed = [], [], []
    for column in FREE_TEXT_COLUMNS:
        value = out.get(column)
        if value is None:
            continue
        reviewed = None if release is None else release.cells.get((int(wave), gm_code, column))
        out[column] = None
        if reviewed is None:
            withheld.append(column)
            continue
        masked = _normal(mask(str(value)))  # masked again: a table cleaned elsewhere is masked here too
        if reviewed == masked:
            out[column] = masked
            released.append(column)
        else:
            changed.append(column)
    record = {
        "rule": RULE_NL,
        "release_file": None if release is None else Path(release.path).name,
        "release_sha256": None if release is None else release.sha256,
        "released": released,
        "withheld": withheld,
        "withheld_changed_since_review": changed,
    }
    return out, record
