"""Published-figures files (one row per published number of a survey wave), validated with pandera.

The schema is the one documented in ``data/raw/published/README.md``. A malformed file raises
:class:`PublishedFileError` naming the file, the line and the column of every problem.

Topics and universes are open vocabularies declared in data, not in code: topics in
``data/raw/published/vocabulary.yaml`` (validated by :func:`load_vocabulary`), universes in the codebook's
``universes`` section (plus ``invited`` and ``respondents``, which every wave has). Statistics and
qualifiers are closed: the code interprets them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml
from pandera.errors import SchemaErrors

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook

COLUMNS = [
    "finding_id", "wave", "topic", "variable", "category", "breakdown", "statistic", "value",
    "qualifier", "universe", "base", "base_n", "source", "quote",
]
STATISTICS = ["percent", "count", "mean", "rank", "verbal"]
QUALIFIERS = ["exact", "rounded", "approximate", "verbal"]
#: Rules a verbal finding can be checked by (see ``verbal_rules`` in the vocabulary file).
VERBAL_RULES = ("share_below", "share_above", "top_options")
#: Universes every wave has; the others come from the codebook's ``universes`` section.
BUILTIN_UNIVERSES = ("invited", "respondents")


#: Row-wise (frame-level) checks and the column each one is about, for error messages.
_FRAME_CHECK_COLUMN = {
    "value is empty exactly for verbal statistics": "value",
    "percent value between 0 and 100": "value",
    "count value not negative": "value",
    "rank value at least 1": "value",
}


class PublishedFileError(ValueError):
    """A published-figures file does not follow the schema; the message names file, line and column."""


def load_vocabulary(path: str | Path | None = None) -> dict:
    """The open vocabularies of the published-figures files: ``{"topics": {name: description},
    "verbal_rules": [{phrase, rule, value}, ...]}``.

    Validated: a mapping ``topics`` of snake_case names to non-empty descriptions; anything else raises
    :class:`PublishedFileError` naming the file and the entry.
    """
    path = Path(path) if path is not None else paths.PUBLISHED_VOCABULARY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishedFileError(f"{path}: no such file (the vocabulary of the published figures)") from None
    except yaml.YAMLError as err:
        raise PublishedFileError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), dict) or not raw["topics"]:
        raise PublishedFileError(f"{path}: needs a non-empty mapping 'topics' (name: description)")
    unknown = sorted(set(raw) - {"topics", "verbal_rules"})
    if unknown:
        raise PublishedFileError(f"{path}: unknown section(s) {', '.join(map(str, unknown))}; "
                                 "expected 'topics' and 'verbal_rules'")
    problems = []
    for name, desc in raw["topics"].items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            problems.append(f"{path}: topics: {name!r} is not a snake_case name")
        if not isinstance(desc, str) or not desc.strip():
            problems.append(f"{path}: topics: {name!r} needs a one-line description")
    rules = raw.get("verbal_rules") or []
    if not isinstance(rules, list):
        problems.append(f"{path}: verbal_rules: needs a list of {{phrase, rule[, value]}}")
        rules = []
    for i, r in enumerate(rules, start=1):
        if not isinstance(r, dict) or not isinstance(r.get("phrase"), str) or r.get("rule") not in VERBAL_RULES:
            problems.append(f"{path}: verbal_rules item {i}: needs a phrase and a rule ({', '.join(VERBAL_RULES)})")
        elif r["rule"] in ("share_below", "share_above") and not isinstance(r.get("value"), int | float):
            problems.append(f"{path}: verbal_rules item {i}: rule {r['rule']} needs a numeric value (percent)")
        elif set(r) - {"phrase", "rule", "value"}:
            problems.append(f"{path}: verbal_rules item {i}: unknown key(s) {sorted(set(r) - {'phrase', 'rule', 'value'})}")
    if problems:
        raise PublishedFileError("invalid vocabulary file:\n" + "\n".join(problems))
    return {"topics": {str(k): str(v) for k, v in raw["topics"].items()}, "verbal_rules": list(rules)}


def verbal_rule(row: object, vocabulary: dict | None = None) -> dict | None:
    """The verbal rule (``{phrase, rule[, value]}``) whose phrase occurs in a row's quote or base, if any."""
    vocab = vocabulary or load_vocabulary()
    text = " ".join(str(getattr(row, c, "") or "") for c in ("quote", "base")).lower()
    return next((r for r in vocab["verbal_rules"] if r["phrase"].lower() in text), None)


def known_universes(codebook_path: str | Path | None = None) -> list[str]:
    """Universe names a published figure may use: ``invited``, ``respondents`` and the codebook's."""
    return list(dict.fromkeys([*BUILTIN_UNIVERSES, *load_codebook(codebook_path).universes]))


def build_schema(topics: list[str], universes: list[str]) -> pa.DataFrameSchema:
    """The pandera schema of a published-figures table with the given open vocabularies."""
    return pa.DataFrameSchema(
        {
            "finding_id": pa.Column(str, pa.Check.str_matches(r"^F\d{4}-\d{3}$"), unique=True),
            "wave": pa.Column(int, pa.Check.in_range(2010, 2100)),
            "topic": pa.Column(str, pa.Check.isin(topics)),
            "variable": pa.Column(str, pa.Check.str_matches(r"^[a-z][a-z0-9_]*$")),
            "category": pa.Column(str, pa.Check.str_length(min_value=1)),
            "breakdown": pa.Column(str, pa.Check.str_length(min_value=1)),
            "statistic": pa.Column(str, pa.Check.isin(STATISTICS)),
            "value": pa.Column(float, nullable=True),
            "qualifier": pa.Column(str, pa.Check.isin(QUALIFIERS)),
            "universe": pa.Column(str, pa.Check.isin(universes)),
            "base": pa.Column(str, nullable=True),
            "base_n": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "source": pa.Column(str),
            "quote": pa.Column(str, nullable=True),
        },
        checks=[
            pa.Check(lambda d: (d["statistic"] == "verbal") == d["value"].isna(),
                     element_wise=False, name="value is empty exactly for verbal statistics"),
            pa.Check(lambda d: (d["statistic"] != "percent") | d["value"].between(0, 100),
                     element_wise=False, name="percent value between 0 and 100"),
            pa.Check(lambda d: (d["statistic"] != "count") | d["value"].isna() | (d["value"] >= 0),
                     element_wise=False, name="count value not negative"),
            pa.Check(lambda d: (d["statistic"] != "rank") | (d["value"] >= 1),
                     element_wise=False, name="rank value at least 1"),
        ],
        strict=True,
        ordered=False,
        coerce=False,
    )


def _line(index: object) -> str:
    try:
        return f"line {int(index) + 2}"  # header is line 1
    except (TypeError, ValueError):
        return "a row"


def _coerce(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    problems: list[str] = []
    out = df.copy()
    for col, kind in (("wave", "int"), ("value", "float"), ("base_n", "int")):
        if col not in out:
            continue
        num = pd.to_numeric(out[col].str.replace(",", ".", regex=False), errors="coerce")
        bad = out[col].notna() & num.isna()
        for idx in out.index[bad]:
            problems.append(f"{path}: {_line(idx)}, column '{col}': {out.at[idx, col]!r} is not a number")
        if kind == "int":
            frac = num.notna() & (num % 1 != 0)
            for idx in out.index[frac]:
                problems.append(f"{path}: {_line(idx)}, column '{col}': {out.at[idx, col]!r} is not a whole number")
            out[col] = num.round().astype("Int64")
        else:
            out[col] = num.astype(float)
    if "wave" in out and out["wave"].isna().any():
        for idx in out.index[out["wave"].isna()]:
            problems.append(f"{path}: {_line(idx)}, column 'wave': missing")
    if problems:
        raise PublishedFileError("invalid published-figures file:\n" + "\n".join(problems))
    if "wave" in out:
        out["wave"] = out["wave"].astype(int)
    return out


def load_published(path: str | Path | None = None, wave: int | None = None, *,
                   vocabulary: str | Path | None = None, codebook: str | Path | None = None) -> pd.DataFrame:
    """Load and validate a published-figures CSV (default: the shipped file of ``wave``, 2015).

    Topics are checked against ``vocabulary`` (default ``data/raw/published/vocabulary.yaml``), universes
    against ``codebook`` (default the shipped codebook).
    """
    path = Path(path) if path is not None else paths.published_file(wave or 2015)
    if not path.is_file():
        raise PublishedFileError(f"{path}: no such file")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise PublishedFileError(f"{path}: cannot be read as a UTF-8 CSV file: {err}") from err
    missing = [c for c in COLUMNS if c not in df.columns]
    extra = [c for c in df.columns if c not in COLUMNS]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        raise PublishedFileError(f"{path}: line 1 (header): {'; '.join(parts)}")
    df = _coerce(df[COLUMNS], path)
    try:
        schema = build_schema(list(load_vocabulary(vocabulary)["topics"]), known_universes(codebook))
        df = schema.validate(df, lazy=True)
    except SchemaErrors as err:
        raise PublishedFileError(_format_errors(path, err)) from None
    if wave is not None and int(wave) not in set(df["wave"]):
        raise PublishedFileError(f"{path}: holds no row of wave {wave}")
    return df.reset_index(drop=True)


def _format_errors(path: Path, err: SchemaErrors) -> str:
    fc = err.failure_cases
    lines = []
    for row in fc.itertuples(index=False):
        col = row.column if isinstance(row.column, str) and row.column else "(row check)"
        if getattr(row, "schema_context", "") == "DataFrameSchema" and row.check in _FRAME_CHECK_COLUMN:
            col = _FRAME_CHECK_COLUMN[row.check]
            where = _line(row.index) if pd.notna(row.index) else "all rows"
            lines.append(f"{path}: {where}, column '{col}': {row.check}")
            continue
        where = _line(row.index) if pd.notna(row.index) else "all rows"
        lines.append(f"{path}: {where}, column '{col}': {row.check} (value {row.failure_case!r})")
    return "invalid published-figures file:\n" + "\n".join(dict.fromkeys(lines))


def file_wave(df: pd.DataFrame) -> int:
    """The wave a published-figures table describes: the most frequent ``wave`` value."""
    return int(df["wave"].mode().iloc[0])
