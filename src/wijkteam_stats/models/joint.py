"""Joint inference over the six resident groups: one question ("does involvement change with size?"), not
six separate tests.

Stacked logit (:func:`fit_stacked_logit`)
    One row per (municipality, group) with an answered outcome; a separate intercept per group and either
    one common size slope (``common``) or one slope per group (``separate``). Rows of one municipality are
    not independent (one informant answers all six groups), so the covariance is the **cluster-robust
    sandwich with the municipality as cluster** (:func:`cluster_sandwich`, CR1 as in Stata and statsmodels:
    ``G/(G-1) · (N-1)/(N-K)``). From the separate-slopes model: the Wald test that all six slopes are equal
    (**5 degrees of freedom**: six slopes, five restrictions) and the Wald test that all six are 0 (6 df).

Multiplicity (:func:`holm_table`, :func:`holm_adjust`)
    Holm's step-down adjustment of the six per-group p-values (statsmodels ``multipletests``), each time of
    the p-values of the inference it stands beside: ``holm_table`` adjusts the per-group fits' own p-values
    (HC3 Wald, or Firth's penalised LR), the stacked table adjusts its own CR1 p-values of the six slopes.

Detectable effects on a readable scale (:func:`detectable_pp`)
    Every odds ratio per doubling translated into the difference in percentage points between a
    municipality of 20 000 and one of 100 000 inhabitants, with the intercept calibrated so that the mean
    probability over the group's base equals its observed share.

The pooled answered-groups index
    The common-slope stacked logit is the pooled index "groups involved out of groups answered" with a
    separate intercept per group: a municipality that left a rarely-involved group unanswered is not
    compared with one that answered it as if all groups were alike (the single-intercept
    ``binomial_answered_index`` does that and is kept only as a sensitivity check).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from wijkteam_stats.models.fits import CONFIDENCE, Z95, Fit
from wijkteam_stats.models.frame import (
    CENTRE_POPULATION,
    SIZE_TERM,
    any_involvement,
    group_codes,
)
from wijkteam_stats.models.power import GroupDesign, calibrated_intercept

#: Populations between which a detectable OR is translated into percentage points.
PP_LOW, PP_HIGH = 20_000, 100_000


def cluster_sandwich(X: np.ndarray, resid: np.ndarray, weights: np.ndarray, clusters: Sequence,
                     correction: bool = True) -> np.ndarray:
    """Cluster-robust covariance of a canonical-link GLM: bread (X'WX)^-1, meat sum over clusters of the
    outer product of the cluster's score sum X_c' e_c; with ``correction`` the CR1 factor
    G/(G-1) · (N-1)/(N-K)."""
    X = np.asarray(X, dtype=float)
    n, k = X.shape
    bread = np.linalg.inv(X.T @ (X * np.asarray(weights, dtype=float)[:, None]))
    codes, inv = np.unique(np.asarray(clusters), return_inverse=True)
    scores = X * np.asarray(resid, dtype=float)[:, None]
    sums = np.zeros((len(codes), k))
    np.add.at(sums, inv, scores)
    cov = bread @ (sums.T @ sums) @ bread
    if correction:
        g = len(codes)
        cov *= g / (g - 1) * (n - 1) / (n - k)
    return cov


def stacked_frame(frame: pd.DataFrame, groups: Sequence[str] | None = None) -> pd.DataFrame:
    """Long format: one row per respondent with teams and answered group (gm_code, group, y, population,
    log2_population)."""
    parts = []
    for g in groups or group_codes():
        y = any_involvement(frame, g)
        keep = y.notna().to_numpy()
        parts.append(pd.DataFrame({
            "gm_code": frame.loc[keep, "gm_code"].astype(str).to_numpy(), "group": g,
            "y": y[keep].astype(float).to_numpy(),
            "population": frame.loc[keep, "population"].astype(float).to_numpy(),
            SIZE_TERM: frame.loc[keep, SIZE_TERM].to_numpy(dtype=float),
        }))
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class StackedFit:
    """A stacked logit: parameter names, estimates, cluster-robust covariance, n rows and clusters."""

    kind: str
    terms: tuple[str, ...]
    params: np.ndarray
    cov: np.ndarray
    n: int
    n_clusters: int
    converged: bool
    loglike: float

    def coef(self, term: str) -> float:
        return float(self.params[self.terms.index(term)])

    def se(self, term: str) -> float:
        i = self.terms.index(term)
        return float(np.sqrt(self.cov[i, i]))

    def ci(self, term: str) -> tuple[float, float]:
        b, s = self.coef(term), self.se(term)
        return (b - Z95 * s, b + Z95 * s)


def _design(long: pd.DataFrame, groups: Sequence[str], kind: str) -> tuple[np.ndarray, list[str]]:
    g = long["group"].to_numpy()
    x = long[SIZE_TERM].to_numpy(dtype=float)
    cols, names = [], []
    for grp in groups:
        cols.append((g == grp).astype(float))
        names.append(f"intercept[{grp}]")
    if kind == "common":
        cols.append(x)
        names.append(SIZE_TERM)
    elif kind == "separate":
        for grp in groups:
            cols.append((g == grp) * x)
            names.append(f"{SIZE_TERM}[{grp}]")
    else:
        raise ValueError("kind must be 'common' or 'separate'")
    return np.column_stack(cols), names


def fit_stacked_logit(frame: pd.DataFrame, kind: str = "common", groups: Sequence[str] | None = None,
                      long: pd.DataFrame | None = None) -> StackedFit:
    """The stacked logit over the groups (group intercepts; a ``common`` or ``separate`` size slope) with
    municipality-clustered CR1 standard errors."""
    import statsmodels.api as sm

    groups = list(groups or group_codes())
    long = stacked_frame(frame, groups) if long is None else long
    long = long[long["group"].isin(groups)]
    X, names = _design(long, groups, kind)
    y = long["y"].to_numpy(dtype=float)
    res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
    mu = np.asarray(res.mu)
    cov = cluster_sandwich(X, y - mu, mu * (1 - mu), long["gm_code"].to_numpy())
    return StackedFit(kind, tuple(names), np.asarray(res.params), cov, len(y), long["gm_code"].nunique(),
                      bool(res.converged), float(res.llf))


def wald_test(params: np.ndarray, cov: np.ndarray, R: np.ndarray, r: np.ndarray | None = None
              ) -> tuple[float, int, float]:
    """Wald test of R b = r: (chi2, df, p)."""
    R = np.atleast_2d(np.asarray(R, dtype=float))
    r = np.zeros(R.shape[0]) if r is None else np.asarray(r, dtype=float)
    d = R @ params - r
    chi2 = float(d @ np.linalg.solve(R @ cov @ R.T, d))
    df = int(np.linalg.matrix_rank(R))
    return chi2, df, float(stats.chi2.sf(chi2, df))


def slope_tests(sep: StackedFit) -> pd.DataFrame:
    """From the separate-slopes stacked fit: equal slopes (df = groups - 1) and all slopes zero (df = groups)."""
    idx = [i for i, t in enumerate(sep.terms) if t.startswith(f"{SIZE_TERM}[")]
    m = len(idx)
    k = len(sep.params)
    R_eq = np.zeros((m - 1, k))
    for j in range(m - 1):
        R_eq[j, idx[j]] = 1.0
        R_eq[j, idx[j + 1]] = -1.0
    R_zero = np.zeros((m, k))
    for j, i in enumerate(idx):
        R_zero[j, i] = 1.0
    rows = []
    for name, R in (("gelijke hellingen", R_eq), ("alle hellingen 0", R_zero)):
        chi2, df, p = wald_test(sep.params, sep.cov, R)
        rows.append({"test": name, "chi2": chi2, "df": df, "p_value": p, "n_rows": sep.n,
                     "n_clusters": sep.n_clusters})
    return pd.DataFrame(rows)


def joint_table(frame: pd.DataFrame, groups: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """The joint analysis: ``stacked`` (common size OR with CI, per-group slopes of the separate model) and
    ``slope_tests`` (equal slopes, 5 df for six groups; all zero, 6 df)."""
    groups = list(groups or group_codes())
    long = stacked_frame(frame, groups)
    common = fit_stacked_logit(frame, "common", groups, long)
    sep = fit_stacked_logit(frame, "separate", groups, long)
    rows = []
    for label, f, term in [("gemeenschappelijk", common, SIZE_TERM),
                           *[(g, sep, f"{SIZE_TERM}[{g}]") for g in groups]]:
        b, s = f.coef(term), f.se(term)
        lo, hi = f.ci(term)
        rows.append({"model": f"stacked_{f.kind}", "group": label, "term": term, "estimate": b, "std_error": s,
                     "odds_ratio": math.exp(b), "or_low": math.exp(lo), "or_high": math.exp(hi),
                     "p_value": float(2 * stats.norm.sf(abs(b / s))), "n_rows": f.n, "n_clusters": f.n_clusters})
    stacked = pd.DataFrame(rows)
    # Holm over the six per-group slopes of the separate-slopes model, from the same CR1 Wald p-values
    sep_rows = (stacked["model"] == "stacked_separate").to_numpy()
    stacked["p_holm"] = np.nan
    stacked.loc[sep_rows, "p_holm"] = holm_adjust(stacked.loc[sep_rows, "p_value"].to_numpy(dtype=float))
    stacked["inference"] = "Wald z, CR1 (geclusterd per gemeente)"
    return {"stacked": stacked, "slope_tests": slope_tests(sep)}


def holm_adjust(p_values: Sequence[float], alpha: float = 1 - CONFIDENCE) -> np.ndarray:
    """Holm's step-down adjusted p-values (statsmodels ``multipletests``); NaN entries stay NaN and do not
    count in the family."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], alpha=alpha, method="holm")[1]
    return out


def holm_table(fits: Sequence[Fit], alpha: float = 1 - CONFIDENCE) -> pd.DataFrame:
    """Per group the size effect's p-value and Holm's adjusted p-value over the groups, with the rejection at
    ``alpha`` before and after adjustment. The p-value is the fit's own (:meth:`Fit.p_value`: Wald z with the
    fit's robust SE, or the penalised likelihood-ratio p of a Firth fit), so the adjusted p comes from the
    same inference as the coefficient and interval it stands beside (``inference`` names it)."""
    prim = [f for f in fits if f.model == "logit_size"]
    rows = []
    for f in prim:
        if f.estimable:
            rows.append({"group": f.outcome, "odds_ratio": math.exp(f.coef(SIZE_TERM)),
                         "p_value": f.p_value(SIZE_TERM), "method": f.method,
                         "inference": "penalised LR" if f.profile_p else f"Wald z, {f.cov_type}"})
        else:
            rows.append({"group": f.outcome, "odds_ratio": math.nan, "p_value": math.nan, "method": f.method,
                         "inference": ""})
    out = pd.DataFrame(rows, columns=["group", "odds_ratio", "p_value", "method", "inference"])
    out["p_holm"] = holm_adjust(out["p_value"].to_numpy(dtype=float), alpha)
    out["significant"] = out["p_value"] < alpha
    out["significant_holm"] = out["p_holm"] < alpha
    return out


def pp_difference(design: GroupDesign, odds_ratio: float, low: float = PP_LOW, high: float = PP_HIGH) -> float:
    """Percentage points between a municipality of ``high`` and one of ``low`` inhabitants for a true OR per
    doubling, with the intercept calibrated to the group's observed share over its base."""
    if not (np.isfinite(odds_ratio) and odds_ratio > 0):
        return math.nan
    beta = math.log(odds_ratio)
    a = calibrated_intercept(design.x, design.share, beta)
    xl, xh = math.log2(low / CENTRE_POPULATION), math.log2(high / CENTRE_POPULATION)
    return float(100 * (expit(a + beta * xh) - expit(a + beta * xl)))


def detectable_pp(mdor: pd.DataFrame, designs: Sequence[GroupDesign], alpha: float | None = None) -> pd.DataFrame:
    """The minimum-detectable-OR table with a column ``pp_20k_100k``: each detectable OR as the difference in
    percentage points between 20 000 and 100 000 inhabitants (and the test level ``alpha`` when given)."""
    by = {d.group: d for d in designs}
    out = mdor.copy()
    if alpha is not None:
        out["alpha"] = float(alpha)
    out["pp_20k_100k"] = [pp_difference(by[g], v) if g in by else math.nan
                          for g, v in zip(out["group"], out["min_detectable_or"], strict=True)]
    return out

