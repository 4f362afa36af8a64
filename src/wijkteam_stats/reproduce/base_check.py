"""Fast feasibility pre-check of the bases the percentages of a wave imply (no solver).

A universe of the codebook (``with_teams``, ``work_income_tasks``, ...) has a size the published rows constrain:
the rows that define it ("87 % works with teams" of 234 respondents: 203-204 municipalities, or a count), the
published bases of rows over it (a base is at most the universe), and pairs of a percentage and a count of the
same category over it (the count over the size must round to the percentage). Interval arithmetic over whole
municipalities gives the sizes every row allows; an empty set names the rows that cannot hold together.
The audit reports the result (``X-universe-<name>``); the reconstruction runs it before its solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from wijkteam_stats.reference.codebook import Codebook
from wijkteam_stats.reproduce.tolerances import feasible_counts


@dataclass
class UniverseSizes:
    """The sizes a universe may have under the published rows, and which rows said what."""

    universe: str
    sizes: set[int]
    rows: list[str] = field(default_factory=list)  # every row that narrowed the sizes
    steps: list[str] = field(default_factory=list)  # one English line per narrowing
    conflict: list[str] = field(default_factory=list)  # rows that together leave no size (empty if feasible)

    @property
    def feasible(self) -> bool:
        return bool(self.sizes)


def _defines(cb: Codebook, spec: dict, r) -> bool:
    """Whether published row ``r`` counts the members of a universe defined by ``spec`` (column == equals)."""
    try:
        ind = cb.indicator(r.variable, r.category, r.breakdown)
    except KeyError:
        return False
    col, equals = spec.get("column"), spec.get("equals", True)
    if isinstance(equals, list):
        return False
    if "__" in str(col):
        return ind.column == col
    if ind.column != col:
        return False
    want = {"true": True, "false": False}.get(str(equals).lower(), equals) if isinstance(equals, str) else equals
    have = True if ind.equals is None else ind.equals
    return have == want or str(have) == str(equals)


def _span(sizes: set[int]) -> str:
    if not sizes:
        return "{}"
    lo, hi = min(sizes), max(sizes)
    return f"{{{lo}}}" if lo == hi else f"{{{lo}–{hi}}}" if len(sizes) == hi - lo + 1 else str(sorted(sizes))


def universe_sizes(pub: pd.DataFrame, cb: Codebook, wave: int, n: int, invited: int) -> dict[str, UniverseSizes]:
    """The feasible size of every universe of the wave's rows (interval arithmetic over whole municipalities)."""
    own = pub[(pub["wave"] == int(wave))]
    known: dict[str, UniverseSizes] = {
        "invited": UniverseSizes("invited", {invited}), "respondents": UniverseSizes("respondents", {n})}
    pending = [u for u in cb.universes if u not in known and "column" in cb.universes[u]]
    used = set(own["universe"])
    for _ in range(len(pending) + 1):
        progress = False
        for name in list(pending):
            spec = cb.universes[name]
            defining = [r for r in own.itertuples() if r.breakdown == "all" and r.statistic in ("percent", "count")
                        and pd.notna(r.value) and r.universe != name and _defines(cb, spec, r)]
            if any(r.universe not in known for r in defining):
                continue
            parent_max = max(known["respondents"].sizes)
            res = UniverseSizes(name, set(range(0, parent_max + 1)))
            for r in defining:
                if not known[r.universe].sizes:
                    continue  # the parent already conflicts: reported there, not again here
                if r.statistic == "count":
                    allowed = set(feasible_counts(r.value, r.qualifier, "count", None))
                else:
                    bases = [int(r.base_n)] if pd.notna(r.base_n) else sorted(known[r.universe].sizes)
                    allowed = {k for b in bases for k in feasible_counts(r.value, r.qualifier, "percent", b)}
                res.sizes &= allowed
                res.rows.append(r.finding_id)
                res.steps.append(f"{r.finding_id}: {r.value:g} {'%' if r.statistic == 'percent' else ''} "
                                 f"-> {_span(allowed)}".replace("  ", " "))
                if not res.sizes and not res.conflict:
                    res.conflict = list(res.rows)
            if name in used:
                _narrow_by_rows(own[own["universe"] == name], res, cb)
            known[name] = res
            pending.remove(name)
            progress = True
        if not progress:
            break
    return {k: v for k, v in known.items() if k not in ("invited", "respondents") and (k in used or v.rows)}


def _counts_members(cb: Codebook, r) -> bool:
    """Whether a count row counts municipalities (an answer option), not a total of a count question (teams)."""
    try:
        ind = cb.indicator(r.variable, r.category, r.breakdown)
        return cb.variable(ind.variable).type != "count"
    except KeyError:
        return False


def _narrow_by_rows(rows: pd.DataFrame, res: UniverseSizes, cb: Codebook) -> None:
    """Bases of rows over the universe: a base is at most its size; a count with a percentage of the same
    category fixes the sizes whose share rounds to it."""
    for r in rows[rows["base_n"].notna()].itertuples():
        allowed = {s for s in res.sizes if s >= int(r.base_n)}
        if allowed == res.sizes:
            continue
        res.steps.append(f"{r.finding_id}: base {int(r.base_n)} -> size >= {int(r.base_n)}")
        before = bool(res.sizes)
        res.sizes = allowed
        res.rows.append(r.finding_id)
        if before and not res.sizes and not res.conflict:
            res.conflict = list(res.rows)
    key = ["variable", "category", "breakdown"]
    counts = rows[(rows["statistic"] == "count") & rows["value"].notna()]
    counts = counts[[_counts_members(cb, r) for r in counts.itertuples()]] if len(counts) else counts
    pcts = rows[(rows["statistic"] == "percent") & rows["value"].notna() & rows["base_n"].isna()]
    for c in counts.itertuples():
        cvals = set(feasible_counts(c.value, c.qualifier, "count", None))
        for p in pcts.itertuples():
            if [getattr(c, k) for k in key] != [getattr(p, k) for k in key]:
                continue
            allowed = {s for s in res.sizes if any(k in feasible_counts(p.value, p.qualifier, "percent", s)
                                                   for k in cvals)}
            res.steps.append(f"{c.finding_id} with {p.finding_id}: {c.value:g} of a size rounding to {p.value:g} % "
                             f"-> {_span(allowed)}")
            before = bool(res.sizes)
            res.sizes = allowed
            res.rows += [c.finding_id, p.finding_id]
            if before and not res.sizes and not res.conflict:
                res.conflict = list(dict.fromkeys(res.rows))
    for c in counts.itertuples():  # any count over the universe is at most its size
        lo = min(feasible_counts(c.value, c.qualifier, "count", None), default=0)
        allowed = {s for s in res.sizes if s >= lo}
        if allowed != res.sizes:
            before = bool(res.sizes)
            res.sizes = allowed
            res.rows.append(c.finding_id)
            res.steps.append(f"{c.finding_id}: count {c.value:g} -> size >= {lo}")
            if before and not res.sizes and not res.conflict:
                res.conflict = list(dict.fromkeys(res.rows))


def base_conflicts(pub: pd.DataFrame, cb: Codebook, wave: int, n: int, invited: int) -> list[str]:
    """One sentence per universe whose published rows leave no size (empty: the bases can hold together)."""
    return [f"universe {u}: rows {', '.join(s.conflict)} imply no common size ({'; '.join(s.steps)})"
            for u, s in universe_sizes(pub, cb, wave, n, invited).items() if not s.feasible]
