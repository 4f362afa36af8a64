"""What the data can say: design analysis (power) and known-truth recovery of the size effect.

Design analysis (:func:`power_curve`)
    Simulates the survey's real structure: for each resident group the populations of exactly the
    municipalities in that group's base (respondents with teams that answered the group, 176-191 in
    2015). For a true odds ratio per doubling ``OR``, the outcome is Bernoulli with
    ``p = expit(a + log(OR) · log2(pop / 50 000))``, where ``a`` is calibrated so that the mean
    probability over the base equals the group's observed share (the item's overall involvement rate
    does not change with the assumed effect). Each replicate is fitted with the same logistic model and
    robust standard errors as the notebook (a vectorised Newton solver, checked against statsmodels in
    the tests) and the Wald test of the slope is rejected at two-sided ``alpha``. Replicates whose fit
    does not converge (separation) count as non-rejections (conservative) and are counted.

Minimum detectable effect (:func:`minimum_detectable_or`)
    The smallest OR > 1 (or largest OR < 1) at which the power curve reaches the target, by linear
    interpolation in log(OR) between grid points.

Known-truth recovery (:func:`recovery`)
    Draws complete surveys from the reconstruction generator (``reconstruct.simulate_survey``) with a
    known ``involvement_size_effect`` (log-odds per doubling), fits the notebook's primary model
    (``wijkteam_stats.models.fits.fit_binary``, spec ``logit_size``) per group and records whether the 95 % interval covers
    the truth. :func:`coverage_summary` pools the six groups (independent Bernoulli draws given size, so
    6 × R intervals) and reports a binomial acceptance band (:func:`coverage_band`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import expit

from wijkteam_stats.models.fits import SPEC_SIZE, fit_binary
from wijkteam_stats.models.frame import SIZE_TERM, any_involvement, group_codes, size_frame
from wijkteam_stats.models.robust import DEFAULT_HC, HC_TYPES
from wijkteam_stats.reconstruct import simulate_survey
from wijkteam_stats.reproduce.estimators import wilson_interval

# --------------------------------------------------------------------------- lean batch logit


@dataclass(frozen=True)
class BatchFit:
    """Estimates and robust SEs of R logistic fits with one covariate (columns: intercept, slope)."""

    params: np.ndarray
    std_errors: np.ndarray
    converged: np.ndarray


def fit_logit_batch(x: np.ndarray, Y: np.ndarray, hc_type: str = DEFAULT_HC, max_iter: int = 30,
                    tol: float = 1e-9, max_abs: float = 25.0) -> BatchFit:
    """Logistic regression of each column of ``Y`` (n × R, 0/1) on ``[1, x]`` by Newton's method, with
    HC0-HC3 sandwich SEs; a replicate with separation or divergence is flagged ``converged=False``."""
    hc = str(hc_type).upper()
    if hc not in HC_TYPES:
        raise ValueError(f"hc_type must be one of {HC_TYPES}")
    x = np.asarray(x, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    n, R = Y.shape
    X = np.column_stack([np.ones(n), x])
    ybar = np.clip(Y.mean(axis=0), 1e-3, 1 - 1e-3)
    beta = np.column_stack([np.log(ybar / (1 - ybar)), np.zeros(R)])
    done = np.zeros(R, dtype=bool)
    for _ in range(max_iter):
        P = expit(X @ beta.T)
        W = P * (1 - P)
        info = np.einsum("ni,nr,nj->rij", X, W, X)
        score = np.einsum("ni,nr->ri", X, Y - P)
        det = info[:, 0, 0] * info[:, 1, 1] - info[:, 0, 1] ** 2
        ok = det > 1e-12
        step = np.zeros_like(beta)
        step[ok, 0] = (info[ok, 1, 1] * score[ok, 0] - info[ok, 0, 1] * score[ok, 1]) / det[ok]
        step[ok, 1] = (info[ok, 0, 0] * score[ok, 1] - info[ok, 1, 0] * score[ok, 0]) / det[ok]
        step[~ok] = 0.0
        beta = beta + step
        done = np.max(np.abs(step), axis=1) < tol
        if done.all():
            break
    P = expit(X @ beta.T)
    W = P * (1 - P)
    info = np.einsum("ni,nr,nj->rij", X, W, X)
    det = info[:, 0, 0] * info[:, 1, 1] - info[:, 0, 1] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        bread = np.stack([np.stack([info[:, 1, 1], -info[:, 0, 1]], axis=-1),
                          np.stack([-info[:, 1, 0], info[:, 0, 0]], axis=-1)], axis=1) / det[:, None, None]
    bread[det <= 1e-12] = np.nan
    E2 = (Y - P) ** 2
    if hc in ("HC2", "HC3"):
        h = W * np.einsum("ni,rij,nj->nr", X, bread, X)
        h = np.clip(h, 0, 1 - 1e-12)
        E2 = E2 / (1 - h) if hc == "HC2" else E2 / (1 - h) ** 2
    meat = np.einsum("ni,nr,nj->rij", X, E2, X)
    cov = bread @ meat @ bread
    if hc == "HC1":
        cov *= n / (n - 2)
    se = np.sqrt(np.clip(np.einsum("rii->ri", cov), 0, None))
    varied = (Y.min(axis=0) < Y.max(axis=0))
    converged = done & varied & np.all(np.abs(beta) < max_abs, axis=1) & np.all(np.isfinite(se), axis=1)
    return BatchFit(beta, se, converged)


# --------------------------------------------------------------------------- design analysis


@dataclass(frozen=True)
class GroupDesign:
    """One resident group's real structure: the base's log2 populations and the observed share."""

    group: str
    x: np.ndarray
    share: float

    @property
    def n(self) -> int:
        """Base size (respondents with teams answering the group)."""
        return len(self.x)


def design_from_frame(frame: pd.DataFrame, groups: Sequence[str] | None = None) -> list[GroupDesign]:
    """The design of each group from a :func:`~wijkteam_stats.model_frame.size_frame` (base populations, observed share)."""
    out = []
    for g in groups or group_codes():
        y = any_involvement(frame, g)
        keep = y.notna().to_numpy()
        x = frame.loc[keep, SIZE_TERM].to_numpy(dtype=float)
        out.append(GroupDesign(g, x, float(y[keep].astype(float).mean()) if keep.any() else math.nan))
    return out


def calibrated_intercept(x: np.ndarray, share: float, beta: float) -> float:
    """The intercept ``a`` with mean(expit(a + beta·x)) = share over the design's ``x``."""
    if not 0 < share < 1:
        raise ValueError(f"share must be strictly between 0 and 1, got {share}")
    return float(optimize.brentq(lambda a: float(np.mean(expit(a + beta * x))) - share, -40, 40, xtol=1e-12))


def power_curve(designs: Sequence[GroupDesign], odds_ratios: Sequence[float], n_rep: int = 200,
                alpha: float = 0.05, hc_type: str = DEFAULT_HC, seed: int = 2015) -> pd.DataFrame:
    """Simulated power of the robust Wald test of the size slope, per group and true OR per doubling.

    Columns: group, n, share, odds_ratio, beta, power, ci_low, ci_high (Wilson, Monte Carlo), n_rep,
    n_failed (non-converged replicates, counted as non-rejections), mean_estimate, mean_se.
    """
    crit = float(stats.norm.ppf(1 - alpha / 2))
    rows = []
    for gi, d in enumerate(designs):
        for oi, orv in enumerate(odds_ratios):
            beta = math.log(float(orv))
            a = calibrated_intercept(d.x, d.share, beta)
            rng = np.random.default_rng([int(seed), gi, oi])
            p = expit(a + beta * d.x)
            Y = (rng.random((d.n, n_rep)) < p[:, None]).astype(float)
            fit = fit_logit_batch(d.x, Y, hc_type)
            z = fit.params[:, 1] / fit.std_errors[:, 1]
            reject = fit.converged & (np.abs(z) > crit)
            k = int(reject.sum())
            lo, hi = wilson_interval(k, n_rep)
            ok = fit.converged
            rows.append({
                "group": d.group, "n": d.n, "share": d.share, "odds_ratio": float(orv), "beta": beta,
                "power": k / n_rep, "ci_low": lo / 100, "ci_high": hi / 100, "n_rep": n_rep,
                "n_failed": int((~ok).sum()),
                "mean_estimate": float(fit.params[ok, 1].mean()) if ok.any() else math.nan,
                "mean_se": float(fit.std_errors[ok, 1].mean()) if ok.any() else math.nan,
            })
    return pd.DataFrame(rows)


def minimum_detectable_or(curve: pd.DataFrame, target: float = 0.8, side: str = "increase") -> pd.DataFrame:
    """Per group the smallest OR > 1 (``side="increase"``) or largest OR < 1 (``"decrease"``) with power
    >= ``target``, interpolated linearly in log(OR); NaN when the grid never reaches it."""
    rows = []
    for g, sub in curve.groupby("group", sort=False):
        if side == "increase":
            s = sub[sub["odds_ratio"] >= 1].sort_values("odds_ratio")
        elif side == "decrease":
            s = sub[sub["odds_ratio"] <= 1].sort_values("odds_ratio", ascending=False)
        else:
            raise ValueError("side must be 'increase' or 'decrease'")
        ors, pw = s["odds_ratio"].to_numpy(), s["power"].to_numpy()
        value = math.nan
        hit = np.nonzero(pw >= target)[0]
        if len(hit):
            i = int(hit[0])
            if i == 0:
                value = float(ors[0])
            else:
                l0, l1 = math.log(ors[i - 1]), math.log(ors[i])
                frac = (target - pw[i - 1]) / (pw[i] - pw[i - 1])
                value = float(math.exp(l0 + frac * (l1 - l0)))
        rows.append({"group": g, "n": int(sub["n"].iloc[0]), "share": float(sub["share"].iloc[0]),
                     "side": side, "target_power": target, "min_detectable_or": value,
                     "grid_max": float(ors.max()) if len(ors) else math.nan,
                     "grid_min": float(ors.min()) if len(ors) else math.nan})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- known-truth recovery


def _default_simulator() -> Callable[..., pd.DataFrame]:
    return simulate_survey


def recovery(beta: float, n_rep: int = 200, seed: int = 1, wave: int = 2015, hc_type: str = DEFAULT_HC,
             simulate: Callable[..., pd.DataFrame] | None = None, groups: Sequence[str] | None = None
             ) -> pd.DataFrame:
    """Known-truth recovery: ``n_rep`` surveys from the reconstruction generator with
    ``involvement_size_effect=beta``, each fitted with the primary model per group.

    Columns: rep, seed, group, n, truth, estimate, std_error, ci_low, ci_high, covers, method.
    """
    sim = simulate or _default_simulator()
    groups = list(groups or group_codes())
    rows = []
    for r in range(n_rep):
        s = int(seed) * 100_003 + r
        tidy = sim(wave=wave, seed=s, involvement_size_effect=float(beta), mode="bernoulli")
        frame = size_frame(tidy, wave, source=f"simulate_survey(seed={s})")
        for g in groups:
            f = fit_binary(frame, any_involvement(frame, g), SPEC_SIZE, "logit_size", g, hc_type)
            if f.estimable:
                b, se = f.coef(SIZE_TERM), f.se(SIZE_TERM)
                lo, hi = f.ci(SIZE_TERM)
            else:
                b = se = lo = hi = math.nan
            rows.append({"rep": r, "seed": s, "group": g, "n": f.n, "truth": float(beta), "estimate": b,
                         "std_error": se, "ci_low": lo, "ci_high": hi,
                         "covers": bool(lo <= beta <= hi) if f.estimable else False, "method": f.method})
    return pd.DataFrame(rows)


def coverage_band(n_intervals: int, level: float = 0.95, prob: float = 0.999) -> tuple[float, float]:
    """The central ``prob`` range of the observed coverage of ``n_intervals`` independent intervals whose
    true coverage is ``level`` (binomial quantiles, as fractions): a non-vacuous acceptance band."""
    tail = (1 - prob) / 2
    lo = stats.binom.ppf(tail, n_intervals, level)
    hi = stats.binom.isf(tail, n_intervals, level)
    return (float(lo / n_intervals), float(hi / n_intervals))


def coverage_summary(rec: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Coverage per group and pooled ("alle groepen"): covered, intervals, coverage, Wilson CI, bias,
    SD of the estimates, mean SE and their ratio (SE calibration), non-MLE fits."""
    rows = []
    parts = [(g, s) for g, s in rec.groupby("group", sort=False)] + [("alle groepen", rec)]
    for g, s in parts:
        k, n = int(s["covers"].sum()), len(s)
        lo, hi = wilson_interval(k, n)
        est = s["estimate"].dropna()
        rows.append({
            "group": g, "intervals": n, "covered": k, "coverage": k / n if n else math.nan,
            "ci_low": lo / 100, "ci_high": hi / 100, "truth": float(s["truth"].iloc[0]),
            "mean_estimate": float(est.mean()), "bias": float(est.mean() - s["truth"].iloc[0]),
            "sd_estimate": float(est.std(ddof=1)) if len(est) > 1 else math.nan,
            "mean_se": float(s["std_error"].mean()),
            "se_ratio": float(s["std_error"].mean() / est.std(ddof=1)) if len(est) > 1 else math.nan,
            "non_mle": int((s["method"] != "mle").sum()),
        })
    return pd.DataFrame(rows)


def timed(fn: Callable, *args, **kwargs) -> tuple[object, float]:
    """(result, seconds) of ``fn(*args, **kwargs)``."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


__all__ = [
    "BatchFit", "GroupDesign", "calibrated_intercept", "coverage_band", "coverage_summary", "design_from_frame",
    "fit_logit_batch", "minimum_detectable_or", "power_curve", "recovery", "timed",
]
