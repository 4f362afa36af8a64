"""Readings of a wave's G32 breakdown, tested by exhaustive search over whole municipalities.

A published "G32" / "non-G32" / "G4" figure depends on which municipalities the survey counted as G32: the
network's members on which date (``lid_sinds`` in ``cbs/g4_g32_g40_lidmaatschap.csv``), and whether the G4
stand inside the G32, among the others ("non-G32", "kleinere gemeenten") or apart. The wave settings
(``data/raw/waves.yaml``) list candidate dates and G4 placements; for each distinct reading this module
enumerates every split of the respondents into responding G32 members, G4 and others (whole municipalities,
within the group sizes of the register), keeps the splits that meet every response figure of the breakdown
(rates of the ``invited`` universe and counts), and then checks every other breakdown figure of the wave
against the kept splits: its numerators per group must exist with the group's respondents as base (or any
base up to them when the question went to a subset), and add up to a numerator of the overall figure.

The result says under which readings all figures are jointly feasible, with the splits that fit; the audit
reports it and the reconstruction uses the chosen reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from wijkteam_stats.reference.wave_settings import Reading, WaveSettings
from wijkteam_stats.reference.waves import breakdown_groups
from wijkteam_stats.reproduce.tolerances import feasible_counts, share_within

#: Published breakdowns this module understands (others are left to the figure checks).
BREAKDOWNS = ("all", "G32", "non-G32", "G4")
G4_TEXT = {"in_g32": "inside the G32", "in_other": "among the others (non-G32)", "apart": "in neither group"}
G4_TEXT_NL = {"in_g32": "binnen de G32", "in_other": "bij de overige gemeenten (niet-G32)",
              "apart": "in geen van beide groepen"}


@dataclass(frozen=True)
class Split:
    """Responding municipalities per group: G32 network members, G4, others."""

    g32: int
    g4: int
    other: int


@dataclass
class ReadingResult:
    """One distinct reading (dates giving the same members are merged) and what fits under it."""

    reading: Reading
    dates: tuple[str, ...]
    sizes: dict[str, int]
    splits: list[Split] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # finding ids no split satisfies

    @property
    def feasible(self) -> bool:
        return bool(self.splits) and not self.failed

    def label(self) -> str:
        return (f"G32 = the {self.sizes['g32']} network members on {' / '.join(self.dates)}; "
                f"the G4 {G4_TEXT[self.reading.g4]}")

    def label_nl(self) -> str:
        return (f"G32 = de {self.sizes['g32']} netwerkleden op {' / '.join(_date_nl(d) for d in self.dates)}; "
                f"de G4 {G4_TEXT_NL[self.reading.g4]}")

    def split_text(self) -> str:
        if not self.splits:
            return "none"
        g32 = sorted({s.g32 for s in self.splits})
        g4 = sorted({s.g4 for s in self.splits})
        other = sorted({s.other for s in self.splits})
        return (f"responding G32 members {_set(g32)}, G4 {_set(g4)}, others {_set(other)} "
                f"({len(self.splits)} split{'s' if len(self.splits) != 1 else ''})")


_MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december")


def _date_nl(iso: str) -> str:
    """``2015-09-14`` -> ``14 september 2015`` (Dutch pages never show ISO dates)."""
    y, m, d = (int(x) for x in str(iso)[:10].split("-"))
    return f"{d} {_MONTHS_NL[m - 1]} {y}"


def _set(values: Iterable[int]) -> str:
    vals = sorted(set(values))
    if len(vals) > 4 and vals == list(range(vals[0], vals[-1] + 1)):
        return f"{{{vals[0]}–{vals[-1]}}}"
    return "{" + ", ".join(map(str, vals)) + "}"


def _group_counts(split: Split, g4: str) -> dict[str, int]:
    """Respondents per published breakdown under a G4 placement."""
    return {"all": split.g32 + split.g4 + split.other,
            "G32": split.g32 + (split.g4 if g4 == "in_g32" else 0),
            "non-G32": split.other + (split.g4 if g4 == "in_other" else 0),
            "G4": split.g4}


def _records(rows: pd.DataFrame) -> list:
    """Plain named tuples of the rows (pandas row access is far too slow inside the exhaustive loops)."""
    return list(rows.itertuples(index=False))


def _response_ok(rows: list, counts: dict[str, int], sizes: dict[str, int]) -> list[str]:
    """Finding ids of response rows (``invited`` universe) a split does not meet."""
    bad = []
    for r in rows:
        k = counts[r.breakdown]
        if r.statistic == "count":
            ok = r.qualifier != "exact" or k == int(r.value)
            ok = ok and k in feasible_counts(r.value, r.qualifier, "count", None)
        else:
            ok = share_within(k, sizes[r.breakdown], r.value, r.qualifier)
        if not ok:
            bad.append(r.finding_id)
    return bad


def _numerators(r, base_max: int, exact_base: bool) -> frozenset[int]:
    """Numerators a percent/count row allows with its group's base (exact, or any base 1..base_max)."""
    base_n = None if pd.isna(r.base_n) else int(r.base_n)
    return _numerators_cached(r.statistic, float(r.value), r.qualifier, base_n, base_max, exact_base)


@lru_cache(maxsize=65536)
def _numerators_cached(statistic: str, value: float, qualifier: str, base_n: int | None, base_max: int,
                       exact_base: bool) -> frozenset[int]:
    if statistic == "count":
        return frozenset(feasible_counts(value, qualifier, "count", None))
    if base_n is not None:
        bases = [base_n] if base_n <= base_max else []
    else:
        bases = [base_max] if exact_base else list(range(1, base_max + 1))
    out: set[int] = set()
    for b in bases:
        if b > 0:
            out.update(feasible_counts(value, qualifier, "percent", b))
    return frozenset(out)


def _family_ok(rows: list, counts: dict[str, int], g4: str, exact: bool) -> bool:
    """Whether the rows of one (variable, category, universe) fit together under a split.

    ``exact``: the group bases are the group's respondents (a question put to every respondent); otherwise
    any base up to them (the question went to a subset, e.g. a published base below the respondents).
    """
    allowed: dict[str, set[int]] = {}
    for r in rows:
        nums = _numerators(r, counts[r.breakdown], exact)
        allowed[r.breakdown] = set(allowed.get(r.breakdown, nums)) & nums
        if not allowed[r.breakdown]:
            return False
    if "all" not in allowed or not ({"G32", "non-G32", "G4"} & set(allowed)):
        return True
    # the groups partition the respondents: G32, non-G32 and (when apart) the G4
    parts = ["G32", "non-G32"] + (["G4"] if g4 == "apart" else [])
    lo = hi = 0
    fixed: list[set[int]] = []
    for p in parts:
        if p in allowed:
            fixed.append({c for c in allowed[p] if c <= counts[p]})
        else:
            hi += counts[p]  # an unpublished group adds any count from 0 to its respondents
    sums = {0}
    for cell in fixed:
        sums = {a + c for a in sums for c in cell}
    return any(lo + a <= t <= hi + a for a in sums for t in allowed["all"])


def evaluate_readings(pub: pd.DataFrame, register: pd.DataFrame, settings: WaveSettings,
                      wave: int | None = None) -> list[ReadingResult]:
    """Every distinct candidate reading of the wave's G32 breakdown and the splits under which all fit."""
    wave = int(wave if wave is not None else settings.wave)
    rows = pub[(pub["wave"] == wave) & pub["breakdown"].isin(BREAKDOWNS)
               & pub["statistic"].isin(["percent", "count"])]
    n_row = rows[(rows["variable"] == "n_respondents") & (rows["breakdown"] == "all")]
    if n_row.empty:
        return []
    n = int(n_row["value"].iloc[0])
    response = rows[(rows["universe"] == "invited") & (rows["breakdown"] != "all")]
    response = pd.concat([response, rows[(rows["universe"] == "invited") & (rows["breakdown"] == "all")
                                         & (rows["variable"] != "n_respondents")]])
    split_rows = rows[(rows["universe"] != "invited")]
    families = [sub for _, sub in split_rows.groupby(["variable", "category", "universe"], sort=True)
                if (sub["breakdown"] != "all").any()]
    # a topic with a published base below the respondents was put to a subset: its group bases are free
    subset_topics = set(split_rows.loc[split_rows["base_n"].notna() & (split_rows["base_n"] < n), "topic"])
    exact = [bool(f["universe"].iloc[0] == "respondents" and f["topic"].iloc[0] not in subset_topics)
             for f in families]
    family_ids = [str(f["finding_id"].iloc[0]) for f in families]
    families = [_records(f) for f in families]
    response = _records(response)
    results: dict[tuple, ReadingResult] = {}
    for reading in settings.candidate_readings():
        groups = breakdown_groups(register, reading)
        members = frozenset(groups.loc[groups["group"] == "g32", "gm_code"])
        key = (members, reading.g4)
        if key in results:
            if reading.membership_date.isoformat() not in results[key].dates:
                results[key].dates += (reading.membership_date.isoformat(),)
            continue
        size = {g: int((groups["group"] == g).sum()) for g in ("g32", "g4", "other")}
        sizes = {"g32": size["g32"], "g4": size["g4"], "other": size["other"], "all": len(groups),
                 "G32": int(groups["in_G32"].sum()), "non-G32": int(groups["in_non_G32"].sum()), "G4": size["g4"]}
        res = ReadingResult(reading, (reading.membership_date.isoformat(),), sizes)
        failed_by: dict[str, int] = {}
        candidates = 0
        for g4 in range(0, size["g4"] + 1):
            for g32 in range(0, size["g32"] + 1):
                other = n - g32 - g4
                if not 0 <= other <= size["other"]:
                    continue
                candidates += 1
                split = Split(g32, g4, other)
                counts = _group_counts(split, reading.g4)
                bad = _response_ok(response, counts, sizes)
                bad += [fid for fid, f, ex in zip(family_ids, families, exact, strict=True)
                        if not _family_ok(f, counts, reading.g4, ex)]
                if bad:
                    for b in bad:
                        failed_by[b] = failed_by.get(b, 0) + 1
                    continue
                res.splits.append(split)
        if not res.splits:
            # the rows that fail in every split are the conflicting ones
            res.failed = sorted(f for f, c in failed_by.items() if c == candidates) or sorted(failed_by)
        results[key] = res
    return list(results.values())


def choose_reading(results: list[ReadingResult], settings: WaveSettings) -> tuple[ReadingResult | None, str]:
    """The reading the reconstruction uses and why: the declared one (if feasible), else the only feasible one;
    None (with a reason listing them) when several fit and none is declared, or none fits."""
    feasible = [r for r in results if r.feasible]
    if settings.reading is not None:
        for r in results:
            if r.reading.g4 == settings.reading.g4 and settings.reading.membership_date.isoformat() in r.dates:
                if r.feasible:
                    return r, "declared in the wave settings and feasible"
                return None, f"the declared reading ({r.label()}) is infeasible: rows {', '.join(r.failed)}"
        return None, "the declared reading is not among the candidates"
    if len(feasible) == 1:
        return feasible[0], "the only reading under which all figures fit"
    if not feasible:
        return None, "no reading fits all figures"
    listed = "; ".join(r.label() for r in feasible)
    return None, (f"{len(feasible)} readings fit and the figures cannot tell them apart ({listed}); with "
                  "'reading: null' that is an error: declare one under breakdowns.reading in data/raw/waves.yaml")
