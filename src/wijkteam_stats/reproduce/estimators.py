"""Estimators for the reproduction: proportions with 95 % Wilson intervals, shares, means and ranks.

Conventions (used by the scorecard, the figures and the municipality reports):

* A percentage is ``100 · k / n`` over the rows whose indicator is **not missing**: item non-response
  (NA) is excluded from the base, never counted as "no".
* Every percentage carries a Wilson interval from ``statsmodels.stats.proportion.proportion_confint``
  with ``method="wilson"`` (95 % unless stated otherwise), in percent.
* Ranks are descending (rank 1 = largest) with ``method="min"``: tied values share the best rank
  (1, 1, 3, ...), which is how "a shared first place" is printed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from wijkteam_stats.reference.codebook import Codebook, load_codebook

#: The interval method, as statsmodels spells it and as captions print it.
METHOD = "wilson"
METHOD_NL = "Wilson 95 %-interval"

PROPORTION_COLUMNS = ["k", "n", "percent", "ci_low", "ci_high"]
INVOLVEMENT_COLUMNS = [
    "group", "group_label", "group_published", "form", "form_label", "form_published", *PROPORTION_COLUMNS,
]


@dataclass(frozen=True)
class Proportion:
    """``k`` of ``n`` with the percentage and its Wilson interval (all in percent; NaN when ``n == 0``)."""

    k: int
    n: int
    percent: float
    ci_low: float
    ci_high: float
    confidence: float = 0.95
    method: str = METHOD

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (for building tables)."""
        return asdict(self)


@dataclass(frozen=True)
class Mean:
    """A mean over ``n`` non-missing values (``n_missing`` values were NA and left out)."""

    value: float
    n: int
    n_missing: int
    total: float


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson interval of ``k`` out of ``n`` in percent (statsmodels, ``method="wilson"``); NaN if n == 0."""
    from statsmodels.stats.proportion import proportion_confint

    k, n = int(k), int(n)
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    return (100 * float(low), 100 * float(high))


def fpc_factor(n: int, population: float) -> float:
    """The finite-population correction of the variance of a share, ``(N - n) / (N - 1)`` (simple random
    sampling without replacement of ``n`` from ``N``); 0 for a complete count; ValueError if ``n > N``.
    ``population`` may be an estimate (not a whole number) and ``math.inf`` (no correction: 1)."""
    n = int(n)
    if math.isinf(population):
        return 1.0
    if n > population + 1e-9:
        raise ValueError(f"sample size {n} exceeds population size {population:g}")
    if population <= 1 or n >= population:
        return 0.0
    return (population - n) / (population - 1)


def wilson_fpc_interval(k: int, n: int, population: float, confidence: float = 0.95) -> tuple[float, float]:
    """The one finite-population interval of a share (percent): Wilson at the effective size ``n / f`` with
    ``f = fpc_factor(n, N)`` (Kish), same share; the share itself for a complete count, NaN when ``n == 0``.

    The rule (docs/assumptions_and_caveats.md, S13): ``population`` is the number of municipalities the
    share is *about*: the invited register for a share of all respondents; for a share of a sub-population
    (e.g. municipalities with teams) its size in the register, estimated where unknown by the
    post-stratified weight sum of the respondents *in that sub-population* (item non-response does not
    shrink the population). Used by the weighting table, the trends and the scorecard, so one figure has
    one interval everywhere."""
    from statsmodels.stats.proportion import proportion_confint

    k, n = int(k), int(n)
    if n <= 0:
        return (math.nan, math.nan)
    f = fpc_factor(n, population)
    p = k / n
    if f == 0:
        return (100 * p, 100 * p)
    n_eff = n / f
    low, high = proportion_confint(p * n_eff, n_eff, alpha=1 - confidence, method="wilson")
    return (100 * float(low), 100 * float(high))


def proportion_from_counts(k: int, n: int, confidence: float = 0.95) -> Proportion:
    """A :class:`Proportion` from counts (``percent`` NaN when ``n == 0``)."""
    low, high = wilson_interval(k, n, confidence)
    pct = 100 * int(k) / int(n) if int(n) else math.nan
    return Proportion(int(k), int(n), pct, low, high, confidence)


def indicator_values(values: pd.Series, equals: Any = None) -> pd.Series:
    """A nullable-boolean indicator: ``values`` itself (boolean) or ``values == equals``; NA stays NA."""
    missing = values.isna()
    if equals is None:
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            raise TypeError(f"column {values.name!r} is not boolean; give the answer code to count (equals=)")
        out = values.astype("boolean")
    else:
        out = values.eq(equals).astype("boolean")
    return out.mask(missing, pd.NA)


def proportion(values: pd.Series, equals: Any = None, confidence: float = 0.95) -> Proportion:
    """Share of True (or of ``== equals``) among the non-missing ``values``, with its Wilson interval."""
    ind = indicator_values(values, equals)
    n = int(ind.notna().sum())
    k = int(ind.fillna(False).sum())
    return proportion_from_counts(k, n, confidence)


def shares(table: pd.DataFrame, columns: list[str] | tuple[str, ...], labels: dict[str, str] | None = None,
           equals: Any = None, confidence: float = 0.95) -> pd.DataFrame:
    """One row per column: ``column``, ``label``, k, n, percent, ci_low, ci_high (NA excluded per column)."""
    rows = []
    for col in columns:
        p = proportion(table[col], equals=equals, confidence=confidence)
        rows.append({"column": col, "label": (labels or {}).get(col, col),
                     **{c: getattr(p, c) for c in PROPORTION_COLUMNS}})
    return _typed(pd.DataFrame(rows, columns=["column", "label", *PROPORTION_COLUMNS]))


def option_shares(table: pd.DataFrame, column: str, options: list[str] | tuple[str, ...],
                  confidence: float = 0.95) -> pd.DataFrame:
    """Shares of each answer code of a single-choice ``column`` (base: non-missing answers)."""
    rows = []
    for code in options:
        p = proportion(table[column], equals=code, confidence=confidence)
        rows.append({"column": column, "label": code, **{c: getattr(p, c) for c in PROPORTION_COLUMNS}})
    return _typed(pd.DataFrame(rows, columns=["column", "label", *PROPORTION_COLUMNS]))


def shares_by(table: pd.DataFrame, column: str, by: str, equals: Any = None,
              confidence: float = 0.95) -> pd.DataFrame:
    """Share of ``column`` (== ``equals``) per value of the breakdown ``by`` (sorted; NA breakdown left out)."""
    rows = []
    groups = table[by]
    for level in sorted(groups.dropna().unique(), key=lambda x: (str(type(x)), x)):
        p = proportion(table.loc[groups.eq(level).fillna(False).to_numpy(dtype=bool), column], equals, confidence)
        rows.append({by: level, **{c: getattr(p, c) for c in PROPORTION_COLUMNS}})
    if isinstance(table[by].dtype, pd.CategoricalDtype):
        cats = list(table[by].cat.categories)
        rows.sort(key=lambda r: cats.index(r[by]))
    return _typed(pd.DataFrame(rows, columns=[by, *PROPORTION_COLUMNS]))


def mean(values: pd.Series) -> Mean:
    """Mean of the non-missing ``values`` (NaN when none)."""
    num = pd.to_numeric(values, errors="raise").astype("Float64")
    ok = num.dropna()
    n = len(ok)
    total = float(ok.sum()) if n else 0.0
    return Mean(total / n if n else math.nan, n, int(num.isna().sum()), total)


def ranks(values: pd.Series, ascending: bool = False, decimals: int = 9) -> pd.Series:
    """Competition ranks (``method="min"``; 1 = largest unless ``ascending``); values rounded first so that
    floating-point noise does not break ties; NA values get no rank."""
    v = pd.to_numeric(values, errors="raise").astype(float).round(decimals)
    return v.rank(method="min", ascending=ascending).astype("Int64")


def rank_shared(values: pd.Series, key: Any, decimals: int = 9) -> list[Any]:
    """The other entries of ``values`` that share ``key``'s rank (same value after rounding)."""
    v = pd.to_numeric(values, errors="raise").astype(float).round(decimals)
    return [i for i in v.index if i != key and v[i] == v[key]]


def universe_mask(table: pd.DataFrame, universe: str, codebook: Codebook | None = None) -> pd.Series:
    """Boolean mask of the tidy rows in a named universe (``respondents`` or one of ``codebook.universes``:
    ``column`` equals ``equals``, or is one of ``equals`` when that is a list).

    ``invited`` is the register, not a subset of the respondents: it raises ``ValueError``; an unknown
    universe or a missing column raises ``KeyError`` naming it.
    """
    cb = codebook or load_codebook()
    if universe == "respondents":
        return pd.Series(True, index=table.index)
    if universe == "invited":
        raise ValueError("universe 'invited' is the register of the wave, not a set of survey rows")
    spec = cb.universes.get(universe)
    if spec is None:
        raise KeyError(f"codebook {cb.path.name} has no universe {universe!r}")
    if "column" not in spec:
        raise KeyError(f"codebook universe {universe!r} has no 'column' to select rows by")
    col = spec["column"]
    if col not in table.columns:
        raise KeyError(f"universe {universe!r} needs column {col!r}, which the survey table lacks")
    equals = spec.get("equals", True)
    if isinstance(equals, list):  # one of several answers (e.g. "with or planning teams")
        return table[col].isin(equals).fillna(False).astype(bool)
    return table[col].eq(equals).fillna(False).astype(bool)


def involvement_table(tidy: pd.DataFrame, codebook: Codebook | None = None,
                      universe: str | None = "with_teams", confidence: float = 0.95) -> pd.DataFrame:
    """The resident-involvement grid as a long table, one row per (group, form) in codebook order.

    Columns: group, group_label, group_published, form, form_label, form_published (codebook codes,
    Dutch labels, the names the published table uses), k, n, percent, ci_low, ci_high. The base ``n`` is
    the rows of ``universe`` (default ``with_teams``; ``None`` = every row given) that answered the cell:
    groups not answered are all NA and drop out of their own base only.
    """
    cb = codebook or load_codebook()
    grid = next((v for v in cb.variables if v.type == "grid"), None)
    if grid is None:
        raise KeyError(f"codebook {cb.path.name} has no grid (involvement) variable")
    rows_in = tidy if universe is None else tidy.loc[universe_mask(tidy, universe, cb).to_numpy()]
    rows = []
    for g in grid.groups:
        for f in grid.forms:
            col = f"{grid.name}__{g.code}__{f.code}"
            if col not in rows_in.columns:
                raise KeyError(f"survey table lacks involvement column {col!r}")
            p = proportion(rows_in[col], confidence=confidence)
            rows.append({"group": g.code, "group_label": g.label, "group_published": g.published,
                         "form": f.code, "form_label": f.label, "form_published": f.published,
                         **{c: getattr(p, c) for c in PROPORTION_COLUMNS}})
    return _typed(pd.DataFrame(rows, columns=INVOLVEMENT_COLUMNS))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df["k"] = df["k"].astype("int64")
    df["n"] = df["n"].astype("int64")
    for c in ("percent", "ci_low", "ci_high"):
        df[c] = df[c].astype(float)
    return df


__all__ = [
    "METHOD", "METHOD_NL", "Mean", "Proportion", "indicator_values", "involvement_table", "mean", "option_shares",
    "fpc_factor", "proportion", "proportion_from_counts", "rank_shared", "wilson_fpc_interval", "ranks", "shares", "shares_by", "universe_mask",
    "wilson_interval",
]
