"""Consistency audit of a wave's published figures: what each figure implies in whole municipalities.

Every published percentage, mean or count is turned into the set of integer numerators it allows
(given its base and its qualifier, see :mod:`wijkteam_stats.reproduce.tolerances`), and the figures are checked
against each other (the G32 split, the base of "gemiddeld drie", the G32 mean and Rotterdam, the
involvement table). The result is one table (``outputs/tables/consistency_audit_<wave>.csv``) with a
``status`` per row: ``consistent`` (a feasible integer solution exists and the reading is clear),
``ambiguous`` (several readings are all feasible; the data cannot tell them apart), ``inconsistent``
(no integer solution), ``rejected`` (a candidate reading of the G32 breakdown the figures rule out: a
finding, not a contradiction) or ``reference`` (a figure of another wave, not a target).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pandas as pd

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.panel import panel_wave
from wijkteam_stats.reference.published import PublishedFileError, file_wave, load_published
from wijkteam_stats.reference.quotes import quote_values, says_unchanged
from wijkteam_stats.reference.wave_settings import WaveSettings
from wijkteam_stats.reference.waves import known_waves
from wijkteam_stats.reference.waves import settings as wave_settings
from wijkteam_stats.reference.writers import safe_to_csv
from wijkteam_stats.reproduce.base_check import universe_sizes
from wijkteam_stats.reproduce.readings import ReadingResult, choose_reading, evaluate_readings
from wijkteam_stats.reproduce.tolerances import (
    SMALL_POPULATION,
    VERBAL_MAJORITY,
    VERBAL_SMALL_SHARE,
    describe,
    feasible_counts,
    share_within,
    value_interval,
    within,
)

AUDIT_COLUMNS = [
    "finding_id", "kind", "topic", "description", "statistic", "qualifier", "value", "base",
    "base_candidates", "tolerance", "feasible", "n_solutions", "check", "status", "reading", "note",
    "omschrijving", "lezing", "toelichting",
]
STATUSES = ("consistent", "ambiguous", "inconsistent", "rejected", "reference")
#: The human-readable English columns and their Dutch counterparts (built from the same facts).
TEXT_COLUMNS_NL = {"description": "omschrijving", "reading": "lezing", "note": "toelichting"}
#: Dutch names of the statuses, for display.
STATUS_NL = {"consistent": "consistent", "ambiguous": "meerduidig", "inconsistent": "inconsistent",
             "rejected": "verworpen", "reference": "referentie"}

#: The three readings of "G32" in "Van de G-32 gemeenten werkt 96 procent ... overige ... 86 procent".
G32_READINGS = {
    "A": "G32 = the network's members on 1 January (G4 not included); the G4 are among the 'overige'",
    "B": "G32 = the network's members plus the G4 (the large cities); 'overige' = everyone else",
    "C": "G32 = the network's members; the G4 are reported apart (in neither percentage, only in the 87 %)",
}
#: The same three readings in Dutch.
G32_READINGS_NL = {
    "A": "G32 = de leden van het netwerk op 1 januari (zonder de G4); de G4 vallen onder de 'overige'",
    "B": "G32 = de leden van het netwerk plus de G4 (de grote steden); 'overige' = alle andere gemeenten",
    "C": "G32 = de leden van het netwerk; de G4 staan apart (in geen van beide percentages, alleen in de 87 %)",
}
#: Dutch wording of a published breakdown in an audit description.
BREAKDOWN_NL = {"all": "alle", "size": "gemeentegrootte", "rank": "rangorde", "non-G32": "niet-G32"}


# --------------------------------------------------------------------------- small helpers


def fmt_set(values: Iterable[int]) -> str:
    """Compact text of a set of integers: ``{23–28}``, ``{203, 204}``, ``{}``."""
    vals = sorted(set(int(v) for v in values))
    if not vals:
        return "{}"
    parts: list[str] = []
    start = prev = vals[0]
    for v in vals[1:] + [None]:  # type: ignore[list-item]
        if v is not None and v == prev + 1:
            prev = v
            continue
        if prev - start >= 2:
            parts.append(f"{start}–{prev}")
        elif prev == start:
            parts.append(str(start))
        else:
            parts.append(f"{start}, {prev}")
        if v is not None:
            start = prev = v
    return "{" + ", ".join(parts) + "}"


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.2f} %"


def _nl(x: float) -> str:
    """A number as ``:g`` with a Dutch decimal comma (``7,5``)."""
    return f"{float(x):g}".replace(".", ",")


def _find(pub: pd.DataFrame, **eq: object) -> pd.DataFrame:
    mask = pd.Series(True, index=pub.index)
    for col, val in eq.items():
        mask &= pub[col] == val
    return pub[mask]


def _one(pub: pd.DataFrame, **eq: object) -> pd.Series | None:
    rows = _find(pub, **eq)
    return None if rows.empty else rows.iloc[0]


@dataclass
class _Ctx:
    """Bases derived from the figures: respondents N, invited, with-teams K candidates, G32 solutions."""

    wave: int
    invited: int
    n: int | None = None
    k_set: list[int] = field(default_factory=list)
    g32_solutions: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)  # (K, g, kg, h)
    w_set: dict[int, list[int]] = field(default_factory=dict)  # K -> feasible W
    x_set: list[int] = field(default_factory=list)  # 'nadrukkelijk niet' counts
    readings: list[ReadingResult] = field(default_factory=list)
    chosen_reading: ReadingResult | None = None
    others: pd.DataFrame | None = None  # the own rows of other waves' published files
    pub: pd.DataFrame | None = None  # this wave's published file
    read_problems: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # finding -> (en, nl)


# --------------------------------------------------------------------------- per-figure rows


def _row(**kw: object) -> dict:
    """One audit row; every English text column (description, reading, note) needs its Dutch counterpart."""
    out = dict.fromkeys(AUDIT_COLUMNS, "")
    out.update(kw)
    for en, nl in TEXT_COLUMNS_NL.items():
        if out[en] and not out[nl]:
            raise ValueError(f"audit row {out['finding_id']}: {en!r} has no Dutch {nl!r}")  # pragma: no cover
    return out


def _figure_row(r: pd.Series, ctx: _Ctx, register: pd.DataFrame) -> dict:
    """The audit row of one published figure; a figure its own quote or its own wave's file contradicts is
    ``inconsistent`` whatever its arithmetic (see :func:`_read_problems`)."""
    row = _figure_row_numbers(r, ctx, register)
    problems = _read_problems(r, ctx)
    if problems:
        ctx.read_problems[str(r["finding_id"])] = problems
        row["status"] = "inconsistent"
        row["note"] = "; ".join(p[0] for p in problems)
        row["toelichting"] = "; ".join(p[1] for p in problems)
    elif int(r["wave"]) != ctx.wave:
        own = _own_row_of(r, ctx)
        if own is not None:
            row["note"] += f"; agrees with {own['finding_id']} of the {int(r['wave'])} file"
            row["toelichting"] += f"; klopt met {own['finding_id']} uit het bestand van {int(r['wave'])}"
    return row


def _num(x: float) -> str:
    return f"{float(x):g}"


def _own_row_of(r: pd.Series, ctx: _Ctx) -> pd.Series | None:
    """The row of wave ``r['wave']``'s own published file that ``r`` quotes (same variable, category,
    breakdown and statistic; the category may be reworded when the variable has one such row)."""
    if ctx.others is None or ctx.others.empty:
        return None
    o = ctx.others[(ctx.others["wave"] == int(r["wave"])) & (ctx.others["variable"] == r["variable"])
                   & (ctx.others["breakdown"] == r["breakdown"]) & (ctx.others["statistic"] == r["statistic"])]
    same = o[o["category"] == r["category"]]
    if len(same) >= 1:
        return same.iloc[0]
    return o.iloc[0] if len(o) == 1 else None


def _previous_value(r: pd.Series, ctx: _Ctx) -> tuple[float, str, int] | None:
    """The previous wave's published value of the same figure (its own file first, else a reference row)."""
    cands = []
    for df in (ctx.others, ctx.pub):
        if df is None or df.empty:
            continue
        m = df[(df["wave"] < int(r["wave"])) & (df["variable"] == r["variable"]) & (df["category"] == r["category"])
               & (df["breakdown"] == r["breakdown"]) & (df["statistic"] == r["statistic"]) & df["value"].notna()]
        cands += [(int(x.wave), float(x.value), str(x.finding_id)) for x in m.itertuples()]
    if not cands:
        return None
    wave = max(c[0] for c in cands)
    w, v, fid = next(c for c in cands if c[0] == wave)
    return v, fid, w


def _read_problems(r: pd.Series, ctx: _Ctx) -> list[tuple[str, str]]:
    """What the row's own quote and the other waves' files say against its value, in English and Dutch:
    every number of the quote of the row's kind (tied to its wave or to the end/start of a change) must allow
    the value; "blijft gelijk" means the previous wave's value; a figure of another wave must equal that
    wave's own published row."""
    out: list[tuple[str, str]] = []
    if pd.isna(r["value"]) or r["statistic"] not in ("percent", "count", "mean"):
        return out
    lo, hi = value_interval(r["value"], r["qualifier"], r["statistic"])
    said = quote_values(r["quote"], r["statistic"], int(r["wave"]), ctx.wave)
    if said and not any(lo <= Fraction(str(round(m.value, 6))) <= hi for m in said):
        nums = " / ".join(m.text or _num(m.value) for m in said)
        out.append((f"the quote says {nums}, not {_num(r['value'])}",
                    f"het citaat noemt {nums}, niet {_nl(r['value'])}"))
    if says_unchanged(r["quote"]):
        prev = _previous_value(r, ctx)
        if prev is not None and not lo <= Fraction(str(prev[0])) <= hi:
            out.append((f"the quote says the figure stayed the same, but {_num(r['value'])} differs from "
                        f"{_num(prev[0])} in {prev[2]} ({prev[1]})",
                        f"het citaat zegt dat het cijfer gelijk bleef, maar {_nl(r['value'])} wijkt af van "
                        f"{_nl(prev[0])} in {prev[2]} ({prev[1]})"))
    if int(r["wave"]) != ctx.wave:
        own = _own_row_of(r, ctx)
        if own is not None and pd.notna(own["value"]):
            olo, ohi = value_interval(own["value"], own["qualifier"], own["statistic"])
            if hi < olo or ohi < lo:
                out.append((f"{int(r['wave'])}'s own file publishes {_num(own['value'])} ({own['finding_id']}), "
                            f"not {_num(r['value'])}",
                            f"het bestand van {int(r['wave'])} zelf noemt {_nl(own['value'])} "
                            f"({own['finding_id']}), niet {_nl(r['value'])}"))
    return out


def _figure_row_numbers(r: pd.Series, ctx: _Ctx, register: pd.DataFrame) -> dict:
    """The audit row of one published figure from its numbers alone."""
    base_row = {
        "finding_id": r["finding_id"], "kind": "figure", "topic": r["topic"],
        "description": f"{r['variable']} – {r['category']} ({r['breakdown']})",
        "omschrijving": f"cijfer {r['variable']} – {r['category']} "
                        f"({BREAKDOWN_NL.get(str(r['breakdown']), r['breakdown'])})",
        "statistic": r["statistic"], "qualifier": r["qualifier"],
        "value": "" if pd.isna(r["value"]) else f"{r['value']:g}", "base": r["base"] if pd.notna(r["base"]) else "",
        "tolerance": describe(r["qualifier"], r["statistic"]),
    }
    if int(r["wave"]) != ctx.wave:
        return _row(**base_row, status="reference", base_candidates="", feasible="", n_solutions=0,
                    check=f"figure of wave {int(r['wave'])}", reading="reference value for a trend, not a target",
                    note=f"not reproduced: the {ctx.wave} data cannot check a {int(r['wave'])} figure",
                    lezing="referentiecijfer voor een trend, geen doelcijfer",
                    toelichting=f"niet gereproduceerd: de gegevens van {ctx.wave} kunnen een cijfer van "
                                f"{int(r['wave'])} niet controleren")
    stat, qual, val = r["statistic"], r["qualifier"], r["value"]
    if stat in ("verbal", "rank"):
        return _row(**base_row, **_ordering_row(r, ctx, register))
    bases = _bases(r, ctx)
    if not bases:
        return _row(**base_row, base_candidates="unknown", feasible="", n_solutions=0, check="no base derivable",
                    status="ambiguous", reading="", note="the source gives no base",
                    toelichting="de bron noemt geen basis")
    if stat == "count":
        feas = list(feasible_counts(val, qual, stat, None))
        return _row(**base_row, base_candidates=_bases_text(bases), feasible=fmt_set(feas), n_solutions=len(feas),
                    check="exact count", status="consistent" if feas else "inconsistent", reading="",
                    note=_count_note(r, ctx)[0], toelichting=_count_note(r, ctx)[1])
    parts, n_sol = [], 0
    for b in bases:
        feas = list(feasible_counts(val, qual, stat, b))
        n_sol += len(feas)
        what = "teams" if stat == "mean" else "municipalities"
        parts.append(f"base {b}: {fmt_set(feas)} {what}")
    status = "consistent" if n_sol else "inconsistent"
    reading, lezing = "", ""
    if r["variable"] == "n_teams" and stat == "mean" and r["breakdown"] == "all":
        status, reading = "ambiguous", "both bases (all respondents, respondents with teams) round to the stated mean"
        lezing = "beide noemers (alle respondenten, respondenten met teams) ronden af op het genoemde gemiddelde"
    if r["topic"] == "composition":
        reading = "share of municipalities with teams (the source says 'of the wijkteams'); see X-composition-base"
        lezing = "aandeel van de gemeenten met teams (de bron zegt 'van de wijkteams'); zie X-composition-base"
    if r["breakdown"] in ("G32", "non-G32"):
        reading = "bases from the G32 split (X-G32-split)"
        lezing = "noemers uit de G32-splitsing (X-G32-split)"
    return _row(**base_row, base_candidates=_bases_text(bases), feasible="; ".join(parts), n_solutions=n_sol,
                check=f"{'total' if stat == 'mean' else 'count'} k with k/base within {describe(qual, stat)}",
                status=status, reading=reading, note="", lezing=lezing)


def _bases_text(bases: Sequence[int]) -> str:
    return fmt_set(bases)


def _count_note(r: pd.Series, ctx: _Ctx) -> tuple[str, str]:
    """The note of a count figure in English and Dutch."""
    if r["variable"] == "n_respondents":
        bd = str(r["breakdown"])
        if bd != "all" and ctx.chosen_reading is not None and bd in ctx.chosen_reading.sizes:
            size = ctx.chosen_reading.sizes[bd]
            return (f"{int(r['value'])} of the {size} {bd} municipalities invited",
                    f"{int(r['value'])} van de {size} {bd}-gemeenten")
        if bd != "all":
            return (f"{int(r['value'])} {bd} municipalities", f"{int(r['value'])} {bd}-gemeenten")
        return (f"{int(r['value'])} of {ctx.invited} invited municipalities",
                f"{int(r['value'])} van de {ctx.invited} uitgenodigde gemeenten")
    if r["variable"] == "n_teams" and str(r["breakdown"]).startswith("GM"):
        return (f"{r['breakdown']} responded and works with teams",
                f"{r['breakdown']} deed mee en werkt met wijkteams")
    return "", ""


def _bases(r: pd.Series, ctx: _Ctx) -> list[int]:
    """Candidate bases (number of answering municipalities) of a figure."""
    if pd.notna(r["base_n"]):
        return [int(r["base_n"])]
    uni, bd = r["universe"], r["breakdown"]
    if r["statistic"] == "count":
        return [ctx.n] if ctx.n else [ctx.invited]
    if uni == "invited":
        return [ctx.invited]
    if uni == "respondents" and bd == "all":
        if r["statistic"] == "mean" and ctx.k_set:
            return sorted({ctx.n, *ctx.k_set})  # type: ignore[arg-type]
        return [ctx.n] if ctx.n else []
    if uni == "respondents" and bd == "G32":
        sols = ctx.g32_solutions.get("A", [])
        if r["statistic"] == "mean":
            return sorted({g for _, g, _, _ in sols} | {kg for _, _, kg, _ in sols})
        return sorted({g for _, g, _, _ in sols})
    if uni == "respondents" and bd == "non-G32" and ctx.n:
        return sorted({ctx.n - g for _, g, _, _ in ctx.g32_solutions.get("A", [])})
    if uni == "with_teams":
        return list(ctx.k_set)
    if uni == "work_income_tasks":
        return sorted({w for ws in ctx.w_set.values() for w in ws})
    if uni == "broad_integral_teams" and ctx.k_set:
        lo = min(_majority_floor(k) for k in ctx.k_set)
        return list(range(lo, max(ctx.k_set) + 1))
    return []


def _majority_floor(k: int) -> int:
    """Smallest count that is more than :data:`VERBAL_MAJORITY` of ``k``."""
    return int(VERBAL_MAJORITY * k) + 1


def _ordering_row(r: pd.Series, ctx: _Ctx, register: pd.DataFrame) -> dict:
    fid, var = r["finding_id"], r["variable"]
    if var == "explicitly_no_teams":
        small = int((register["population"] < SMALL_POPULATION).sum())
        need = [math.ceil(VERBAL_SMALL_SHARE * x) for x in ctx.x_set] or [0]
        return {
            "base_candidates": "respondents choosing 'nadrukkelijk niet'",
            "feasible": f"{small} municipalities < {SMALL_POPULATION:,} inhabitants invited".replace(",", "."),
            "n_solutions": 1, "status": "consistent",
            "check": f"operationalised: ≥ {float(VERBAL_SMALL_SHARE):.0%} of them < {SMALL_POPULATION} inhabitants",
            "reading": "'vrijwel uitsluitend kleine gemeenten' as a share of small municipalities",
            "note": f"needs at least {min(need)}–{max(need)} small respondents choosing 'nadrukkelijk niet'",
            "lezing": "'vrijwel uitsluitend kleine gemeenten' als aandeel kleine gemeenten",
            "toelichting": f"vraagt minstens {min(need)}–{max(need)} kleine respondenten die 'nadrukkelijk niet' "
                           "kozen",
        }
    if var == "n_teams":
        return {"base_candidates": "respondents with teams", "feasible": "all other respondents ≤ value − 1",
                "n_solutions": 1, "status": "consistent", "check": "unique maximum (rank 1)",
                "reading": "Rotterdam's 42 is the unique maximum", "note": "see X-rotterdam-max",
                "lezing": "de 42 van Rotterdam is het enige maximum", "toelichting": "zie X-rotterdam-max"}
    if var == "team_type":
        return {"base_candidates": _bases_text(ctx.k_set), "feasible": "breed integraal > every other team type",
                "n_solutions": 1, "status": "consistent",
                "check": f"'veruit de meeste': rank 1 and > {float(VERBAL_MAJORITY):.0%} of municipalities with teams",
                "reading": "multi-select team types", "note": "see X-team-type",
                "lezing": "teamtypen: meerdere antwoorden mogelijk", "toelichting": "zie X-team-type"}
    if var == "discipline_in_team":
        return {"base_candidates": _bases_text(ctx.k_set), "feasible": "maatschappelijk werk > every other discipline",
                "n_solutions": 1, "status": "consistent", "check": "strict rank 1",
                "reading": "", "note": "see X-discipline-rank", "toelichting": "zie X-discipline-rank"}
    if var == "goal_rank":
        return {"base_candidates": _bases_text(ctx.k_set), "feasible": f"competition rank {int(r['value'])}",
                "n_solutions": 1, "status": "ambiguous" if int(r["value"]) == 4 else "consistent",
                "check": "ordering of goal counts (ties share the best rank)",
                "reading": "see X-goal-ranks", "note": "the goal that shares 4th place is not published"
                if int(r["value"]) == 4 else "", "lezing": "zie X-goal-ranks",
                "toelichting": "het doel dat de vierde plaats deelt, is niet gepubliceerd" if int(r["value"]) == 4
                else ""}
    return {"base_candidates": "", "feasible": "", "n_solutions": 0, "status": "ambiguous",
            "check": "verbal statement", "reading": "", "note": f"{fid}: no operationalisation known",
            "toelichting": f"{fid}: geen operationalisering bekend"}


# --------------------------------------------------------------------------- cross-checks


def _g32_split(pub: pd.DataFrame, ctx: _Ctx, register: pd.DataFrame) -> list[dict]:
    g32 = _one(pub, variable="has_teams", breakdown="G32", wave=ctx.wave)
    other = _one(pub, variable="has_teams", breakdown="non-G32", wave=ctx.wave)
    if g32 is None or other is None or ctx.n is None or not ctx.k_set:
        return []
    n = ctx.n
    members = int(register["g32"].sum())
    g4 = int(register["g4"].sum())
    rows = []
    for reading, desc in G32_READINGS.items():
        limit = members + g4 if reading == "B" else members
        sols: list[tuple[int, int, int, int]] = []
        for k in ctx.k_set:
            for h in (range(1, g4 + 1) if reading == "C" else [0]):
                for g in range(1, limit + 1):
                    for kg in feasible_counts(g32["value"], g32["qualifier"], "percent", g):
                        rest_n, rest_k = n - g - h, k - kg - h
                        if rest_n > 0 and 0 <= rest_k <= rest_n and share_within(
                            rest_k, rest_n, other["value"], other["qualifier"]
                        ):
                            sols.append((k, g, kg, h))
        ctx.g32_solutions[reading] = sols
        gs = sorted({s[1] for s in sols})
        per_k = "; ".join(
            f"K={k}: g ∈ {fmt_set(s[1] for s in sols if s[0] == k)}" for k in ctx.k_set
        )
        non_team = sorted({s[1] - s[2] for s in sols})
        extra = f"; G4 respondents h ∈ {fmt_set(s[3] for s in sols)} (all with teams)" if reading == "C" else ""
        rows.append(_row(
            finding_id=f"X-G32-split-{reading}", kind="cross-check", topic="prevalence",
            description=f"responding G32 municipalities g under reading {reading}: {desc}",
            statistic="percent", qualifier="rounded",
            value=f"{g32['value']:g} / {other['value']:g} / overall",
            base=f"g ≤ {limit} G32, {n} − g others", base_candidates=f"K ∈ {fmt_set(ctx.k_set)}, g ∈ 1–{limit}",
            tolerance=describe("rounded", "percent"),
            feasible=f"g ∈ {fmt_set(gs)} ({per_k}){extra}; G32 respondents without teams: {fmt_set(non_team)}",
            n_solutions=len(sols),
            check=f"k_g/g within {g32['value']:g}±0.5 %, (K−k_g)/(N−g) within {other['value']:g}±0.5 %, "
                  f"K/N within the overall share",
            status="consistent" if sols else "inconsistent", reading=reading,
            note="exactly one responding G32 municipality without teams in every solution"
            if non_team == [1] else "",
            omschrijving=f"responderende G32-gemeenten g onder lezing {reading}: {G32_READINGS_NL[reading]}",
            lezing=reading,
            toelichting="in elke oplossing precies één responderende G32-gemeente zonder wijkteams"
            if non_team == [1] else "",
        ))
    feasible = [r for r, s in ctx.g32_solutions.items() if s]
    rows.append(_row(
        finding_id="X-G32-reading", kind="cross-check", topic="prevalence",
        description="which 'G32' did the survey use? (are the G4, incl. Rotterdam, inside it?)",
        statistic="", qualifier="", value="", base="", base_candidates="readings A, B, C",
        tolerance="", feasible="feasible under " + ", ".join(feasible), n_solutions=len(feasible),
        check="integer feasibility of the G32 / non-G32 / overall percentages under each reading",
        status="ambiguous" if len(feasible) > 1 else ("consistent" if feasible else "inconsistent"),
        reading="A (project's documented reading, D4); B and C fit the numbers equally well",
        note="The numbers cannot tell the readings apart: every reading allows the same g (one G32 respondent "
             "without teams). The wording 'overige middelgrote tot kleine gemeenten' describes the rest as "
             "middle-sized to small, which Amsterdam, Rotterdam, Den Haag and Utrecht are not: the text leans "
             "to B (G4 inside the G32) or C (G4 apart), not to A.",
        omschrijving="welke 'G32' gebruikte de enquête? (vallen de G4, met Rotterdam, erbinnen?)",
        lezing="A (de gedocumenteerde lezing van dit project, D4); B en C passen even goed bij de cijfers",
        toelichting="De cijfers onderscheiden de lezingen niet: elke lezing laat dezelfde g toe (één G32-respondent "
                    "zonder wijkteams). De formulering 'overige middelgrote tot kleine gemeenten' noemt de rest "
                    "middelgroot tot klein, wat Amsterdam, Rotterdam, Den Haag en Utrecht niet zijn: de tekst neigt "
                    "naar B (G4 binnen de G32) of C (G4 apart), niet naar A.",
    ))
    return rows


def _mean_base(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    total = _one(pub, variable="n_teams", statistic="count", breakdown="all", wave=ctx.wave)
    mean = _one(pub, variable="n_teams", statistic="mean", breakdown="all", wave=ctx.wave)
    if total is None or mean is None or ctx.n is None:
        return []
    t = int(total["value"])
    cands = {"all respondents": [ctx.n], "respondents with teams": ctx.k_set}
    labels_nl = {"all respondents": "alle respondenten", "respondents with teams": "respondenten met teams"}
    fits, parts, parts_nl = [], [], []
    for label, bases in cands.items():
        ok = [b for b in bases if within(Fraction(t, b), mean["value"], mean["qualifier"], "mean")]
        parts.append(f"{label}: " + ", ".join(f"{t}/{b} = {t / b:.2f}" for b in bases))
        parts_nl.append(f"{labels_nl[label]}: " + ", ".join(f"{t}/{b} = {t / b:.2f}".replace(".", ",")
                                                             for b in bases))
        if ok:
            fits.append(label)
    fits_nl = [labels_nl[f] for f in fits]
    return [_row(
        finding_id="X-mean-base", kind="cross-check", topic="teams",
        description=f"mean of {mean['value']:g} teams per municipality: base of the mean", statistic="mean",
        qualifier=mean["qualifier"], value=f"{mean['value']:g}", base="all respondents or those with teams",
        base_candidates=fmt_set([ctx.n, *ctx.k_set]), tolerance=describe(mean["qualifier"], "mean"),
        feasible="; ".join(parts), n_solutions=len(fits),
        check=f"{t} / base within {mean['value']:g} ± 0.5",
        status="ambiguous" if len(fits) > 1 else ("consistent" if fits else "inconsistent"),
        reading=" and ".join(fits) + " both fit" if len(fits) > 1 else (fits[0] if fits else ""),
        note="the data cannot tell which base the source meant; any reconstruction meets both",
        omschrijving=f"gemiddeld {mean['value']:g} teams per gemeente: de noemer van het gemiddelde".replace(".", ","),
        lezing=" en ".join(fits_nl) + " passen allebei" if len(fits) > 1 else (fits_nl[0] if fits else ""),
        toelichting="; ".join(parts_nl) + " — de gegevens kunnen niet zeggen welke noemer de bron bedoelde; elke "
                    "reconstructie haalt beide",
    )]


def _g32_mean(pub: pd.DataFrame, ctx: _Ctx, register: pd.DataFrame) -> list[dict]:
    mean = _one(pub, variable="n_teams", statistic="mean", breakdown="G32", wave=ctx.wave)
    total = _one(pub, variable="n_teams", statistic="count", breakdown="all", wave=ctx.wave)
    city = _find(pub[pub["breakdown"].str.startswith("GM")], variable="n_teams", statistic="count", wave=ctx.wave)
    if mean is None or total is None or city.empty:
        return []
    t, code, top = int(total["value"]), city["breakdown"].iloc[0], int(city["value"].iloc[0])
    name = register.loc[register["gm_code"] == code, "name"]
    name = name.iloc[0] if len(name) else code
    in_g4 = bool(register.loc[register["gm_code"] == code, "g4"].any())
    rows = []
    for reading in ("A", "B"):
        sols = ctx.g32_solutions.get(reading, [])
        inside = reading == "B" and in_g4
        ok_pairs: list[tuple[int, int, int, str]] = []
        per_g: dict[tuple[int, str], set[int]] = {}
        for k, g, kg, _ in sols:
            for base_label, base in (("all", g), ("with teams", kg)):
                s_range = feasible_counts(mean["value"], mean["qualifier"], "mean", base)
                # G32 total s: at least one team per G32 municipality with teams; the city's teams inside (B)
                lo_s = max(s_range.start, kg + (top - 1 if inside else 0))
                # the rest: (K - kg) municipalities with teams, each 1..top-1 (the city has the unique max)
                rest_with = k - kg - (0 if inside else 1)
                feas = [s for s in range(lo_s, s_range.stop)
                        if rest_with <= t - s - (0 if inside else top) <= (top - 1) * rest_with]
                if feas:
                    ok_pairs.append((k, g, kg, base_label))
                    per_g.setdefault((g, base_label), set()).update(feas)
        summaries = [f"g={g} ({lab}): {fmt_set(v)}" for (g, lab), v in sorted(per_g.items())]
        rows.append(_row(
            finding_id=f"X-G32-mean-{reading}", kind="cross-check", topic="teams",
            description=f"G32 mean of {mean['value']:g} teams with {name} ({top}) "
                        f"{'inside' if inside else 'outside'} the G32 (reading {reading})",
            statistic="mean", qualifier=mean["qualifier"], value=f"{mean['value']:g}",
            base="all G32 respondents or those with teams", base_candidates=f"g from X-G32-split-{reading}",
            tolerance=describe(mean["qualifier"], "mean"),
            feasible=("G32 total teams by g and base: " + "; ".join(summaries)) if summaries else "none",
            n_solutions=len(ok_pairs),
            check=f"G32 total within [{float(mean['value']) - 0.5:g}, {float(mean['value']) + 0.5:g}] × base; "
                  f"rest of the {t} teams spread ≥ 1 and ≤ {top - 1} per municipality with teams",
            status="consistent" if ok_pairs else "inconsistent", reading=reading,
            note=f"under {reading} {name} is {'in' if inside else 'not in'} the G32 mean",
            omschrijving=f"G32-gemiddelde van {_nl(mean['value'])} teams met {name} ({top}) "
                         f"{'binnen' if inside else 'buiten'} de G32 (lezing {reading})",
            lezing=reading,
            toelichting=f"onder lezing {reading} telt {name} {'wel' if inside else 'niet'} mee in het "
                        "G32-gemiddelde",
        ))
    return rows


def _rotterdam_max(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    city = pub[(pub["breakdown"].str.startswith("GM")) & (pub["variable"] == "n_teams") & (pub["wave"] == ctx.wave)]
    total = _one(pub, variable="n_teams", statistic="count", breakdown="all", wave=ctx.wave)
    if city.empty or total is None or not ctx.k_set:
        return []
    top, t = int(city["value"].iloc[0]), int(total["value"])
    ok = [k for k in ctx.k_set if (k - 1) <= t - top <= (top - 1) * (k - 1)]
    return [_row(
        finding_id="X-rotterdam-max", kind="cross-check", topic="teams",
        description=f"{city['breakdown'].iloc[0]} with {top} teams as the unique maximum, {t} teams in total",
        statistic="count", qualifier="exact", value=str(top), base="respondents with teams",
        base_candidates=fmt_set(ctx.k_set), tolerance="exact",
        feasible=f"the other K − 1 municipalities share {t - top} teams, 1–{top - 1} each; fits for K ∈ {fmt_set(ok)}",
        n_solutions=len(ok), check="K − 1 ≤ total − max ≤ (max − 1)(K − 1)",
        status="consistent" if ok else "inconsistent", reading="",
        note=f"{t} ≥ K: every municipality with teams can have at least one",
        omschrijving=f"{city['breakdown'].iloc[0]} met {top} teams als enige maximum, {t} teams in totaal",
        toelichting=f"{t} ≥ K: elke gemeente met wijkteams kan er minstens één hebben",
    )]


def _prevalence_categories(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    no = _one(pub, variable="explicitly_no_teams", statistic="percent", wave=ctx.wave)
    if no is None or ctx.n is None or not ctx.k_set:
        return []
    xs = list(feasible_counts(no["value"], no["qualifier"], "percent", ctx.n))
    ctx.x_set = xs
    rest = sorted({ctx.n - k - x for k in ctx.k_set for x in xs if ctx.n - k - x >= 0})
    return [_row(
        finding_id="X-prevalence-categories", kind="cross-check", topic="prevalence",
        description="with teams + 'nadrukkelijk niet' + other answers = respondents",
        statistic="percent", qualifier="rounded", value="87 + 12 = 99", base=str(ctx.n),
        base_candidates=str(ctx.n), tolerance=describe("rounded", "percent"),
        feasible=f"with teams {fmt_set(ctx.k_set)}, nadrukkelijk niet {fmt_set(xs)}, rest {fmt_set(rest)}",
        n_solutions=len(rest), check="the remaining respondents answered 'nee, gepland' or 'anders'",
        status="consistent" if rest else "inconsistent", reading="",
        note="the published categories sum to 99 %: 1–4 respondents gave another answer",
        omschrijving="met teams + 'nadrukkelijk niet' + andere antwoorden = respondenten",
        toelichting="de gepubliceerde categorieën tellen op tot 99 %: 1–4 respondenten gaven een ander antwoord",
    )]


def _group_codes() -> dict[str, str]:
    return {str(g.published): g.code for v in load_codebook().variables if v.type == "grid" for g in v.groups}


def _involvement(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    inv = pub[(pub["variable"] == "involvement") & (pub["wave"] == ctx.wave)]
    codes = _group_codes()
    rows = []
    for group, sub in inv.groupby("breakdown", sort=False):
        base = int(sub["base_n"].iloc[0])
        none = sub[sub["category"].str.startswith("geen")]
        forms = sub[~sub["category"].str.startswith("geen")]
        if none.empty or sub["base_n"].nunique() != 1:
            continue
        f_sets = [list(feasible_counts(v, q, "percent", base)) for v, q in zip(forms["value"], forms["qualifier"],
                                                                             strict=True)]
        n_set = list(feasible_counts(none["value"].iloc[0], none["qualifier"].iloc[0], "percent", base))
        multi, sols = set(), 0
        for combo in itertools.product(*f_sets):
            for c0 in n_set:
                involved = base - c0
                if max(combo) <= involved <= sum(combo):
                    sols += 1
                    multi.add(sum(combo) - involved)
        row_sum = int(sub["value"].sum())
        missing = fmt_set(k - base for k in ctx.k_set)
        rows.append(_row(
            finding_id=f"X-involvement-{codes.get(str(group), group)}", kind="cross-check", topic="involvement",
            description=f"involvement of '{group}': multi-select row, 'geen' exclusive",
            statistic="percent", qualifier="rounded", value=f"row sum {row_sum} %", base=str(base),
            base_candidates=str(base), tolerance=describe("rounded", "percent"),
            feasible=f"geen {fmt_set(n_set)}; forms " + ", ".join(fmt_set(s) for s in f_sets)
                     + f"; municipalities ticking ≥ 2 forms {fmt_set(multi)}",
            n_solutions=sols,
            check="max(form) ≤ base − geen ≤ sum(forms): every involved municipality ticks ≥ 1 form",
            status="consistent" if sols and all(base <= k for k in ctx.k_set) else "inconsistent",
            reading="forms not exclusive; base = municipalities with teams answering the row",
            note=f"item non-response among municipalities with teams: {missing}; row sum {row_sum} %: "
                 + (f"at least {min(multi)} municipalities ticked several forms" if multi and min(multi) > 0
                    else "possible with one form per municipality (rounding)"),
            omschrijving=f"betrokkenheid van '{group}': meerdere vormen per rij, 'geen' sluit de rest uit",
            lezing="vormen sluiten elkaar niet uit; basis = gemeenten met wijkteams die de rij beantwoordden",
            toelichting=f"gemeenten met wijkteams zonder antwoord op deze rij: {missing}; rijsom {row_sum} %: "
                        + (f"minstens {min(multi)} {'gemeente kruiste' if min(multi) == 1 else 'gemeenten kruisten'} "
                           "meerdere vormen aan" if multi and min(multi) > 0
                           else "mogelijk met één vorm per gemeente (afronding)"),
        ))
    return rows


def _work_income(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    share = _one(pub, variable="work_income_tasks", wave=ctx.wave)
    tasks = pub[(pub["variable"] == "work_income_task") & (pub["wave"] == ctx.wave)]
    if share is None or tasks.empty or not ctx.k_set:
        return []
    parts = []
    for k in ctx.k_set:
        ok = [w for w in feasible_counts(share["value"], share["qualifier"], "percent", k)
              if all(len(feasible_counts(v, q, "percent", w)) for v, q in zip(tasks["value"], tasks["qualifier"],
                                                                              strict=True))]
        ctx.w_set[k] = ok
        parts.append(f"K={k}: W ∈ {fmt_set(ok)}")
    n = sum(len(v) for v in ctx.w_set.values())
    return [_row(
        finding_id="X-work-income", kind="cross-check", topic="work_income",
        description="'de helft' does work-and-income tasks; 75 / 62 / 56 % of those per task",
        statistic="percent", qualifier=f"{share['qualifier']} / rounded", value=f"{share['value']:g}",
        base="municipalities with teams; then those doing tasks (W)", base_candidates=fmt_set(ctx.k_set),
        tolerance=describe(share["qualifier"], "percent"), feasible="; ".join(parts), n_solutions=n,
        check="W within 50 ± 2.5 % of K and every task percentage feasible over W; tasks sum ≥ 100 %",
        status="consistent" if n else "inconsistent", reading="tasks multi-select among W",
        note=f"task percentages sum to {int(tasks['value'].sum())} %: several tasks per municipality",
        omschrijving="'de helft' heeft taken op werk en inkomen; "
                     + " / ".join(_nl(v) for v in tasks["value"]) + " % daarvan per taak",
        lezing="taken: meerdere antwoorden mogelijk binnen W",
        toelichting=f"de taakpercentages tellen op tot {int(tasks['value'].sum())} %: meerdere taken per gemeente",
    )]


def _composition(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    comp = pub[(pub["topic"] == "composition") & (pub["statistic"] == "percent") & (pub["wave"] == ctx.wave)]
    total = _one(pub, variable="n_teams", statistic="count", breakdown="all", wave=ctx.wave)
    if comp.empty or not ctx.k_set:
        return []
    rows = []
    t = int(total["value"]) if total is not None else None
    per_mun = all(len(feasible_counts(v, q, "percent", k)) for v, q in zip(comp["value"], comp["qualifier"],
                                                                             strict=True) for k in ctx.k_set)
    per_team = t is not None and all(len(feasible_counts(v, q, "percent", t))
                                     for v, q in zip(comp["value"], comp["qualifier"], strict=True))
    rows.append(_row(
        finding_id="X-composition-base", kind="cross-check", topic="composition",
        description="'84 procent van de wijkteams': per team or per municipality with teams?",
        statistic="percent", qualifier="rounded", value=", ".join(f"{v:g}" for v in comp["value"]),
        base="municipalities with teams or teams", base_candidates=f"{fmt_set(ctx.k_set)} or {t}",
        tolerance=describe("rounded", "percent"),
        feasible=f"per municipality: {'feasible' if per_mun else 'infeasible'}; "
                 f"per team ({t}): {'feasible' if per_team else 'infeasible'}",
        n_solutions=int(per_mun) + int(per_team), check="every percentage has an integer numerator",
        status="ambiguous" if per_mun and per_team else ("consistent" if per_mun or per_team else "inconsistent"),
        reading="share of municipalities with teams (the survey asked municipalities; S3)",
        note="the survey is answered per municipality, so the per-municipality reading is the only one a "
             "municipality-level file can reproduce",
        omschrijving="'84 procent van de wijkteams': per team of per gemeente met teams?",
        lezing="aandeel van de gemeenten met teams (de enquête ondervroeg gemeenten; S3)",
        toelichting="de enquête is per gemeente ingevuld, dus alleen de lezing per gemeente is met een bestand op "
                    "gemeenteniveau te reproduceren",
    ))
    # strict rank of the first discipline
    rank = _one(pub, topic="composition", statistic="rank", wave=ctx.wave)
    if rank is not None:
        top = comp[comp["category"] == rank["category"]]
        others = comp[comp["category"] != rank["category"]]
        ok = []
        for k in ctx.k_set:
            lo_top = feasible_counts(top["value"].iloc[0], top["qualifier"].iloc[0], "percent", k).start
            hi_other = max(feasible_counts(v, q, "percent", k).stop - 1
                           for v, q in zip(others["value"], others["qualifier"], strict=True))
            if lo_top > hi_other:
                ok.append(k)
        rows.append(_row(
            finding_id="X-discipline-rank", kind="cross-check", topic="composition",
            description=f"'{rank['category']}' is the best represented discipline",
            statistic="rank", qualifier="exact", value="1", base="municipalities with teams",
            base_candidates=fmt_set(ctx.k_set), tolerance="ordering",
            feasible=f"strictly above every other published discipline for K ∈ {fmt_set(ok)}", n_solutions=len(ok),
            check="smallest feasible count of the first > largest feasible count of every other",
            status="consistent" if ok else "ambiguous", reading="strict rank 1",
            note="unpublished disciplines (codebook options without a figure) must stay below it",
            omschrijving=f"'{rank['category']}' is de best vertegenwoordigde discipline",
            lezing="strikt de eerste plaats",
            toelichting="niet-gepubliceerde disciplines (codeboekopties zonder cijfer) moeten eronder blijven",
        ))
    return rows


def _goals(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    goals = pub[(pub["variable"] == "goal_rank") & (pub["wave"] == ctx.wave)]
    if goals.empty:
        return []
    ranks = sorted(int(v) for v in goals["value"])
    return [_row(
        finding_id="X-goal-ranks", kind="cross-check", topic="goals",
        description="goal ranks: two goals share 1st, preventie 3rd, zelfredzaamheid shares 4th",
        statistic="rank", qualifier="verbal", value=", ".join(str(r) for r in ranks), base="municipalities with teams",
        base_candidates=fmt_set(ctx.k_set), tolerance="ordering (competition ranks)",
        feasible="needs ≥ 5 goals in the questionnaire (one unpublished goal shares 4th place)", n_solutions=1,
        check="competition ranks 1, 1, 3, 4, 4 are a valid ordering",
        status="ambiguous", reading="ranks by number of municipalities naming the goal; the other 4th goal is "
                                    "not published (reconstruction: laagdrempelige toegang, an assumption)",
        note="'gedeelde vierde plaats' requires a tie with exactly one other goal",
        omschrijving="rangorde van de doelen: twee doelen delen de eerste plaats, preventie derde, zelfredzaamheid "
                     "deelt de vierde",
        lezing="rang naar het aantal gemeenten dat het doel noemt; het andere doel op de vierde plaats is niet "
               "gepubliceerd (reconstructie: laagdrempelige toegang, een aanname)",
        toelichting="'gedeelde vierde plaats' vraagt een gelijke stand met precies één ander doel",
    )]


def _team_type(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    target = _one(pub, variable="team_type", category="target-group specific teams", wave=ctx.wave)
    scope = _one(pub, variable="problem_scope", wave=ctx.wave)
    if target is None or not ctx.k_set:
        return []
    parts, n = [], 0
    for k in ctx.k_set:
        d = list(feasible_counts(target["value"], target["qualifier"], "percent", k))
        b_lo = _majority_floor(k)
        bs = [b for b in range(b_lo, k + 1)
              if scope is None or len(feasible_counts(scope["value"], scope["qualifier"], "percent", b))]
        n += len(bs)
        parts.append(f"K={k}: doelgroepgericht {fmt_set(d)}, breed integraal B ∈ {fmt_set(bs)}")
    return [_row(
        finding_id="X-team-type", kind="cross-check", topic="team_type",
        description="'veruit de meeste' broad integral teams; 14 % target-group teams; 'twee derde' of the broad "
                    "teams handle both single and multiple problems",
        statistic="percent", qualifier="verbal / rounded / approximate", value="rank 1, 14, 67",
        base="municipalities with teams; broad integral B", base_candidates=fmt_set(ctx.k_set),
        tolerance="ordering; ±0.5 pp; ±2.5 pp", feasible="; ".join(parts), n_solutions=n,
        check="B > 50 % of K and B > every other type; problem scope feasible over B",
        status="consistent" if n else "inconsistent", reading="team types multi-select; problem scope asked of B",
        note="B itself is not published",
        omschrijving="'veruit de meeste' breed integrale teams; 14 % doelgroepgerichte teams; 'twee derde' van de "
                     "brede teams pakt zowel enkelvoudige als meervoudige problemen op",
        lezing="teamtypen: meerdere antwoorden mogelijk; de probleemreikwijdte is aan B gevraagd",
        toelichting="B zelf is niet gepubliceerd",
    )]


def _support(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    sup = _one(pub, variable="needs_support_involving_residents", wave=ctx.wave)
    if sup is None or ctx.n is None:
        return []
    parts = [f"{lab} {b}: {fmt_set(feasible_counts(sup['value'], sup['qualifier'], 'percent', b))}"
             for lab, b in [("respondents", ctx.n)] + [("with teams", k) for k in ctx.k_set]]
    return [_row(
        finding_id="X-support-base", kind="cross-check", topic="support",
        description="'ongeveer 40 procent van de gemeenten' wants support: base", statistic="percent",
        qualifier=sup["qualifier"], value=f"{sup['value']:g}", base="respondents (or those with teams)",
        base_candidates=fmt_set([ctx.n, *ctx.k_set]), tolerance=describe(sup["qualifier"], "percent"),
        feasible="; ".join(parts), n_solutions=len(parts), check="integer numerator within ±2.5 pp",
        status="consistent", reading="share of all responding municipalities ('van de gemeenten')",
        note="the approximate tolerance makes either base feasible",
        omschrijving="'ongeveer 40 procent van de gemeenten' wil ondersteuning: de noemer",
        lezing="aandeel van alle responderende gemeenten ('van de gemeenten')",
        toelichting="door de ruime tolerantie van 'ongeveer' is elke noemer haalbaar",
    )]


def _response(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    rate = _one(pub, variable="response_rate", wave=ctx.wave)
    if rate is None or ctx.n is None:
        return []
    ok = share_within(ctx.n, ctx.invited, rate["value"], rate["qualifier"])
    return [_row(
        finding_id="X-response", kind="cross-check", topic="response",
        description="respondents / invited municipalities vs the published response rate", statistic="percent",
        qualifier=rate["qualifier"], value=f"{rate['value']:g}", base=str(ctx.invited), base_candidates=str(ctx.invited),
        tolerance=describe(rate["qualifier"], "percent"), feasible=f"{ctx.n}/{ctx.invited} = {_pct(ctx.n, ctx.invited)}",
        n_solutions=int(ok), check="response count within the rounded rate",
        status="consistent" if ok else "inconsistent", reading="invited = all municipalities of 1 January",
        note="",
        omschrijving="respondenten / uitgenodigde gemeenten tegenover het gepubliceerde responspercentage",
        lezing="uitgenodigd = alle gemeenten op 1 januari",
    )]


def _readings(pub: pd.DataFrame, ctx: _Ctx, register: pd.DataFrame, settings: WaveSettings | None) -> list[dict]:
    """One row per distinct reading of the G32 breakdown (exhaustive search) and one row with the verdict."""
    if settings is None or ctx.n is None:
        return []
    results = evaluate_readings(pub, register, settings, ctx.wave)
    if not results:
        return []
    ctx.readings = results
    rows = []
    for i, res in enumerate(results, start=1):
        conflict = ", ".join(res.failed)
        rows.append(_row(
            finding_id=f"X-reading-{i}", kind="cross-check", topic="response",
            description=f"reading {i}: {res.label()}", statistic="count", qualifier="exact",
            value="", base=f"{res.sizes['G32']} G32, {res.sizes['non-G32']} non-G32, {res.sizes['g4']} G4 invited",
            base_candidates=f"every split of {ctx.n} respondents over {res.sizes['g32']} members, "
                            f"{res.sizes['g4']} G4, {res.sizes['other']} others",
            tolerance="per figure", feasible=res.split_text(), n_solutions=len(res.splits),
            check="every response, G32, non-G32 and G4 figure of the wave met by one split in whole municipalities",
            status="consistent" if res.feasible else "rejected", reading=res.label(),
            note="" if res.feasible else f"no split meets these rows together: {conflict}",
            omschrijving=f"lezing {i}: {res.label_nl()}", lezing=res.label_nl(),
            toelichting="" if res.feasible else f"geen verdeling haalt deze rijen samen: {conflict}",
        ))
    chosen, why = choose_reading(results, settings)
    ctx.chosen_reading = chosen
    feasible = [i for i, r in enumerate(results, start=1) if r.feasible]
    status = "consistent" if chosen is not None and len(feasible) == 1 else (
        "ambiguous" if chosen is not None else "inconsistent")
    why_nl = {"declared in the wave settings and feasible": "vastgelegd in de golfinstellingen en haalbaar",
              "the only reading under which all figures fit": "de enige lezing waaronder alle cijfers passen"}
    rows.append(_row(
        finding_id="X-readings", kind="cross-check", topic="response",
        description="under which reading of the G32 breakdown do all figures fit together?",
        statistic="", qualifier="", value="", base="", base_candidates=f"{len(results)} distinct readings",
        tolerance="", feasible="feasible: " + (", ".join(f"reading {i}" for i in feasible) or "none"),
        n_solutions=len(feasible), check="exhaustive search over whole municipalities per reading",
        status=status, reading=chosen.label() if chosen else "", note=why,
        omschrijving="onder welke lezing van de G32-indeling passen alle cijfers samen?",
        lezing=chosen.label_nl() if chosen else "",
        toelichting=why_nl.get(why, why) + (f"; responderende G32-leden, G4, overige: {chosen.split_text()}"
                                            if chosen else ""),
    ))
    return rows


def _base_sizes(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    """Every published base is at most the size of its universe (invited, respondents, with teams): one row."""
    sub = pub[(pub["wave"] == ctx.wave) & pub["base_n"].notna()]
    checked, over = 0, []
    for r in sub.itertuples():
        size = {"invited": ctx.invited, "respondents": ctx.n}.get(r.universe)
        if r.universe == "with_teams" and ctx.k_set:
            size = max(ctx.k_set)
        if size is None:
            continue
        checked += 1
        if int(r.base_n) > size:
            over.append(f"{r.finding_id} ({int(r.base_n)} > {size} {r.universe})")
    if not checked:
        return []
    largest = int(sub["base_n"].max())
    return [_row(
        finding_id="X-base-sizes", kind="cross-check", topic="response",
        description="every published base within the size of its universe", statistic="count", qualifier="exact",
        value=f"{checked} bases", base="", base_candidates="", tolerance="exact",
        feasible="all within" if not over else "; ".join(over), n_solutions=checked - len(over),
        check="base_n ≤ invited / respondents / largest feasible number with teams",
        status="inconsistent" if over else "consistent", reading="",
        note=f"largest base {largest}" if not over else "a base exceeds its universe: " + "; ".join(over),
        omschrijving="elke gepubliceerde basis past binnen de omvang van haar populatie",
        toelichting=f"grootste basis {largest}" if not over else "een basis is groter dan haar populatie: "
                    + "; ".join(over),
    )]


# --------------------------------------------------------------------------- public API


def _universes(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    """The feasibility pre-check of the bases (:mod:`wijkteam_stats.reproduce.base_check`): one row per universe
    the published rows constrain, naming the rows when they leave no size."""
    if ctx.n is None:
        return []
    rows = []
    for name, res in universe_sizes(pub, load_codebook(), ctx.wave, ctx.n, ctx.invited).items():
        if not res.rows:
            continue
        sizes = fmt_set(res.sizes)
        bad = ", ".join(res.conflict)
        rows.append(_row(
            finding_id=f"X-universe-{name}", kind="cross-check", topic="response",
            description=f"size of the universe {name} implied by every row over it", statistic="count",
            qualifier="exact", value="", base="", base_candidates="", tolerance="per figure",
            feasible=sizes, n_solutions=len(res.sizes),
            check="interval arithmetic in whole municipalities: defining rows, bases, counts with their percentages",
            status="consistent" if res.feasible else "inconsistent", reading="",
            note="; ".join(res.steps) if res.feasible else f"rows {bad} imply no common size: " + "; ".join(res.steps),
            omschrijving=f"omvang van de populatie '{universe_nl(name)}' volgens alle rijen erover",
            toelichting=(f"mogelijke omvang {sizes} volgens {', '.join(dict.fromkeys(res.rows))}" if res.feasible
                         else f"de rijen {bad} laten samen geen omvang toe"),
        ))
    return rows


def _quotes(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    """One row: how many figures were read against their quote and other waves' files, and which disagree."""
    numeric = pub[pub["statistic"].isin(["percent", "count", "mean"]) & pub["value"].notna()]
    bad = sorted(ctx.read_problems)
    return [_row(
        finding_id="X-quotes", kind="cross-check", topic="response",
        description="every figure agrees with the numbers of its own quote and with its wave's own file",
        statistic="", qualifier="", value=f"{len(numeric)} figures", base="", base_candidates="", tolerance="per figure",
        feasible="all agree" if not bad else ", ".join(bad), n_solutions=len(numeric) - len(bad),
        check="numbers, number words and fractions of the quote; 'blijft gelijk'; the other wave's published row",
        status="inconsistent" if bad else "consistent", reading="",
        note="" if not bad else "; ".join(f"{fid}: {ctx.read_problems[fid][0][0]}" for fid in bad),
        omschrijving="elk cijfer klopt met de getallen in het eigen citaat en met het bestand van de eigen meting",
        toelichting="" if not bad else "; ".join(f"{fid}: {ctx.read_problems[fid][0][1]}" for fid in bad),
    )]


def _panel(pub: pd.DataFrame, ctx: _Ctx) -> list[dict]:
    """A panel row ("x % also answered wave V"): the overlap it implies must fit both waves' respondents."""
    cb = load_codebook()
    rows = []
    for r in pub[pub["wave"] == ctx.wave].itertuples():
        try:
            earlier = panel_wave(r, cb)
        except ValueError as err:
            earlier, bad = None, str(err)
            rows.append(_row(finding_id=f"X-panel-{r.finding_id}", kind="cross-check", topic=r.topic,
                             description="panel row without an earlier wave", statistic="", qualifier="", value="",
                             base="", base_candidates="", tolerance="", feasible="", n_solutions=0, check="",
                             status="inconsistent", reading="", note=bad, omschrijving="panelrij zonder eerdere meting",
                             toelichting="de rij noemt de eerdere meting niet in haar categorie"))
            continue
        if earlier is None or ctx.n is None or pd.isna(r.value):
            continue
        n_prev = None
        for df in (ctx.others, pub):
            if df is None or df.empty:
                continue
            m = df[(df["wave"] == earlier) & (df["variable"] == "n_respondents") & (df["breakdown"] == "all")]
            if len(m):
                n_prev = int(m["value"].iloc[0])
                break
        ks = set(feasible_counts(r.value, r.qualifier, "percent", ctx.n))
        limit = min(ctx.n, n_prev) if n_prev is not None else ctx.n
        ok = {k for k in ks if k <= limit}
        rows.append(_row(
            finding_id=f"X-panel-{r.finding_id}", kind="cross-check", topic=r.topic,
            description=f"respondents of {ctx.wave} that also answered {earlier}, against both waves' respondents",
            statistic="count", qualifier="exact", value=f"{r.value:g}", base=str(ctx.n),
            base_candidates=f"{ctx.n} respondents of {ctx.wave}; {n_prev if n_prev is not None else '?'} of {earlier}",
            tolerance=describe(r.qualifier, "percent"), feasible=fmt_set(ok), n_solutions=len(ok),
            check=f"overlap k with k/{ctx.n} within the rounding and k ≤ the respondents of both waves",
            status="consistent" if ok else "inconsistent", reading="",
            note=(f"{fmt_set(ok)} municipalities answered both waves" if ok else
                  f"{r.value:g} % of {ctx.n} needs {fmt_set(ks)}, more than the {limit} respondents of {earlier}"),
            omschrijving=f"respondenten van {ctx.wave} die ook in {earlier} meededen, tegen de respondenten van beide",
            toelichting=(f"{feasible_nl(fmt_set(ok))} gemeenten deden aan beide metingen mee" if ok else
                         f"{_nl(r.value)} % van {ctx.n} vraagt meer dan de {limit} respondenten van {earlier}"),
        ))
    return rows


def other_waves_rows(wave: int) -> pd.DataFrame:
    """The own rows (row wave == file wave) of every other known wave's published file (empty if none)."""
    frames = []
    for w in known_waves():
        if int(w) == int(wave) or not paths.published_file(w).is_file():
            continue
        try:
            df = load_published(wave=w)
        except PublishedFileError:
            continue
        frames.append(df[df["wave"] == int(w)])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["wave"])


def audit_published(pub: pd.DataFrame, register: pd.DataFrame, wave: int | None = None,
                    settings: WaveSettings | None = None, others: pd.DataFrame | None = None) -> pd.DataFrame:
    """The consistency audit of a published-figures table against a municipality register (one row per check).

    ``settings`` (default: the wave's entry in ``data/raw/waves.yaml``, if any) define the candidate readings
    of the G32 breakdown that the exhaustive search tries. ``others`` are the own rows of other waves' files
    (default: loaded for the known waves), against which reference rows and "blijft gelijk" are read.
    """
    wave = int(wave) if wave is not None else file_wave(pub)
    if settings is None and wave in known_waves():
        settings = wave_settings(wave)
    pub = pub.reset_index(drop=True)
    ctx = _Ctx(wave=wave, invited=len(register), pub=pub,
               others=others if others is not None else other_waves_rows(wave))
    resp = _one(pub, variable="n_respondents", wave=wave)
    if resp is not None:
        ctx.n = int(resp["value"])
    prev = _one(pub, variable="has_teams", breakdown="all", statistic="percent", wave=wave)
    if prev is not None and ctx.n:
        ctx.k_set = list(feasible_counts(prev["value"], prev["qualifier"], "percent", ctx.n))
    cross: list[dict] = []
    cross += _response(pub, ctx)
    cross += _readings(pub, ctx, register, settings)
    cross += _base_sizes(pub, ctx)
    cross += _universes(pub, ctx)
    cross += _panel(pub, ctx)
    cross += _prevalence_categories(pub, ctx)
    cross += _g32_split(pub, ctx, register)
    cross += _mean_base(pub, ctx)
    cross += _g32_mean(pub, ctx, register)
    cross += _rotterdam_max(pub, ctx)
    cross += _team_type(pub, ctx)
    cross += _composition(pub, ctx)
    cross += _work_income(pub, ctx)
    cross += _goals(pub, ctx)
    cross += _support(pub, ctx)
    cross += _involvement(pub, ctx)
    figures = [_figure_row(r, ctx, register) for _, r in pub.iterrows()]
    cross += _quotes(pub, ctx)
    out = pd.DataFrame(figures + cross, columns=AUDIT_COLUMNS)
    out["n_solutions"] = out["n_solutions"].astype("Int64")
    for col in AUDIT_COLUMNS:
        if col != "n_solutions":
            out[col] = out[col].astype("string")
    return out


def g32_feasible(audit: pd.DataFrame, reading: str = "A") -> list[int]:
    """The numbers of responding G32 municipalities the audit found feasible under a reading."""
    row = audit[audit["finding_id"] == f"X-G32-split-{reading}"]
    if row.empty:
        raise KeyError(f"audit has no G32 split under reading {reading!r}")
    text = str(row["feasible"].iloc[0])
    inner = text[text.index("{") + 1:text.index("}")]
    vals: list[int] = []
    for part in inner.split(","):
        part = part.strip()
        if "–" in part:
            a, b = part.split("–")
            vals += list(range(int(a), int(b) + 1))
        elif part:
            vals.append(int(part))
    return vals


def run_audit(wave: int = 2015, published_path: str | Path | None = None) -> pd.DataFrame:
    """Load the wave's published figures and register and return :func:`audit_published`."""
    pub = load_published(published_path, wave=wave)
    reg = register(load_codebook().register_year(wave))
    return audit_published(pub, reg, wave=wave)


def write_audit(wave: int = 2015, out_dir: str | Path | None = None, published_path: str | Path | None = None) -> Path:
    """Write ``consistency_audit_<wave>.csv`` (UTF-8, comma separated) and return its path."""
    out = paths.ensure_dir(Path(out_dir) if out_dir is not None else paths.TABLES)
    path = out / f"consistency_audit_{int(wave)}.csv"
    safe_to_csv(run_audit(wave, published_path), path)
    return path


_TEXT = {
    "nl": {
        "title": "Consistentie van de gepubliceerde cijfers",
        "counts": "{n} controles: {c} consistent, {a} meerduidig, {i} inconsistent, {r} referentie (andere meting)"
                  "{x}.",
        "rejected": ", {x} verworpen lezing(en)",
        "none_inconsistent": "Geen enkel cijfer spreekt een ander tegen: er bestaat een verdeling over hele gemeenten "
                             "die alle cijfers tegelijk waarmaakt.",
        "some_inconsistent": "Let op: deze controles hebben geen oplossing in hele gemeenten: {ids}.",
        "g32": "**G32-splitsing van de cijfers met wijkteams.** Onder lezing A zijn {gs} responderende "
               "G32-gemeenten mogelijk{one}. {detail}",
        "one": ", met steeds precies één G32-gemeente zonder wijkteams",
        "readings": "**Welke G32?** {feasible} van de {total} onderzochte lezingen van de G32-indeling passen bij "
                    "alle cijfers in hele gemeenten. Gebruikt: {reading} ({why}).",
        "no_reading": "**Welke G32?** Geen van de {total} onderzochte lezingen van de G32-indeling past bij alle "
                      "cijfers: {why}.",
        "mean": "**Gemiddeld {value} teams.** {verdict} ({detail}).",
        "mean_ambiguous": "Beide noemers ronden af op {value}; welke bedoeld is, blijft open",
        "mean_one": "Alleen de noemer {reading} geeft dat gemiddelde",
        "mean_none": "Geen van beide noemers geeft dat gemiddelde",
        "ambiguous": "**Meerduidig**: {items}.",
        "inv": "**Betrokkenheid.** Elke rij telt op tot {sums} %: meerdere vormen per gemeente zijn aangekruist, "
               "'geen betrokkenheid' sluit de andere uit, en de basis ({bases}) is het aantal gemeenten met "
               "wijkteams dat de rij beantwoordde. {verdict}",
        "inv_ok": "Alle rijen zijn in hele gemeenten haalbaar.",
        "inv_bad": "Niet haalbaar in hele gemeenten: {ids}.",
    },
    "en": {
        "title": "Consistency of the published figures",
        "counts": "{n} checks: {c} consistent, {a} ambiguous, {i} inconsistent, {r} reference (other wave){x}.",
        "rejected": ", {x} rejected reading(s)",
        "none_inconsistent": "No figure contradicts another: a distribution over whole municipalities exists that "
                             "meets all of them at once.",
        "some_inconsistent": "Note: these checks have no solution in whole municipalities: {ids}.",
        "g32": "**G32 split of the figures on teams.** Under reading A, {gs} responding G32 municipalities are "
               "possible{one}. {detail}",
        "one": ", always with exactly one G32 municipality without teams",
        "readings": "**Which G32?** {feasible} of the {total} readings of the G32 breakdown tried fit all figures in "
                    "whole municipalities. Used: {reading} ({why}).",
        "no_reading": "**Which G32?** None of the {total} readings of the G32 breakdown tried fits all figures: "
                      "{why}.",
        "mean": "**About {value} teams on average.** {verdict} ({detail}).",
        "mean_ambiguous": "Both bases round to {value}; which one is meant stays open",
        "mean_one": "Only the base {reading} gives that mean",
        "mean_none": "Neither base gives that mean",
        "ambiguous": "**Ambiguous**: {items}.",
        "inv": "**Involvement.** Each row sums to {sums} %: several forms per municipality were ticked, 'geen "
               "betrokkenheid' excludes the others, and the base ({bases}) is the number of municipalities with "
               "teams that answered the row. {verdict}",
        "inv_ok": "Every row is feasible in whole municipalities.",
        "inv_bad": "Not feasible in whole municipalities: {ids}.",
    },
}


#: Dutch headers of the audit's display table.
HEADERS_NL = {"finding_id": "Controle", "omschrijving": "Omschrijving", "feasible": "Mogelijke waarden",
              "status": "Status", "lezing": "Lezing", "toelichting": "Toelichting"}


#: Dutch names of the audit's own checks on pages (the CSV keeps the codes X-...); a finding keeps its id.
CHECK_NAMES_NL = {"X-response": "respons", "X-readings": "gekozen lezing", "X-G32-reading": "G32-lezing",
                  "X-G32-mean-A": "G32-gemiddelde A", "X-G32-mean-B": "G32-gemiddelde B",
                  "X-G32-split-A": "G32-verdeling A", "X-G32-split-B": "G32-verdeling B",
                  "X-G32-split-C": "G32-verdeling C", "X-base-sizes": "basisgroottes",
                  "X-composition-base": "basis samenstelling", "X-discipline-rank": "rang disciplines",
                  "X-goal-ranks": "rang doelen", "X-mean-base": "basis gemiddelde",
                  "X-prevalence-categories": "categorieën teams", "X-rotterdam-max": "Rotterdam het hoogst",
                  "X-support-base": "basis ondersteuning", "X-team-type": "teamtype",
                  "X-work-income": "werk en inkomen", "X-quotes": "citaten en andere peilingen"}


#: Dutch names of the codebook's universes (who was asked), for the audit's universe checks on pages.
UNIVERSES_NL = {"invited": "uitgenodigde gemeenten", "respondents": "respondenten",
                "with_teams": "gemeenten met teams", "work_income_tasks": "teams met taken in werk en inkomen",
                "broad_integral_teams": "gemeenten met een breed integraal team",
                "with_or_planning_teams": "gemeenten met of in voorbereiding van teams"}


def universe_nl(name: str) -> str:
    """The Dutch name of a universe (unknown names spelled without underscores)."""
    return UNIVERSES_NL.get(str(name), str(name).replace("_", " "))


def check_name_nl(code: str) -> str:
    """The Dutch name of an audit check on a page (``X-reading-3`` -> ``lezing 3``); finding ids stay."""
    code = str(code)
    if code in CHECK_NAMES_NL:
        return CHECK_NAMES_NL[code]
    if m := re.fullmatch(r"X-reading-(\d+)", code):
        return f"lezing {m.group(1)}"
    if m := re.fullmatch(r"X-universe-(.+)", code):
        return "populatie " + universe_nl(m.group(1))
    if m := re.fullmatch(r"X-panel-(.+)", code):
        return f"overlap met een eerdere peiling ({m.group(1)})"
    if m := re.fullmatch(r"X-involvement-(.+)", code):
        return "betrokkenheid " + m.group(1).replace("clientenorganisaties", "cliëntenorganisaties")
    return code[2:].replace("-", " ") if code.startswith("X-") else code


def audit_table_nl(audit: pd.DataFrame, kind: str | None = "cross-check") -> pd.DataFrame:
    """The audit rows of one ``kind`` (None: all) for reading: Dutch texts, Dutch statuses and Dutch headers."""
    rows = audit if kind is None else audit[audit["kind"] == kind]
    out = rows[list(HEADERS_NL)].copy()
    out["finding_id"] = out["finding_id"].map(check_name_nl)
    out["status"] = out["status"].map(STATUS_NL).fillna(out["status"])
    for col in ("feasible", "toelichting"):
        out[col] = out[col].map(feasible_nl, na_action="ignore")
    return out.rename(columns=HEADERS_NL).reset_index(drop=True)


#: English fragments of the ``feasible`` column and their Dutch wording, longest first (the CSV keeps English).
_FEASIBLE_NL = sorted({
    "needs ≥ 5 goals in the questionnaire (one unpublished goal shares 4th place)":
        "vraagt ≥ 5 doelen in de vragenlijst (een ongepubliceerd doel deelt de 4e plaats)",
    "strictly above every other published discipline for": "hoger dan elke andere gepubliceerde discipline bij",
    "per municipality: feasible; per team": "per gemeente: haalbaar; per team",
    "municipalities < 20.000 inhabitants invited": "gemeenten met minder dan 20.000 inwoners uitgenodigd",
    "municipalities ticking ≥ 2 forms": "gemeenten met twee of meer vormen",
    "G32 total teams by g and base": "totaal aantal teams in de G32 naar g en basis",
    "the other K − 1 municipalities share": "de overige K − 1 gemeenten delen",
    "all other respondents ≤ value − 1": "alle andere respondenten ≤ waarde − 1",
    "G32 respondents without teams": "G32-respondenten zonder teams",
    "responding G32 members": "responderende G32-leden",
    "(all with teams)": "(allen met teams)",
    "every other team type": "elk ander teamtype",
    "every other discipline": "elke andere discipline",
    "G4 respondents": "G4-respondenten",
    "competition rank": "gedeelde rangplaats",
    "all respondents": "alle respondenten",
    "feasible under": "haalbaar onder",
    "feasible: reading": "haalbaar: lezing",
    "municipalities": "gemeenten",
    "respondents": "respondenten",
    "with teams": "met teams",
    "all within": "alle binnen de grenzen",
    "fits for": "past bij",
    "feasible": "haalbaar",
    "(all)": "(alle)",
    "reading": "lezing",
    "splits)": "verdelingen)",
    "split)": "verdeling)",
    "each": "per gemeente",
    "others": "overige",
    "forms": "vormen",
    "rest": "overig",
    "base": "basis",
    "none": "geen",
}.items(), key=lambda kv: -len(kv[0]))


def feasible_nl(text: str) -> str:
    """The ``feasible`` text of an audit row in Dutch words for a Dutch page: sets as "a of b" instead of
    ``{a, b}``, "=" instead of "∈", decimal commas, Dutch terms (the English text stays in the CSV)."""
    out = str(text)
    for en, nl in _FEASIBLE_NL:
        out = re.sub(rf"(?<![\w-]){re.escape(en)}(?![\w-])", nl, out)
    out = re.sub(r"\{([^{}]*)\}", lambda m: " of ".join(m.group(1).rsplit(", ", 1)).replace(", ", ", "), out)
    out = out.replace(" ∈ ", " = ")
    return re.sub(r"(?<=\d)\.(?=\d{1,2}(?!\d))", ",", out)


def _span(values: list[int]) -> str:
    """``176–191`` (or one number) for a list of integers; every sentence states the wave's own figures."""
    if not values:
        return "?"
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def audit_markdown(audit: pd.DataFrame, lang: str = "nl") -> str:
    """A short Markdown summary of an audit table for the notebook (``lang`` "nl" or "en")."""
    if lang not in _TEXT:
        raise ValueError(f"lang must be one of {', '.join(_TEXT)}")
    t = _TEXT[lang]
    counts = audit["status"].value_counts()
    lines = [f"### {t['title']}", "", t["counts"].format(
        n=len(audit), c=counts.get("consistent", 0), a=counts.get("ambiguous", 0),
        i=counts.get("inconsistent", 0), r=counts.get("reference", 0),
        x=t["rejected"].format(x=counts["rejected"]) if counts.get("rejected", 0) else "")]
    bad = audit.loc[audit["status"] == "inconsistent", "finding_id"].tolist()
    lines += ["", t["some_inconsistent"].format(ids=", ".join(bad)) if bad else t["none_inconsistent"]]
    nl = lang == "nl"
    rd = audit[audit["finding_id"] == "X-readings"]
    if not rd.empty:
        r = rd.iloc[0]
        total = int((audit["finding_id"].str.match(r"^X-reading-\d+$")).sum())
        why = feasible_nl(str(r["toelichting"])) if nl else str(r["note"])
        if str(r["lezing"] if nl else r["reading"]):
            lines += ["", t["readings"].format(feasible=int(r["n_solutions"]), total=total,
                                               reading=r["lezing"] if nl else r["reading"], why=why)]
        else:
            lines += ["", t["no_reading"].format(total=total, why=why)]
    if (audit["finding_id"] == "X-G32-split-A").any():
        split = audit[audit["finding_id"] == "X-G32-split-A"].iloc[0]
        one = "precies één" in str(split["toelichting"]) or "exactly one" in str(split["note"])
        reading = audit[audit["finding_id"] == "X-G32-reading"]
        detail = "" if reading.empty else str(reading["toelichting" if nl else "note"].iloc[0])
        lines += ["", t["g32"].format(gs=fmt_set(g32_feasible(audit, "A")), one=t["one"] if one else "",
                                      detail=detail).rstrip()]
    mb = audit[audit["finding_id"] == "X-mean-base"]
    if not mb.empty:
        detail = mb["toelichting"].iloc[0] if lang == "nl" and "toelichting" in mb.columns else mb["feasible"].iloc[0]
        r = mb.iloc[0]
        value = str(r["value"]).replace(".", ",") if lang == "nl" else str(r["value"])
        reading = r["lezing"] if lang == "nl" and "lezing" in mb.columns else r["reading"]
        verdict = t["mean_ambiguous" if r["status"] == "ambiguous" else "mean_one" if r["status"] == "consistent"
                    else "mean_none"].format(value=value, reading=reading)
        lines += ["", t["mean"].format(value=value, verdict=verdict, detail=detail)]
    amb = audit[(audit["status"] == "ambiguous") & (audit["kind"] == "cross-check")]
    if not amb.empty:
        col = "lezing" if lang == "nl" and "lezing" in audit.columns else "reading"
        readings = [("" if pd.isna(x) else str(x)) for x in amb[col]]
        names = [check_name_nl(f) if lang == "nl" else str(f) for f in amb["finding_id"]]
        lines += ["", t["ambiguous"].format(items="; ".join(
            f"{fid} ({rd})" if rd else str(fid) for fid, rd in zip(names, readings, strict=True)))]
    inv = audit[audit["finding_id"].str.startswith("X-involvement")]
    if not inv.empty:
        sums = [int(v) for v in inv["value"].str.extract(r"(\d+)")[0].dropna()]
        bases = [int(b) for b in inv["base"] if str(b).isdigit()]
        bad = inv.loc[inv["status"] == "inconsistent", "finding_id"].tolist()
        verdict = t["inv_bad"].format(ids=", ".join(bad)) if bad else t["inv_ok"]
        lines += ["", t["inv"].format(sums=_span(sums), bases=_span(bases), verdict=verdict)]
    return "\n".join(lines) + "\n"
