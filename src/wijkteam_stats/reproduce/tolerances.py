"""Qualifier tolerances: how closely an estimate must match a published figure (shared with the scorecard).

A published figure carries a ``qualifier`` (see ``data/raw/published/README.md``):

- ``exact``: a count (or rank) that must be reproduced exactly;
- ``rounded``: an integer as printed, i.e. the true value lies within ±0.5 (percentage point or unit);
- ``approximate``: words such as "ongeveer 40", "de helft", "twee derde": a percentage within
  ±2.5 percentage points of the stated value; a mean ("gemiddeld drie", "acht") that rounds to the
  stated integer, i.e. within ±0.5;
- ``verbal``: an ordering or statement without a number, checked as an ordering (ranks) or, for
  "vrijwel uitsluitend kleine gemeenten", as a share (:data:`VERBAL_SMALL_SHARE`, :data:`SMALL_POPULATION`).

Intervals are closed: a value exactly halfway (e.g. 86.5 %) is accepted for both neighbouring integers,
because the rounding rule of the source (half up, half even) is unknown. All arithmetic is exact
(:class:`fractions.Fraction`), so a count on the boundary is never lost to floating point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

#: ``rounded``: half a unit of the last printed digit (percentage point, or unit for a mean/count).
ROUNDED_TOLERANCE = Fraction(1, 2)
#: ``approximate`` percentages ("ongeveer 40", "de helft", "twee derde"): ± 2.5 percentage points.
APPROXIMATE_PERCENT_TOLERANCE = Fraction(5, 2)
#: ``approximate`` means ("gemiddeld drie"): the mean rounds to the stated integer, ± 0.5.
APPROXIMATE_MEAN_TOLERANCE = Fraction(1, 2)
#: "vrijwel uitsluitend kleine gemeenten": at least this share of the group is small ...
VERBAL_SMALL_SHARE = Fraction(9, 10)
#: ... where small means fewer than this many inhabitants on 1 January of the wave year.
SMALL_POPULATION = 20_000
#: "veruit de meeste" (by far the most): rank 1 *and* more than this share of the base.
VERBAL_MAJORITY = Fraction(1, 2)

QUALIFIERS = ("exact", "rounded", "approximate", "verbal")


def tolerance(qualifier: str, statistic: str) -> Fraction:
    """The half-width of the accepted interval for a figure with this qualifier and statistic."""
    if qualifier == "exact" or qualifier == "verbal":
        return Fraction(0)
    if qualifier == "rounded":
        return ROUNDED_TOLERANCE
    if qualifier == "approximate":
        if statistic == "percent":
            return APPROXIMATE_PERCENT_TOLERANCE
        return APPROXIMATE_MEAN_TOLERANCE
    raise ValueError(f"unknown qualifier {qualifier!r}; expected one of {', '.join(QUALIFIERS)}")


def _frac(x: float | int | Fraction) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(str(x))


def value_interval(value: float, qualifier: str, statistic: str) -> tuple[Fraction, Fraction]:
    """Closed interval of true values compatible with a published ``value`` (same unit as the value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("a verbal figure has no value interval; check it as an ordering")
    v = _frac(value)
    t = tolerance(qualifier, statistic)
    lo = v - t
    if statistic == "percent":
        return max(lo, Fraction(0)), min(v + t, Fraction(100))
    return max(lo, Fraction(0)) if statistic in ("count", "mean") else lo, v + t


def within(estimate: float | Fraction, value: float, qualifier: str, statistic: str) -> bool:
    """True if ``estimate`` (percent, count or mean) matches the published ``value`` within tolerance."""
    lo, hi = value_interval(value, qualifier, statistic)
    est = _frac(estimate)
    return lo <= est <= hi


def share_within(numerator: int, base: int, value: float, qualifier: str) -> bool:
    """True if ``100 * numerator / base`` matches a published percentage within tolerance (exact)."""
    if base <= 0:
        return False
    return within(Fraction(100 * int(numerator), int(base)), value, qualifier, "percent")


def feasible_counts(value: float, qualifier: str, statistic: str, base_n: int | None) -> range:
    """Whole numbers compatible with a figure: numerators of a percentage, totals of a mean, or the count.

    ``percent``: counts k with 100·k/base_n within tolerance; ``mean``: totals s with s/base_n within
    tolerance; ``count``/``rank``: the value itself (± tolerance, rounded inward). Empty range if none.
    """
    lo, hi = value_interval(value, qualifier, statistic)
    if statistic == "percent":
        if base_n is None:
            raise ValueError("a percentage needs a base to imply counts")
        n = int(base_n)
        return range(math.ceil(lo * n / 100), math.floor(hi * n / 100) + 1)
    if statistic == "mean":
        if base_n is None:
            raise ValueError("a mean needs a base to imply a total")
        n = int(base_n)
        return range(math.ceil(lo * n), math.floor(hi * n) + 1)
    if statistic in ("count", "rank"):
        return range(math.ceil(lo), math.floor(hi) + 1)
    raise ValueError(f"statistic {statistic!r} has no numeric feasible set")


def competition_ranks(values: Mapping[str, float]) -> dict[str, int]:
    """Standard competition ranks (1 = largest; ties share the best rank: 1, 1, 3, 4, 4, 6)."""
    return {k: 1 + sum(1 for w in values.values() if w > v) for k, v in values.items()}


def rank_holds(values: Mapping[str, float], item: str, rank: int, *, shared: bool | None = None) -> bool:
    """True if ``item`` has competition rank ``rank``; ``shared`` True/False also requires a tie / no tie."""
    ranks = competition_ranks(values)
    if ranks[item] != int(rank):
        return False
    if shared is None:
        return True
    tied = sum(1 for k, v in values.items() if k != item and v == values[item]) > 0
    return tied == shared


def small_share_holds(populations: list[int] | tuple[int, ...]) -> bool:
    """"Vrijwel uitsluitend kleine gemeenten": at least :data:`VERBAL_SMALL_SHARE` below :data:`SMALL_POPULATION`."""
    pops = [int(p) for p in populations]
    if not pops:
        return False
    small = sum(1 for p in pops if p < SMALL_POPULATION)
    return Fraction(small, len(pops)) >= VERBAL_SMALL_SHARE


def describe(qualifier: str, statistic: str) -> str:
    """A short English description of the tolerance used for this qualifier and statistic."""
    if qualifier == "exact":
        return "exact"
    if qualifier == "verbal":
        return "ordering / statement"
    t = float(tolerance(qualifier, statistic))
    unit = " pp" if statistic == "percent" else ""
    return f"±{t:g}{unit} ({qualifier})"
