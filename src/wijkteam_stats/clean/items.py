"""Assemble the tidy answer columns of every row from the matched export columns.

Multi-select questions and grid groups follow one rule in both layouts (a column per option, or one list
column): a row that ticks at least one option has answered the question, so ticked options are True and
the others False; a row that ticks nothing has not answered it (all missing; where its cells write "no" --
Nee, 0, Niet genoemd -- that is a cell issue, never silent). Option columns absent from the file stay missing, and so does an option whose cell holds an unknown mark (a cell issue). A grid group with "geen" (no involvement) together with another form is
contradictory: the whole group becomes missing and a cell issue is reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wijkteam_stats.clean.answers import (
    Answers,
    Issue,
    parse_choice,
    parse_count,
    parse_datetime,
    parse_list,
    parse_text,
    parse_ticks,
)
from wijkteam_stats.clean.fold import fold
from wijkteam_stats.clean.headers import HeaderMap, _option_index
from wijkteam_stats.clean.safety import show
from wijkteam_stats.reference.codebook import Codebook, Variable

_VALUE_PARSERS = {
    "single": parse_choice, "yesno": parse_choice, "count": parse_count,
    "datetime": parse_datetime, "text": parse_text,
}


def tidy_variables(codebook: Codebook) -> list[Variable]:
    """The variables that become tidy answer columns (everything but id and personal data)."""
    return [v for v in codebook.variables if v.role not in ("personal", "id")]


def _tokens(option) -> set[str]:
    return {fold(t) for t in (option.code, option.code.replace("_", " "), option.label, *option.aliases)}


def _typed(series: pd.Series, answers: Answers) -> list[bool]:
    """Per cell: holds typed text that is not a declared missing code."""
    return [bool(str(x).strip()) and not pd.isna(x) and not answers.is_missing(str(x).strip()) for x in series]


def _ticked_block(frame: pd.DataFrame, columns: dict[str, int], options, answers: Answers, prefix: str
                  ) -> tuple[dict[str, pd.Series], list[Issue]]:
    """Tidy columns of one multi question / grid group given as one checkbox column per option."""
    n = len(frame)
    issues: list[Issue] = []
    ticks: dict[str, tuple[np.ndarray, ...]] = {}  # option -> (ticked, unknown mark, written no)
    for o in options:
        if o.code in columns:
            t, iss = parse_ticks(frame[columns[o.code]], _tokens(o), answers, f"{prefix}__{o.code}")
            if o.code == "anders":  # an "other (please specify)" column holds the text typed: any text ticks it
                t = [True if x is None and m else x for x, m in zip(t, _typed(frame[columns[o.code]], answers),
                                                                      strict=True)]
                iss = [i for i in iss if t[i[0]] is not True]
            arr = np.array(t, dtype=object)
            blank = frame[columns[o.code]].astype("string").fillna("").str.strip().eq("").to_numpy(bool)
            ticks[o.code] = (arr == True, np.fromiter((x is None for x in t), bool, n),  # noqa: E712
                             (arr == False) & ~blank)  # noqa: E712
            issues += iss
    answered = np.zeros(n, dtype=bool)
    said = np.zeros(n, dtype=bool)
    for on, _, said_no in ticks.values():
        answered |= on
        said |= said_no
    # a row that writes "no" (Nee, 0, Niet genoemd) in every option column it has and ticks none: the codebook's
    # rule (answered = at least one ticked) makes the question missing; said, never silent
    for pos in np.flatnonzero(said & ~answered):
        issues.append((int(pos), f"{prefix}: no option ticked, only written as not ticked; the question needs at "
                                 "least one ticked option, so it is set to missing"))
    out = {}
    for o in options:
        s = pd.Series(pd.NA, index=frame.index, dtype="boolean")
        if o.code in ticks:
            on, unknown, _ = ticks[o.code]
            s = pd.Series(pd.arrays.BooleanArray(on, ~answered | unknown), index=frame.index)
        out[f"{prefix}__{o.code}"] = s
    return out, issues


def _listed_block(series: pd.Series, options, answers: Answers, prefix: str) -> tuple[dict[str, pd.Series], list[Issue]]:
    """Tidy columns of one multi question / grid group given as a list of options in one column."""
    sets, issues = parse_list(series, _option_index(options), answers, prefix)
    out = {}
    for o in options:
        vals = [pd.NA if s is None else (o.code in s) for s in sets]
        out[f"{prefix}__{o.code}"] = pd.Series(vals, index=series.index, dtype="boolean")
    return out, issues


def build_items(frame: pd.DataFrame, hmap: HeaderMap, codebook: Codebook, answers: Answers,
                date_order: str | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """Tidy answer columns (codebook order and dtypes, without gm_code and wave) for every row of ``frame``."""
    dtypes = codebook.tidy_columns()
    cols: dict[str, pd.Series] = {}
    issues: list[Issue] = []
    extras: dict[str, pd.Series] = {}
    for v in tidy_variables(codebook):
        if v.type in _VALUE_PARSERS:
            found = hmap.columns(v.name, "value")
            if not found:
                cols[v.name] = pd.Series(pd.NA, index=frame.index, dtype=dtypes[v.name])
                continue
            if v.type == "datetime":
                parsed = parse_datetime(frame[found[0][0]], v, answers, date_order)
            else:
                parsed = _VALUE_PARSERS[v.type](frame[found[0][0]], v, answers)
            cols[v.name] = parsed.values
            issues += parsed.issues
            if parsed.extra is not None:
                extras[v.name] = parsed.extra
        elif v.type == "multi":
            listed = hmap.columns(v.name, "list")
            if listed:
                block, iss = _listed_block(frame[listed[0][0]], v.options, answers, v.name)
            else:
                ticks = {t.option: i for i, t in hmap.columns(v.name, "tick")}
                block, iss = _ticked_block(frame, ticks, v.options, answers, v.name)
            cols.update(block)
            issues += iss
        elif v.type == "grid":
            found = hmap.columns(v.name)
            for g in v.groups:
                prefix = f"{v.name}__{g.code}"
                listed = [i for i, t in found if t.kind == "grid_list" and t.option == g.code]
                if listed:
                    block, iss = _listed_block(frame[listed[0]], v.forms, answers, prefix)
                else:
                    ticks = {t.form: i for i, t in found if t.kind == "grid_tick" and t.option == g.code}
                    block, iss = _ticked_block(frame, ticks, v.forms, answers, prefix)
                issues += iss
                if v.exclusive:
                    issues += _enforce_exclusive(block, prefix, v.exclusive)
                cols.update(block)
    for name, extra in extras.items():
        issues += _place_extra_text(cols, name, extra)
    for v in tidy_variables(codebook):
        if v.type == "single" and any(o.code == "anders" for o in v.options):
            issues += _other_from_text(cols, v.name)
    order = [c for c in dtypes if c in cols]
    return pd.DataFrame({c: cols[c].astype(dtypes[c]) for c in order}, index=frame.index), issues


def _place_extra_text(cols: dict[str, pd.Series], name: str, extra: pd.Series) -> list[Issue]:
    """Text after "namelijk" goes to ``<name>_anders`` when the answer is "anders" and that cell is empty."""
    target = f"{name}_anders"
    fits = extra.notna()
    if target in cols and str(cols[target].dtype) == "string":
        fill = fits & (cols[name] == "anders").fillna(False) & cols[target].isna()
        cols[target] = cols[target].mask(fill, extra)
        fits &= ~fill
    return [(int(pos), f"{name}: the text after 'namelijk' ('{show(extra.iat[pos], 40)}') has no place in the "
             "tidy table; not kept") for pos in np.flatnonzero(fits.to_numpy(dtype=bool))]


def _other_from_text(cols: dict[str, pd.Series], name: str) -> list[Issue]:
    """A choice left empty while its "anders, namelijk" text is filled (SurveyMonkey's "Other (please
    specify)", Google Forms' "Other"): read as "anders", reported as a cell issue on that row."""
    target = f"{name}_anders"
    if name not in cols or target not in cols:
        return []
    fill = (cols[name].isna() & cols[target].notna()).to_numpy(dtype=bool)
    if not fill.any():
        return []
    cols[name] = cols[name].mask(pd.Series(fill, index=cols[name].index), "anders")
    return [(int(pos), f"{name}: no option chosen, but the 'anders, namelijk' text ({target}) is filled; read as "
             "'anders'") for pos in np.flatnonzero(fill)]


def _enforce_exclusive(block: dict[str, pd.Series], prefix: str, exclusive: str) -> list[Issue]:
    """Set a grid group to missing where the exclusive form is ticked together with another one."""
    excl = block[f"{prefix}__{exclusive}"].fillna(False).to_numpy(dtype=bool)
    others = np.zeros(len(excl), dtype=bool)
    for name, s in block.items():
        if name != f"{prefix}__{exclusive}":
            others |= s.fillna(False).to_numpy(dtype=bool)
    bad = excl & others
    if not bad.any():
        return []
    for name in block:
        block[name] = block[name].mask(bad, pd.NA)
    return [(int(pos), f"{prefix}: '{exclusive}' ticked together with other forms; group set to missing")
            for pos in np.flatnonzero(bad)]
