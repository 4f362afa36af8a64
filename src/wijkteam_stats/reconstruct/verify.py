"""Re-check a municipality-level table against every published figure of its wave (the generator's own check).

Independent of the generator: shares are computed from the tidy table (item non-response excluded), the
G32 split from the register flags under the chosen reading, and each figure is compared through
:mod:`wijkteam_stats.reproduce.tolerances`. The reproduction scorecard does the same for the report; this check
guards the generator (it refuses to ship a file that misses a figure).
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from wijkteam_stats.reconstruct.params import ReconstructionParams
from wijkteam_stats.reference.codebook import Codebook, load_codebook
from wijkteam_stats.reproduce.tolerances import VERBAL_MAJORITY, competition_ranks, small_share_holds, within


def _share(col: pd.Series, equals: object, mask: pd.Series) -> tuple[int, int]:
    s = col[mask]
    s = s[s.notna()]
    hit = (s == equals) if equals is not None else s.astype(bool)
    return int(hit.sum()), int(len(s))


def verify_tidy(tidy: pd.DataFrame, published: pd.DataFrame, register: pd.DataFrame,
                params: ReconstructionParams | None = None, codebook: Codebook | None = None,
                wave: int | None = None) -> pd.DataFrame:
    """One row per published figure of the wave: finding_id, estimate, numerator, base, ok, note."""
    params = params or ReconstructionParams()
    wave = int(wave if wave is not None else tidy["wave"].iloc[0])
    cb = (codebook or load_codebook()).for_wave(wave)
    reg = register.set_index("gm_code")
    group_flag = reg["g32"] | (reg["g4"] if params.g32_reading == "network_plus_g4" else False)
    df = tidy.copy()
    df["_group"] = df["gm_code"].map(group_flag).astype(bool)
    df["_pop"] = df["gm_code"].map(reg["population"]).astype(float)
    with_teams = df["has_teams"] == "ja"
    universes = {
        "respondents": pd.Series(True, index=df.index),
        "with_teams": with_teams,
        "work_income_tasks": with_teams & df["work_income_tasks"].fillna(False).astype(bool),
        "broad_integral_teams": with_teams & df["team_type__breed_integraal"].fillna(False).astype(bool),
    }
    rows = []
    pub = published[published["wave"] == wave]
    for r in pub.itertuples():
        est: Fraction | None = None
        k = b = None
        ok = False
        note = ""
        if r.variable == "n_respondents":
            est = Fraction(len(df))
        elif r.variable == "response_rate":
            k, b = len(df), len(register)
            est = Fraction(100 * k, b)
        elif r.variable == "n_teams":
            teams = df["n_teams"]
            if r.statistic == "count" and r.breakdown == "all":
                est = Fraction(int(teams.sum()))
            elif r.statistic == "count":
                sel = teams[df["gm_code"] == r.breakdown]
                est = Fraction(int(sel.iloc[0])) if len(sel) and pd.notna(sel.iloc[0]) else None
            elif r.statistic == "rank":
                t = teams.fillna(0).astype(int)
                cities = pub.loc[(pub["variable"] == "n_teams") & pub["breakdown"].str.startswith("GM"), "breakdown"]
                code = r.breakdown if str(r.breakdown).startswith("GM") else (cities.iloc[0] if len(cities) else "")
                top = t[df["gm_code"] == code]
                ok = len(top) == 1 and int((t >= int(top.iloc[0])).sum()) == 1
                note = "unique maximum"
            elif r.statistic == "mean":
                mask = df["_group"] if r.breakdown == "G32" else pd.Series(True, index=df.index)
                total = int(teams[mask].fillna(0).sum())
                bases = {"respondents": int(mask.sum()), "with_teams": int((mask & with_teams).sum())}
                use = params.g32_mean_bases if r.breakdown == "G32" else ("respondents", "with_teams")
                oks = [within(Fraction(total, bases[u]), r.value, r.qualifier, "mean") for u in use]
                ok = all(oks)
                est = Fraction(total, bases[use[0]])
                k, b = total, bases[use[0]]
                note = ", ".join(f"{u}: {total}/{bases[u]} = {total / bases[u]:.2f}" for u in use)
        elif r.variable == "explicitly_no_teams" and r.statistic == "verbal":
            pops = df.loc[df["has_teams"] == "nee_bewuste_keuze", "_pop"].astype(int).tolist()
            ok = small_share_holds(pops)
            note = f"{sum(p < 20_000 for p in pops)} of {len(pops)} small"
        elif r.statistic == "rank":
            ind = cb.indicator(r.variable, r.category, r.breakdown)
            base = universes["with_teams"]
            counts = {s: int(df.loc[base, s].fillna(False).astype(bool).sum()) for s in ind.siblings}
            ranks = competition_ranks(counts)
            ok = ranks[ind.column] == int(r.value)
            if r.topic == "team_type":
                ok = ok and Fraction(counts[ind.column], int(base.sum())) > VERBAL_MAJORITY
            tied = sum(1 for v in counts.values() if v == counts[ind.column]) - 1
            if r.qualifier == "exact":
                ok = ok and tied == 0
            if ind.column in dict(params.rank_tie_partners):
                ok = ok and tied == 1  # 'gedeelde vierde plaats': shared with exactly one other option
            note = f"rank {ranks[ind.column]}"
        elif r.statistic == "percent":
            ind = cb.indicator(r.variable, r.category, r.breakdown)
            if r.variable == "has_teams" and r.breakdown in ("G32", "non-G32"):
                mask = df["_group"] if r.breakdown == "G32" else ~df["_group"]
            elif r.variable == "involvement":
                mask = universes["with_teams"]
            else:
                mask = universes[r.universe]
            k, b = _share(df[ind.column], ind.equals if ind.equals is not True else None, mask)
            if pd.notna(r.base_n) and int(r.base_n) != b:
                note = f"base {b} != published {int(r.base_n)}"
            else:
                est = Fraction(100 * k, b) if b else None
        if est is not None and r.statistic not in ("rank", "verbal") and not (r.variable == "n_teams"
                                                                                  and r.statistic == "mean"):
            ok = within(est, r.value, r.qualifier, r.statistic)
        rows.append({"finding_id": r.finding_id, "estimate": None if est is None else float(est),
                     "numerator": k, "base": b, "ok": bool(ok), "note": note})
    return pd.DataFrame(rows)
