"""Tables of the national pages rendered from their numbers: Dutch headers and values, a CSV beside each.

A notebook displays a table with :func:`table_html` instead of a raw pandas frame: every column is named in
Dutch and printed through the Dutch filters of :mod:`.render` (decimal comma, ``< 0,001``, an en dash for a
missing value, ``ja``/``nee``); code values (model names, test families, fit methods) become Dutch words. The
shown rows are written as a CSV (the column codes kept) that the page links beside the table. On a phone
every row is a block with its labels (``wt-stack``), so the table fits 390 px.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wijkteam_stats.models.families import FAMILIES
from wijkteam_stats.reference.writers import safe_to_csv
from wijkteam_stats.report.render import MISSING, is_missing, nl_int, nl_interval, nl_num, nl_p, render

#: Code values shown in tables, in Dutch (model names, fit methods, test families).
CODES_NL: dict[str, str] = {
    "logit_size": "logit: grootte (primair)", "logit_size_network": "logit: grootte + G4/G32",
    "logit_size_class": "logit: grootteklassen", "poisson_forms": "Poisson: aantal vormen",
    "ordinal_ladder": "ordinaal: hoogste trede", "poisson_index": "Poisson", "nb2_index": "negatief binomiaal (NB2)",
    "binomial6_index": "binomiaal (6 groepen)", "binomial_answered_index": "binomiaal (beantwoorde groepen)",
    "nb2_teams": "negatief binomiaal (NB2)", "truncnb2_teams": "nul-afgeknot NB2 (primair)",
    "truncpoisson_teams": "nul-afgeknot Poisson", "poisson_teams": "Poisson",
    "stacked_common": "gestapeld: één helling", "stacked_separate": "gestapeld: eigen helling per groep",
    "mle": "grootste aannemelijkheid", "firth": "Firth (gestraft)",
    "groups_involved": "aantal betrokken groepen", "n_teams": "aantal teams", "intercept": "intercept", "log2_population": "per verdubbeling van het inwonertal",
    "increase": "toename", "decrease": "afname", "alle groepen": "alle groepen",
}
_KINDS = ("text", "int", "num1", "num2", "num3", "p", "pct", "yesno", "interval", "interval1", "code")
_CODE_LIKE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")


@dataclass(frozen=True)
class Col:
    """One shown column: the frame's column (two for an interval), its Dutch header and how to print it."""

    column: str | tuple[str, str]
    label: str
    kind: str = "num2"

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"column {self.column!r}: unknown kind {self.kind!r}; expected one of {_KINDS}")


def code_nl(value: Any) -> str:
    """A code value in Dutch (:data:`CODES_NL`, or a family's description); unknown codes with underscores
    are spelled with spaces, so no code token reaches a page."""
    if is_missing(value):
        return MISSING
    text = str(value)
    if text in CODES_NL:
        return CODES_NL[text]
    if text in FAMILIES:
        return FAMILIES[text][1]
    return text.replace("_", " ") if _CODE_LIKE.match(text) else text


def cell_nl(row: pd.Series, col: Col) -> str:
    """One cell of ``row`` as Dutch text."""
    if col.kind in ("interval", "interval1"):
        lo, hi = col.column
        return nl_interval(row.get(lo), row.get(hi), 1 if col.kind == "interval1" else 2, "")
    value = row.get(col.column)
    if col.kind == "text":
        return MISSING if is_missing(value) else str(value)
    if col.kind == "code":
        return code_nl(value)
    if col.kind == "yesno":
        return MISSING if is_missing(value) else ("ja" if bool(value) else "nee")
    if col.kind == "int":
        return nl_int(value)
    if col.kind == "p":
        return nl_p(value)
    if col.kind == "pct":
        text = nl_num(value, 1)
        return text if text == MISSING else f"{text} %"
    return nl_num(value, int(col.kind[-1]))


def _numeric(col: Col) -> bool:
    return col.kind not in ("text", "code", "yesno")


def table_html(frame: pd.DataFrame, columns: list[Col], caption: str, output_dir: str | Path, stem: str) -> str:
    """The Dutch HTML of ``frame`` (the ``columns`` in that order, the first as row header) with a link to
    ``output_dir/downloads/<stem>.csv``, which this writes (the shown rows, column codes kept; a page in
    ``outputs/html`` or ``outputs/site`` links it as ``../downloads/``). The full tables stay under ``tables/``."""
    if not re.fullmatch(r"[a-z0-9_]+", stem):
        raise ValueError(f"table stem {stem!r}: use lower-case letters, digits and underscores only")
    missing = [c for col in columns for c in (col.column if isinstance(col.column, tuple) else (col.column,))
               if c not in frame.columns]
    if missing:
        raise KeyError(f"table {stem}: column(s) {missing} not in the frame (has {list(frame.columns)})")
    names = [c for col in columns for c in (col.column if isinstance(col.column, tuple) else (col.column,))]
    data = frame.reset_index(drop=True)
    csv = Path(output_dir) / "downloads" / f"{stem}.csv"
    safe_to_csv(data[names], csv)
    rows = [[{"text": cell_nl(r, col), "num": _numeric(col), "label": col.label} for col in columns]
            for _, r in data.iterrows()]
    return render("pages/table.html.j2", caption=caption, headers=[{"label": c.label, "num": _numeric(c)}
                  for c in columns], rows=rows, csv_href=f"../downloads/{csv.name}")


__all__ = ["CODES_NL", "Col", "cell_nl", "code_nl", "table_html"]
