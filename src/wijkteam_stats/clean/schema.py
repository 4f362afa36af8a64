"""The pandera schema of the tidy survey table, derived from the codebook.

Columns are exactly ``codebook.tidy_columns()`` in that order and with those dtypes. Checks: gm_code a
municipality of the wave's register year and unique, wave equal to the wave, option codes of single
questions, counts within the codebook's min/max, free text non-empty without outer spaces, rows sorted by
gm_code; per multi-select question and per grid group: answered (any value present) means at least one
option ticked; in the grid, "geen" excludes the other forms.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from wijkteam_stats.clean.errors import TidySchemaError
from wijkteam_stats.reference import municipalities as m
from wijkteam_stats.reference.codebook import Codebook, load_codebook


def _answered_has_tick(columns: list[str]):
    def check(df: pd.DataFrame) -> pd.Series:
        block = df[columns]
        answered = block.notna().any(axis=1)
        return ~answered | block.fillna(False).astype(bool).any(axis=1)

    return check


def _exclusive(exclusive: str, others: list[str]):
    def check(df: pd.DataFrame) -> pd.Series:
        excl = df[exclusive].fillna(False).astype(bool)
        return ~(excl & df[others].fillna(False).astype(bool).any(axis=1))

    return check


def _column(codebook: Codebook, name: str, dtype: str, wave: int, codes: list[str]) -> pa.Column:
    if name == "gm_code":
        return pa.Column(dtype, pa.Check.isin(codes), nullable=False, unique=True)
    if name == "wave":
        return pa.Column(dtype, pa.Check.eq(int(wave)), nullable=False)
    var_name = name.split("__")[0]
    v = codebook.variable(var_name)
    checks = []
    if v.type == "single":
        checks.append(pa.Check.isin(v.option_codes()))
    elif v.type == "count":
        lo = 0 if v.min is None else v.min
        checks.append(pa.Check.ge(lo))
        if v.max is not None:
            checks.append(pa.Check.le(v.max))
    elif v.type == "text":
        checks.append(pa.Check(lambda s: (s.str.len() > 0) & (s == s.str.strip()), element_wise=False,
                               name="non-empty text without outer spaces"))
    return pa.Column(dtype, checks, nullable=True)


def tidy_schema(codebook: Codebook | None = None, wave: int = 2015) -> pa.DataFrameSchema:
    """The DataFrameSchema of the tidy table of ``wave`` (strict, ordered columns)."""
    cb = (codebook or load_codebook()).for_wave(wave)
    codes = m.register(cb.register_year(wave))["gm_code"].tolist()
    columns = {name: _column(cb, name, dtype, wave, codes) for name, dtype in cb.tidy_columns().items()}
    checks = [pa.Check(lambda d: d["gm_code"].is_monotonic_increasing, element_wise=False,
                       name="rows sorted by gm_code")]
    for v in cb.variables:
        if v.type == "multi":
            cols = v.columns()
            checks.append(pa.Check(_answered_has_tick(cols), element_wise=False,
                                   name=f"{v.name}: answered means at least one option ticked"))
        if v.type == "grid":
            for g in v.groups:
                cols = [f"{v.name}__{g.code}__{f.code}" for f in v.forms]
                checks.append(pa.Check(_answered_has_tick(cols), element_wise=False,
                                       name=f"{v.name}__{g.code}: answered means at least one form ticked"))
                if v.exclusive:
                    excl = f"{v.name}__{g.code}__{v.exclusive}"
                    checks.append(pa.Check(_exclusive(excl, [c for c in cols if c != excl]), element_wise=False,
                                           name=f"{v.name}__{g.code}: '{v.exclusive}' excludes the other forms"))
    return pa.DataFrameSchema(columns, checks=checks, strict=True, ordered=True, coerce=False)


def _describe_failures(df: pd.DataFrame, err: SchemaErrors, limit: int = 20) -> list[str]:
    lines = []
    cases = err.failure_cases
    for rec in cases.head(limit).to_dict("records"):
        idx = rec.get("index")
        where = ""
        if idx is not None and not pd.isna(idx) and idx in df.index and "gm_code" in df:
            where = f" (row {idx}, {df.at[idx, 'gm_code']})"
        col = rec.get("column") or "table"
        lines.append(f"- {col}: {rec.get('check')}: {rec.get('failure_case')!r}{where}")
    if len(cases) > limit:
        lines.append(f"- ... and {len(cases) - limit} more")
    return lines


def validate_tidy(df: pd.DataFrame, wave: int, codebook: Codebook | None = None) -> pd.DataFrame:
    """Validate a tidy survey table (exact dtypes, schema, RangeIndex); raise :class:`TidySchemaError`."""
    cb = (codebook or load_codebook()).for_wave(wave)
    expected = cb.tidy_columns()
    problems = []
    if list(df.columns) != list(expected):
        missing = [c for c in expected if c not in df.columns]
        extra = [c for c in df.columns if c not in expected]
        problems.append(f"- columns differ from the codebook: missing {missing}, unexpected {extra}"
                        if missing or extra else "- columns are not in codebook order")
    else:
        for c, dtype in expected.items():
            if str(df[c].dtype) != dtype:
                problems.append(f"- {c}: dtype {df[c].dtype}, expected {dtype}")
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
        problems.append("- the index is not a RangeIndex 0..n-1 (use reset_index(drop=True))")
    if problems:
        raise TidySchemaError("tidy survey table is invalid:\n" + "\n".join(problems))
    try:
        return tidy_schema(cb, wave).validate(df, lazy=True)
    except SchemaErrors as err:
        raise TidySchemaError("tidy survey table is invalid:\n" + "\n".join(_describe_failures(df, err))) from err
