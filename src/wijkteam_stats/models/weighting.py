"""Non-response weights for the respondents: post-stratification (and raking) to the CBS register.

The respondents are not a random sample of the municipalities: large municipalities and the G32 answer
more often. Post-stratification treats the response within a cell of size class × G32 membership as
random (missing at random given the cell) and gives each respondent the weight ``N_cell / n_cell``, so
that the weights add up to the number of municipalities in the register.

Cells (:func:`poststrata`) are the observed combinations of the coarse size class (4 classes) and G32
membership on the register's date (G32 without the G4; the G4 sit in the "≥ 100.000, not G32" cell). A
cell with fewer than ``min_respondents`` respondents is merged with its nearest cell: first the other
G32 stratum of the same size class, then the neighbouring size class (distance: 2 per size-class step,
1 for a different G32 stratum; ties go to the smaller class). The merges are listed in the cell table.

Variance of a weighted share (:func:`weighted_proportion`): the post-strata are treated as strata of a
stratified simple random sample without replacement (the usual conditional variance of a
post-stratified estimator); a share over a sub-population or with item non-response is a ratio
estimator and is linearised: u_i = d_i (y_i - p) / N_d. The finite-population correction (1 - n_h/N_h)
**is applied** by default, because the respondents are about 60 % of all municipalities; it assumes
that, within a cell, the respondents behave like a random draw from the municipalities of that cell.
For a post-stratum the factor (1 - n_h/N_h) with the sample variance s² (divisor n_h - 1) is the exact
SRSWOR variance; the unweighted shares beside them are given both ways (Wilson without, and Wilson with the
project's one FPC rule, :func:`wilson_fpc` = ``estimators.wilson_fpc_interval``, factor (N - n)/(N - 1),
the exact SRSWOR factor for p(1 - p)/n), so that weighting does not seem to buy the precision that the FPC gives
(:func:`headline_table`). Regression parameters are superpopulation quantities and carry no FPC.
Intervals are on the logit scale (as ``svyciprop(method="logit")`` in R's survey package), so they
stay inside 0-100 %. Unweighted shares carry Wilson intervals (:mod:`wijkteam_stats.reproduce.estimators`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from wijkteam_stats.models.frame import any_involvement, group_labels, with_teams
from wijkteam_stats.reference import municipalities
from wijkteam_stats.reproduce.estimators import proportion_from_counts, wilson_fpc_interval

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Weights:
    """Post-stratification weights (indexed like the respondent frame) with their cells."""

    weights: pd.Series
    cell: pd.Series
    cells: pd.DataFrame
    population_size: int


def _cell_label(size_class: str, g32: bool) -> str:
    return f"{size_class} | {'G32' if g32 else 'niet-G32'}"


def poststrata(register: pd.DataFrame, respondents: pd.Series, min_respondents: int = 3) -> pd.DataFrame:
    """The post-stratification cells: one row per register municipality with its (possibly merged)
    ``cell`` label; respondents are given as a boolean Series aligned with the register rows."""
    if min_respondents < 2:
        raise ValueError("min_respondents must be at least 2 (a cell variance needs two respondents)")
    reg = register.reset_index(drop=True)
    labels = list(municipalities.SIZE_CLASS_LABELS)
    size_idx = reg["size_class"].astype("string").map({lab: i for i, lab in enumerate(labels)})
    if size_idx.isna().any():
        raise ValueError(f"register rows without a size class: {reg.loc[size_idx.isna(), 'gm_code'].tolist()[:5]}")
    g32 = reg["g32"].astype(bool).to_numpy()
    resp = np.asarray(respondents, dtype=bool)
    base = [(int(s), bool(g)) for s, g in zip(size_idx, g32, strict=True)]
    members: dict[tuple[int, bool], set[tuple[int, bool]]] = {k: {k} for k in sorted(set(base))}
    merges: list[str] = []

    def counts(cell_members: set[tuple[int, bool]]) -> tuple[int, int]:
        mask = np.array([b in cell_members for b in base])
        return int(mask.sum()), int((mask & resp).sum())

    while True:
        small = [k for k, m in members.items() if counts(m)[1] < min_respondents]
        if not small:
            break
        if len(members) == 1:
            raise ValueError(f"only {counts(next(iter(members.values())))[1]} respondents in all; "
                             f"cannot form cells of {min_respondents}")
        k = small[0]

        def distance(other: tuple[int, bool], k: tuple[int, bool] = k) -> tuple[int, int, bool]:
            d = min(2 * abs(a[0] - b[0]) + (a[1] != b[1]) for a in members[k] for b in members[other])
            return (d, min(b[0] for b in members[other]), min(b[1] for b in members[other]))

        target = min((o for o in members if o != k), key=distance)
        merges.append(f"{_describe(members[k], labels)} -> {_describe(members[target], labels)}")
        members[target] = members[target] | members.pop(k)
    cell_of, rank_of = {}, {}
    for m in members.values():
        label = _describe(m, labels)
        for b in m:
            cell_of[b] = label
            rank_of[b] = min(m)[0] * 2 + int(min(m)[1])
    out = pd.DataFrame({"gm_code": reg["gm_code"].to_numpy(), "cell": [cell_of[b] for b in base],
                        "cell_order": [rank_of[b] for b in base], "respondent": resp})
    out.attrs["merges"] = merges
    return out


def _describe(m: set[tuple[int, bool]], labels: Sequence[str]) -> str:
    return " + ".join(_cell_label(labels[s], g) for s, g in sorted(m))


def poststratify(frame: pd.DataFrame, register: pd.DataFrame, min_respondents: int = 3) -> Weights:
    """Post-stratification weights N_cell / n_cell for the respondents in ``frame`` (joined on gm_code)."""
    codes = frame["gm_code"].astype("string")
    unknown = ~codes.isin(register["gm_code"])
    if unknown.any():
        raise ValueError(f"respondents not in the register: {codes[unknown].tolist()[:5]}")
    if codes.duplicated().any():
        raise ValueError(f"duplicate respondents: {codes[codes.duplicated()].tolist()[:5]}")
    resp = register["gm_code"].isin(codes).to_numpy()
    cells = poststrata(register, pd.Series(resp), min_respondents)
    table = cells.groupby("cell", sort=False).agg(order=("cell_order", "min"), N=("gm_code", "size"),
                                                  n=("respondent", "sum")).reset_index()
    table["n"] = table["n"].astype(int)
    table["weight"] = table["N"] / table["n"]
    table["response_rate"] = table["n"] / table["N"]
    table = table.sort_values("order", kind="stable").drop(columns="order").reset_index(drop=True)
    table.attrs["merges"] = cells.attrs["merges"]
    cell = codes.map(dict(zip(cells["gm_code"], cells["cell"], strict=True)))
    w = cell.map(dict(zip(table["cell"], table["weight"], strict=True))).astype(float)
    w.index = frame.index
    cell.index = frame.index
    return Weights(w.rename("weight"), cell.astype("string").rename("cell"), table, int(len(register)))


def rake(frame: pd.DataFrame, register: pd.DataFrame, margins: Sequence[str] = ("size_class", "g32"),
         tol: float = 1e-10, max_iter: int = 1000) -> pd.Series:
    """Raking (iterative proportional fitting) weights whose totals match the register on each margin."""
    w = np.ones(len(frame))
    reg_levels = {m: register[m].astype("string") for m in margins}
    own = {m: frame[m].astype("string").to_numpy() for m in margins}
    targets = {m: reg_levels[m].value_counts() for m in margins}
    for m in margins:
        missing = set(targets[m].index) - set(own[m])
        if missing:
            raise ValueError(f"margin {m!r}: no respondents in {sorted(missing)}; collapse levels first")
    for _ in range(max_iter):
        worst = 0.0
        for m in margins:
            for level, total in targets[m].items():
                sel = own[m] == level
                cur = w[sel].sum()
                worst = max(worst, abs(cur - total) / total)
                w[sel] *= total / cur
        if worst < tol:
            return pd.Series(w, index=frame.index, name="weight")
    raise RuntimeError(f"raking did not converge in {max_iter} iterations")


def kish_ess(weights: Sequence[float]) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.sum(w**2))


def weight_summary(weights: pd.Series) -> dict[str, float]:
    """n, sum, min, max, max/min ratio, Kish effective sample size and Kish design effect n / n_eff."""
    w = weights.to_numpy(dtype=float)
    ess = kish_ess(w)
    return {"n": int(len(w)), "sum": float(w.sum()), "min": float(w.min()), "max": float(w.max()),
            "ratio": float(w.max() / w.min()), "kish_ess": ess, "deff_kish": float(len(w) / ess)}


@dataclass(frozen=True)
class WeightedShare:
    """A weighted share (0-1) with its linearisation SE and logit-scale 95 % interval."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float


def weighted_proportion(y: pd.Series, w: Weights, fpc: bool = True) -> WeightedShare:
    """Post-stratified share of True in ``y`` (nullable boolean aligned with the respondents; NA is out of
    the domain) with a stratified-SRSWOR linearisation variance (with fpc by default)."""
    yv = y.astype("boolean")
    d = yv.notna().to_numpy()
    yy = yv.fillna(False).to_numpy(dtype=float)
    wt = w.weights.to_numpy(dtype=float)
    nd = float(np.sum(wt * d))
    if nd == 0:
        return WeightedShare(math.nan, math.nan, math.nan, math.nan, 0, math.nan)
    p = float(np.sum(wt * d * yy) / nd)
    u = d * (yy - p) / nd
    var = 0.0
    cells = w.cell.to_numpy()
    sizes = dict(zip(w.cells["cell"], w.cells["N"], strict=True))
    for c in np.unique(cells):
        sel = cells == c
        n_h = int(sel.sum())
        N_h = float(sizes[c])
        if n_h < 2:
            continue
        f = n_h / N_h if fpc else 0.0
        var += N_h**2 * (1 - f) * np.var(u[sel], ddof=1) / n_h
    se = math.sqrt(var)
    lo, hi = _logit_ci(p, se)
    return WeightedShare(p, se, lo, hi, int(d.sum()), kish_ess(wt[d]))


def wilson_fpc(k: int, n: int, N: float) -> tuple[float, float]:
    """Wilson interval (as fractions) of k out of n drawn without replacement from N: the project's one
    finite-population interval (:func:`wijkteam_stats.reproduce.estimators.wilson_fpc_interval`, variance
    times (N - n) / (N - 1)). N = inf gives the ordinary Wilson interval; a census (n = N) the share itself."""
    lo, hi = wilson_fpc_interval(k, n, N if np.isfinite(N) and N > 0 else math.inf)
    return (lo / 100, hi / 100)


def _logit_ci(p: float, se: float) -> tuple[float, float]:
    if p <= 0 or p >= 1 or se == 0:
        return (p, p)
    lg = math.log(p / (1 - p))
    half = Z95 * se / (p * (1 - p))
    return (1 / (1 + math.exp(-(lg - half))), 1 / (1 + math.exp(-(lg + half))))


def headline_indicators(frame: pd.DataFrame) -> dict[str, tuple[str, str, pd.Series]]:
    """The headline percentages as name -> (Dutch label, universe, nullable-boolean Series)."""
    ht = frame["has_teams"].astype("string")
    out = {
        "has_teams": ("Werkt met sociale (wijk)teams", "respondenten", ht.eq("ja").astype("boolean")),
        "explicitly_no_teams": ("Kiest nadrukkelijk niet voor een wijkteam", "respondenten",
                                ht.eq("nee_bewuste_keuze").astype("boolean")),
    }
    for g, label in group_labels().items():
        out[f"any_involvement__{g}"] = (f"{label}: enige betrokkenheid", "gemeenten met teams",
                                        any_involvement(frame, g))
    if "needs_support_involving_residents" in frame.columns:
        out["needs_support_involving_residents"] = (
            "Behoefte aan ondersteuning bij betrekken bewoners", "respondenten",
            frame["needs_support_involving_residents"].astype("boolean"))
    return out


def headline_table(frame: pd.DataFrame, weights: Weights, raked: pd.Series | None = None,
                   fpc: bool = True) -> pd.DataFrame:
    """Unweighted (Wilson) and post-stratified (linearisation, logit CI) headline percentages side by
    side, with the Kish effective n of the weighted estimate and, optionally, the raked point estimate.

    Finite-population correction, consistently: a headline percentage describes THIS finite set of
    municipalities, so both its unweighted and its weighted interval are given with FPC
    (``*_unweighted_fpc``: the project's one FPC interval, Wilson at n (N - 1) / (N - n), N the register
    count, or for a sub-population the weighted estimate of its size over all its respondents, item
    non-response included; ``*_weighted``: with FPC when ``fpc``) and without
    (``*_unweighted``: plain Wilson; ``*_weighted_nofpc``). Compare like with like: the FPC columns
    with each other, the no-FPC columns with each other. Model parameters (odds ratios) describe the
    process behind the answers (a superpopulation) and carry no FPC."""
    rows = []
    for name, (label, universe, y) in headline_indicators(frame).items():
        yb = y.astype("boolean")
        n = int(yb.notna().sum())
        k = int(yb.fillna(False).sum())
        unw = proportion_from_counts(k, n)
        ws = weighted_proportion(yb, weights, fpc=fpc)
        ws0 = weighted_proportion(yb, weights, fpc=False)
        # N: the estimated number of municipalities the share is about (weight sum of the respondents in the
        # universe, also those who left this item open), not the weight sum of those who answered
        in_universe = (with_teams(frame).to_numpy(dtype=bool) if universe == "gemeenten met teams"
                       else np.ones(len(frame), dtype=bool))
        N_d = float(weights.weights.to_numpy(dtype=float)[in_universe].sum())
        lo_f, hi_f = wilson_fpc(k, n, N_d)
        row = {
            "indicator": name, "label": label, "universe": universe, "n": n, "k": k,
            "pct_unweighted": unw.percent, "ci_low_unweighted": unw.ci_low, "ci_high_unweighted": unw.ci_high,
            "ci_low_unweighted_fpc": 100 * lo_f, "ci_high_unweighted_fpc": 100 * hi_f,
            "pct_weighted": 100 * ws.estimate, "ci_low_weighted": 100 * ws.ci_low,
            "ci_high_weighted": 100 * ws.ci_high, "se_weighted": 100 * ws.std_error,
            "ci_low_weighted_nofpc": 100 * ws0.ci_low, "ci_high_weighted_nofpc": 100 * ws0.ci_high,
            "population_size": N_d, "sampling_fraction": n / N_d if N_d > 0 else math.nan, "n_eff": ws.n_eff,
        }
        if raked is not None:
            d = yb.notna().to_numpy()
            rw = raked.to_numpy(dtype=float)
            row["pct_raked"] = 100 * float(np.sum(rw[d] * yb.fillna(False).to_numpy(dtype=float)[d]) / rw[d].sum())
        row["difference_pp"] = row["pct_weighted"] - row["pct_unweighted"]
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = [
    "WeightedShare", "Weights", "headline_indicators", "headline_table", "kish_ess", "poststrata",
    "poststratify", "rake", "weight_summary", "weighted_proportion", "wilson_fpc",
]
