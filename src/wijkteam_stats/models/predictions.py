"""Predictions of the size models: expected values with delta-method / Wald CIs, curves over population,
expectations for every municipality of the register, and the number-of-teams check."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit, gammaln

from wijkteam_stats.models.fits import SPEC_SIZE, Z95, Fit, ModelSet
from wijkteam_stats.models.frame import (
    CENTRE_POPULATION,
    SIZE_TERM,
    design_matrix,
    group_codes,
    teams_outcome,
)
from wijkteam_stats.reference import municipalities
from wijkteam_stats.reference.codebook import load_codebook


def _linear(fit: Fit, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = fit.params[: fit.k_mean].astype(float).copy()
    if fit.method == "firth" and np.isfinite(fit.flic_intercept) and "intercept" in fit.terms:
        b[fit.terms.index("intercept")] = fit.flic_intercept  # FLIC: unbiased average predicted probability
    V = fit.cov[: fit.k_mean, : fit.k_mean]
    eta = X @ b
    se = np.sqrt(np.einsum("ij,jk,ik->i", X, V, X))
    return eta, se


def _inv_link(link: str, x: np.ndarray) -> np.ndarray:
    return expit(x) if link == "logit" else np.exp(x)


def truncated_mean(params: np.ndarray, X: np.ndarray, k_mean: int) -> np.ndarray:
    """E[n | n >= 1] of a zero-truncated NB2 (Poisson when alpha = 0): mu / (1 - P(0))."""
    mu = np.exp(X @ params[:k_mean])
    alpha = float(params[-1])
    p0 = np.exp(-mu) if alpha < 1e-10 else (1 + alpha * mu) ** (-1 / alpha)
    return mu / -np.expm1(np.log(p0))


def _delta_log(fn, params: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value of a positive vector function of the parameters and the delta-method SE of its log
    (central-difference gradient)."""
    val = np.asarray(fn(params), dtype=float)
    grad = np.zeros((len(np.atleast_1d(val)), len(params)))
    for j in range(len(params)):
        if cov[j, j] <= 0:
            continue
        h = 1e-6 * max(1.0, abs(params[j]))
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        grad[:, j] = (np.log(np.atleast_1d(fn(up))) - np.log(np.atleast_1d(fn(down)))) / (up[j] - down[j])
    se = np.sqrt(np.einsum("ij,jk,ik->i", grad, cov, grad))
    return np.atleast_1d(val), se


def predict(fit: Fit, frame: pd.DataFrame) -> pd.DataFrame:
    """Expected value per row of ``frame`` with a 95 % CI: a probability (logit models), a mean (count
    models; Wald on the link scale) or, for the zero-truncated model, E[n | n >= 1] (delta method on the
    log scale)."""
    X = design_matrix(frame, fit.spec, fit.levels if "size_class" in fit.spec else None).to_numpy()
    if not fit.estimable:
        nan = np.full(len(frame), np.nan)
        return pd.DataFrame({"predicted": nan, "ci_low": nan, "ci_high": nan}, index=frame.index)
    if fit.family == "truncated_nb2":
        val, se = _delta_log(lambda p: truncated_mean(p, X, fit.k_mean), fit.params.astype(float), fit.cov)
        return pd.DataFrame({"predicted": val, "ci_low": val * np.exp(-Z95 * se), "ci_high": val * np.exp(Z95 * se)},
                            index=frame.index)
    eta, se = _linear(fit, X)
    return pd.DataFrame({
        "predicted": _inv_link(fit.link, eta), "ci_low": _inv_link(fit.link, eta - Z95 * se),
        "ci_high": _inv_link(fit.link, eta + Z95 * se),
    }, index=frame.index)


#: Populations at which the size effect on the number of teams is reported.
EFFECT_SIZES = (5_000, 20_000, 50_000, 100_000)


def _point_frame(pop: Sequence[float]) -> pd.DataFrame:
    pop = np.asarray(pop, dtype=float)
    return pd.DataFrame({"population": pop, SIZE_TERM: np.log2(pop / CENTRE_POPULATION)})


def teams_size_effect(fit: Fit, sizes: Sequence[float] = EFFECT_SIZES) -> pd.DataFrame:
    """The size effect of a teams model on the scale a reader sees, at several populations P: the expected
    number of teams at P and the ratio E(2P) / E(P) (a doubling), each with a 95 % interval (delta method
    on the log scale, numerical gradient). For the zero-truncated model E is E[n | n >= 1], whose ratio per
    doubling depends on P (close to 1 where few teams are expected, approaching the latent ratio exp(b) for
    large municipalities); for an untruncated model E is the mean and the ratio is exp(b) everywhere."""
    sizes = [float(v) for v in sizes]
    rows = []
    for pop in sizes:
        X = design_matrix(_point_frame([pop, 2 * pop]), fit.spec).to_numpy()
        if not fit.estimable:
            rows.append({"model": fit.model, "population": pop, "expected": math.nan, "expected_low": math.nan,
                         "expected_high": math.nan, "ratio_per_doubling": math.nan, "ratio_low": math.nan,
                         "ratio_high": math.nan})
            continue
        if fit.family == "truncated_nb2":
            def mean(p: np.ndarray, X: np.ndarray = X) -> np.ndarray:
                return truncated_mean(p, X, fit.k_mean)
        else:
            def mean(p: np.ndarray, X: np.ndarray = X) -> np.ndarray:
                return np.exp(X @ p[: fit.k_mean])
        params = fit.params.astype(float)
        val, se = _delta_log(lambda p: mean(p)[:1], params, fit.cov)
        rat, rse = _delta_log(lambda p: np.array([mean(p)[1] / mean(p)[0]]), params, fit.cov)
        rows.append({"model": fit.model, "population": pop, "expected": float(val[0]),
                     "expected_low": float(val[0] * math.exp(-Z95 * se[0])),
                     "expected_high": float(val[0] * math.exp(Z95 * se[0])),
                     "ratio_per_doubling": float(rat[0]), "ratio_low": float(rat[0] * math.exp(-Z95 * rse[0])),
                     "ratio_high": float(rat[0] * math.exp(Z95 * rse[0]))})
    out = pd.DataFrame(rows)
    lo, hi = fit.pop_range
    out["in_fitted_range"] = (out["population"] >= lo) & (out["population"] <= hi)
    return out


def population_grid(low: float, high: float, n: int = 120) -> pd.DataFrame:
    """A frame of ``n`` populations evenly spaced on the log scale from ``low`` to ``high``."""
    pop = np.exp(np.linspace(math.log(low), math.log(high), n))
    return pd.DataFrame({"population": pop, SIZE_TERM: np.log2(pop / CENTRE_POPULATION)})


def predicted_curves(fits: Iterable[Fit], n: int = 120) -> pd.DataFrame:
    """Predicted value with CI band over each fit's observed population range (size-only models)."""
    out = []
    for f in fits:
        if f.spec != SPEC_SIZE or not f.estimable:
            continue
        grid = population_grid(*f.pop_range, n=n)
        pred = predict(f, grid)
        out.append(pd.concat([pd.DataFrame({"model": f.model, "outcome": f.outcome}, index=grid.index),
                              grid, pred], axis=1))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def count_pmf(mu: np.ndarray, alpha: np.ndarray | float, k: np.ndarray, truncated: bool) -> np.ndarray:
    """P(n = k) of an NB2 (Poisson when alpha = 0) with mean ``mu`` (rows) at counts ``k`` (columns),
    conditional on n >= 1 when ``truncated``."""
    mu = np.asarray(mu, dtype=float)[:, None]
    a = np.broadcast_to(np.asarray(alpha, dtype=float), mu.shape[:1])[:, None]
    kk = np.asarray(k, dtype=float)[None, :]
    pois = a < 1e-10
    a_safe = np.where(pois, 1.0, a)
    r = 1.0 / a_safe
    log_nb = (gammaln(kk + r) - gammaln(r) - gammaln(kk + 1) - r * np.log1p(a_safe * mu)
              + kk * (np.log(a_safe * mu) - np.log1p(a_safe * mu)))
    log_po = kk * np.log(mu) - mu - gammaln(kk + 1)
    logp = np.where(pois, log_po, log_nb)
    if truncated:
        log_p0 = np.where(pois, -mu, -r * np.log1p(a_safe * mu))
        logp = logp - np.log(-np.expm1(log_p0))
        logp = np.where(kk >= 1, logp, -np.inf)
    return np.exp(logp)


def count_prediction_interval(fit: Fit, X: np.ndarray, level: float = 0.95, n_draws: int = 400,
                              seed: int = 20151) -> tuple[np.ndarray, np.ndarray]:
    """Predictive quantiles (``(1-level)/2`` and ``(1+level)/2``) of the count of ONE municipality per row
    of ``X``: the fitted NB2 (zero-truncated when the fit is) averaged over ``n_draws`` parameter draws
    from the estimates' normal approximation (fixed seed), so the interval includes parameter
    uncertainty. Alpha draws below 0 are set to 0 (the boundary)."""
    X = np.asarray(X, dtype=float)
    if not fit.estimable:
        nan = np.full(len(X), np.nan)
        return nan, nan.copy()
    truncated = fit.family == "truncated_nb2"
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(fit.params.astype(float), fit.cov, size=n_draws, method="svd")
    draws[0] = fit.params
    alpha = np.maximum(draws[:, -1], 0.0)
    mu = np.exp(np.clip(draws[:, : fit.k_mean] @ X.T, -30, 30))  # draws x rows
    top = float(np.quantile(mu, 0.999)) * (1 + 10 * max(float(np.quantile(alpha, 0.99)), 0.0)) + 20
    k = np.arange(0, int(min(max(top * 4, 60), 20_000)) + 1)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    lo, hi = np.empty(len(X)), np.empty(len(X))
    for j in range(len(X)):
        cdf = np.cumsum(count_pmf(mu[:, j], alpha, k, truncated).mean(axis=0))
        lo[j] = k[min(int(np.searchsorted(cdf, lo_q - 1e-12)), len(k) - 1)]
        hi[j] = k[min(int(np.searchsorted(cdf, hi_q - 1e-12)), len(k) - 1)]
    return lo, hi


#: Columns of ``expected_by_municipality_<wave>.csv`` (the table the municipality reports read).
EXPECTATION_COLUMNS = ["wave", "gm_code", "population", "measure", "group", "predicted", "ci_low", "ci_high",
                       "extrapolated", "pi_low", "pi_high", "in_fitted_range", "effect_distinguishable",
                       "national_value"]


def expected_by_municipality(involvement_fits: Iterable[Fit], teams_fit: Fit, wave: int, seed: int = 20151,
                             n_draws: int = 400) -> pd.DataFrame:
    """What the size models expect for every municipality of the wave's register.

    One row per municipality and measure (``any_involvement`` per group from ``logit_size``; ``n_teams``
    from the teams model: E[n | n >= 1] for the zero-truncated model). Columns (:data:`EXPECTATION_COLUMNS`):
    ``predicted`` with its 95 % CI (the expected value: a probability, or a mean number of teams);
    ``pi_low``/``pi_high`` the 95 % prediction interval for ONE municipality's value (predictive quantiles
    of the fitted count distribution including parameter uncertainty; empty for a 0/1 outcome, whose
    single value is 0 or 1 and whose probability is ``predicted``); ``in_fitted_range`` whether the
    population lies within the sizes the model was fitted on (``extrapolated`` is its negation) -- outside
    that range ``predicted``, the CI and the PI are left empty: the model says nothing there;
    ``effect_distinguishable`` whether the size effect's 95 % interval excludes no effect (the same for all
    municipalities of a measure); ``national_value`` the mean outcome over the fitted respondents (the
    share involved, the mean number of teams), the value to show when the effect is not distinguishable.
    """
    reg = municipalities.register(load_codebook().register_year(wave))
    reg = reg[["gm_code", "population"]].copy()
    reg[SIZE_TERM] = np.log2(reg["population"].astype(float) / CENTRE_POPULATION)
    parts = []
    for f in [*[f for f in involvement_fits if f.model == "logit_size"], teams_fit]:
        pred = predict(f, reg)
        lo, hi = f.pop_range
        pop = reg["population"].astype(float).to_numpy()
        inside = (pop >= lo) & (pop <= hi)
        is_teams = f is teams_fit
        if is_teams:
            X = design_matrix(reg, f.spec).to_numpy()
            pi_lo, pi_hi = count_prediction_interval(f, X, n_draws=n_draws, seed=seed)
        else:
            pi_lo = pi_hi = np.full(len(reg), np.nan)
        blank = ~inside
        vals = {c: np.where(blank, np.nan, pred[c].to_numpy(dtype=float)) for c in ("predicted", "ci_low", "ci_high")}
        parts.append(pd.DataFrame({
            "wave": int(wave), "gm_code": reg["gm_code"].to_numpy(), "population": reg["population"].to_numpy(),
            "measure": "n_teams" if is_teams else "any_involvement",
            "group": pd.NA if is_teams else f.outcome,
            **vals, "extrapolated": blank,
            "pi_low": np.where(blank, np.nan, pi_lo), "pi_high": np.where(blank, np.nan, pi_hi),
            "in_fitted_range": inside, "effect_distinguishable": f.distinguishable(SIZE_TERM),
            "national_value": f.outcome_mean if f.estimable else math.nan,
        }))
    out = pd.concat(parts, ignore_index=True)
    out["group"] = out["group"].astype("string")
    out["population"] = out["population"].astype("Int64")
    order = {g: i for i, g in enumerate(group_codes())}
    key = out["group"].map(order).astype("Float64").fillna(len(order))
    out = out.assign(_k=key.to_numpy()).sort_values(["gm_code", "_k"], kind="stable")
    return out.drop(columns="_k").reset_index(drop=True)[EXPECTATION_COLUMNS]


# --------------------------------------------------------------------------- teams check


def teams_check(set_or_fits: ModelSet | Sequence[Fit], frame: pd.DataFrame, wave: int,
                published_g32_mean: float = 8.0, published_rotterdam: int = 42, rotterdam: str = "GM0599",
                n_draws: int = 2_000, seed: int = 20151) -> pd.DataFrame:
    """Model check of the number of teams against the published G32 mean (8) and Rotterdam's 42, for both
    team models (``nb2_teams``: NB2 mean; ``truncnb2_teams``: E[n | n >= 1]).

    Per model two rows: the mean over the G32 respondents with teams (observed; model mean with a
    delta-method CI) and Rotterdam's population (model mean with CI and, for the zero-truncated model, a
    95 % prediction interval for one municipality that includes parameter uncertainty,
    :func:`count_prediction_interval`). ``published_in_ci`` / ``published_in_pi`` are missing where there is
    no interval.
    """
    fits = set_or_fits.teams if isinstance(set_or_fits, ModelSet) else list(set_or_fits)
    y = teams_outcome(frame)
    g32 = (frame["g32"].astype(bool) & y.notna()).to_numpy()
    reg = municipalities.register(load_codebook().register_year(wave)).set_index("gm_code")
    pop = float(reg.loc[rotterdam, "population"])
    point = pd.DataFrame({"population": [pop], SIZE_TERM: [math.log2(pop / CENTRE_POPULATION)]})
    obs = frame.loc[frame["gm_code"].eq(rotterdam).to_numpy(), "n_teams"]
    rot_obs = float(obs.iloc[0]) if len(obs) and pd.notna(obs.iloc[0]) else math.nan
    rows = []
    for f in (f for f in fits if f.model in ("nb2_teams", "truncnb2_teams")):
        truncated = f.family == "truncated_nb2"
        m = lo = hi = math.nan
        X = design_matrix(frame.loc[g32], f.spec).to_numpy()
        if f.estimable and len(X):
            if truncated:
                def fn(p: np.ndarray, X: np.ndarray = X, k: int = f.k_mean) -> np.ndarray:
                    return np.array([truncated_mean(p, X, k).mean()])
            else:
                def fn(p: np.ndarray, X: np.ndarray = X, k: int = f.k_mean) -> np.ndarray:
                    return np.array([np.exp(X @ p[:k]).mean()])
            val, se = _delta_log(fn, f.params.astype(float), f.cov)
            m, lo, hi = float(val[0]), float(val[0] * math.exp(-Z95 * se[0])), float(val[0] * math.exp(Z95 * se[0]))
        rows.append({"check": "G32-gemiddelde (respondenten met teams)", "published": published_g32_mean,
                     "observed": float(y[g32].mean()) if g32.any() else math.nan, "model": f.model,
                     "predicted": m, "ci_low": lo, "ci_high": hi, "pi_low": math.nan, "pi_high": math.nan,
                     "n": int(g32.sum()), "population": math.nan})
        pred = predict(f, point).iloc[0]
        pi_lo = pi_hi = math.nan
        if truncated and f.estimable:
            lo_, hi_ = count_prediction_interval(f, design_matrix(point, f.spec).to_numpy(), n_draws=n_draws,
                                                 seed=seed)
            pi_lo, pi_hi = float(lo_[0]), float(hi_[0])
        rows.append({"check": f"Rotterdam ({int(pop):,} inwoners)".replace(",", "."),
                     "published": float(published_rotterdam), "observed": rot_obs, "model": f.model,
                     "predicted": float(pred["predicted"]), "ci_low": float(pred["ci_low"]),
                     "ci_high": float(pred["ci_high"]), "pi_low": pi_lo, "pi_high": pi_hi, "n": f.n,
                     "population": pop})
    out = pd.DataFrame(rows)
    out["published_in_ci"] = _inside(out["published"], out["ci_low"], out["ci_high"])
    out["published_in_pi"] = _inside(out["published"], out["pi_low"], out["pi_high"])
    return out


def _inside(value: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    """Nullable boolean: value within [low, high]; missing (not False) where there is no interval."""
    inside = ((value >= low) & (value <= high)).astype("boolean")
    return inside.mask(low.isna() | high.isna(), pd.NA)


def primary_teams_fit(fits: Sequence[Fit]) -> Fit:
    """The team model used for predictions: the zero-truncated NB2 (E[n | n >= 1]) when it could be
    fitted, else the NB2 fitted to the same municipalities."""
    tr = next((f for f in fits if f.model == "truncnb2_teams"), None)
    return tr if tr is not None and tr.estimable else next(f for f in fits if f.model == "nb2_teams")
