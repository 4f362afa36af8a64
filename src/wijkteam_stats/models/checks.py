"""Model checks a referee asks for: overlap of size and G4/G32 membership, influence, linearity of the size
effect, the proportional-odds assumption, item non-response against size, and a sensitivity model with the
number of teams.

* :func:`overlap_table` -- instead of a VIF: how many municipalities of each size band are G4/G32 and how many
  are not. The G4/G32 coefficient of ``logit_size_network`` can only rest on municipalities at least as large
  as the smallest G4/G32 respondent; :func:`overlap_summary` counts them.
* :func:`influence_table` -- leverage and DFBETA of the size slope (statsmodels ``GLMInfluence``), and refits
  without the most influential municipality and without the municipalities under 5 000 inhabitants.
* :func:`linearity_table` -- likelihood-ratio test of the log-linear size term against a restricted cubic
  spline in log2(population) (4 knots at the 5th, 35th, 65th and 95th percentile, Harrell; 2 df).
* :func:`brant_test` -- Brant's Wald test of proportional odds for the ordinal ladder model: the slopes of the
  cumulative binary logits P(y > j) are equal; df = (number of cut-points - 1) x covariates.
* :func:`nonresponse_table` -- does leaving a group unanswered depend on size (logit of "not answered")?
* :func:`teams_sensitivity` -- ``logit_size`` plus log(number of teams): "some team involves group g" can
  rise mechanically with the number of teams, which itself grows with population.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from wijkteam_stats.models.families import adjust
from wijkteam_stats.models.fits import SPEC_SIZE, Z95, Fit, fit_binary, fit_nb2
from wijkteam_stats.models.frame import (
    NETWORK_TERM,
    SIZE_TERM,
    any_involvement,
    design_matrix,
    group_codes,
    highest_rung,
    teams_outcome,
    with_teams,
)
from wijkteam_stats.models.robust import DEFAULT_HC

#: Municipalities under this population are left out in the influence refit.
SMALL_MUNICIPALITY = 5_000
#: Term of the sensitivity model: natural log of the number of teams.
LOG_TEAMS = "log_n_teams"


# --------------------------------------------------------------------------- overlap


def overlap_summary(frame: pd.DataFrame) -> dict[str, float]:
    """Among respondents with teams: the smallest G4/G32 population, the number of G4/G32 respondents, and
    the number of other respondents at least that large (on whom the G4/G32 contrast rests)."""
    sub = frame.loc[with_teams(frame).to_numpy()]
    net = sub[NETWORK_TERM].astype(bool).to_numpy()
    pop = sub["population"].astype(float).to_numpy()
    if not net.any():
        return {"min_population_g4_g32": math.nan, "n_g4_g32": 0, "n_other_as_large": 0, "n_other": int(len(sub))}
    low = float(pop[net].min())
    return {"min_population_g4_g32": low, "n_g4_g32": int(net.sum()),
            "n_other_as_large": int(((~net) & (pop >= low)).sum()), "n_other": int((~net).sum()),
            "max_population_other": float(pop[~net].max()) if (~net).any() else math.nan}


def overlap_table(frame: pd.DataFrame, bands: Sequence[float] = (0, 20_000, 50_000, 100_000, math.inf)
                  ) -> pd.DataFrame:
    """Respondents with teams by size band (with the smallest G4/G32 population as an extra cut) and G4/G32
    membership: where the two groups overlap in size."""
    s = overlap_summary(frame)
    cuts = sorted({*bands, *([s["min_population_g4_g32"]] if np.isfinite(s["min_population_g4_g32"]) else [])})
    sub = frame.loc[with_teams(frame).to_numpy()]
    pop = sub["population"].astype(float).to_numpy()
    net = sub[NETWORK_TERM].astype(bool).to_numpy()
    rows = []
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        m = (pop >= lo) & (pop < hi)
        label = (f"{int(lo):,}".replace(",", ".") + " – " +
                 ("" if not np.isfinite(hi) else f"{int(hi) - 1:,}".replace(",", ".")))
        rows.append({"band": label.strip(), "population_low": lo, "population_high": hi,
                     "g4_g32": int((m & net).sum()), "other": int((m & ~net).sum())})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- influence


def influence_table(frame: pd.DataFrame, fits: Sequence[Fit], small: float = SMALL_MUNICIPALITY) -> pd.DataFrame:
    """Per group (``logit_size``, maximum-likelihood fits): the largest leverage and |DFBETA| of the size
    slope, the OR per doubling of the full fit, without the most influential municipality and without the
    municipalities under ``small`` inhabitants."""
    import statsmodels.api as sm

    rows = []
    for f in fits:
        if f.model != "logit_size":
            continue
        y = any_involvement(frame, f.outcome)
        keep = y.notna().to_numpy()
        row = {"group": f.outcome, "n": f.n, "odds_ratio": math.exp(f.coef(SIZE_TERM)) if f.estimable else math.nan}
        if not f.estimable or f.method != "mle":
            rows.append({**row, "note": f"{f.method}: no influence measures"})
            continue
        sub = frame.loc[keep]
        X = design_matrix(sub, SPEC_SIZE).to_numpy()
        yv = y[keep].astype(float).to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(yv, X, family=sm.families.Binomial()).fit()
            infl = res.get_influence(observed=False)
            lev = np.asarray(infl.hat_matrix_diag)
            dfb = np.asarray(infl.dfbetas)[:, 1]
        top = int(np.argmax(np.abs(dfb)))
        drop_top = pd.Series(True, index=frame.index)
        drop_top.loc[sub.index[top]] = False
        f_top = fit_binary(frame.loc[drop_top.to_numpy()], y[drop_top.to_numpy()], SPEC_SIZE, "logit_size", f.outcome,
                           f.cov_type if f.cov_type.startswith("HC") else DEFAULT_HC)
        big = frame["population"].astype(float).to_numpy() >= small
        f_big = fit_binary(frame.loc[big], y[big], SPEC_SIZE, "logit_size", f.outcome,
                           f.cov_type if f.cov_type.startswith("HC") else DEFAULT_HC)
        lo_t, hi_t = f_top.ci(SIZE_TERM) if f_top.estimable else (math.nan, math.nan)
        lo_b, hi_b = f_big.ci(SIZE_TERM) if f_big.estimable else (math.nan, math.nan)
        rows.append({**row, "max_leverage": float(lev.max()), "mean_leverage": float(lev.mean()),
                     "max_abs_dfbetas": float(abs(dfb[top])), "most_influential": str(sub["gm_code"].iloc[top]),
                     "or_without_most_influential": math.exp(f_top.coef(SIZE_TERM)) if f_top.estimable else math.nan,
                     "or_without_low": math.exp(lo_t), "or_without_high": math.exp(hi_t),
                     "n_small": int((~big & keep).sum()),
                     "or_without_small": math.exp(f_big.coef(SIZE_TERM)) if f_big.estimable else math.nan,
                     "or_without_small_low": math.exp(lo_b), "or_without_small_high": math.exp(hi_b), "note": ""})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- linearity


def rcs_basis(x: np.ndarray, knots: Sequence[float]) -> np.ndarray:
    """The non-linear columns of a restricted cubic spline (Harrell's parametrisation, scaled by the squared
    outer knot distance): k knots give k - 2 columns; linear beyond the outer knots."""
    x = np.asarray(x, dtype=float)
    t = np.asarray(knots, dtype=float)
    k = len(t)
    if k < 3:
        raise ValueError("a restricted cubic spline needs at least 3 knots")
    scale = (t[-1] - t[0]) ** 2

    def p3(v: np.ndarray) -> np.ndarray:
        return np.clip(v, 0, None) ** 3

    cols = []
    for j in range(k - 2):
        cols.append((p3(x - t[j]) - p3(x - t[-2]) * (t[-1] - t[j]) / (t[-1] - t[-2])
                     + p3(x - t[-1]) * (t[-2] - t[j]) / (t[-1] - t[-2])) / scale)
    return np.column_stack(cols)


def _logit_llf(y: np.ndarray, X: np.ndarray) -> float:
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(sm.GLM(y, X, family=sm.families.Binomial()).fit().llf)


def linearity_table(frame: pd.DataFrame, groups: Sequence[str] | None = None,
                    quantiles: Sequence[float] = (0.05, 0.35, 0.65, 0.95)) -> pd.DataFrame:
    """Per group: LR test of ``logit_size`` (linear in log2 population) against a restricted cubic spline with
    knots at ``quantiles`` of the group's base (df = knots - 2)."""
    rows = []
    for g in groups or group_codes():
        y = any_involvement(frame, g)
        keep = y.notna().to_numpy()
        x = frame.loc[keep, SIZE_TERM].to_numpy(dtype=float)
        yv = y[keep].astype(float).to_numpy()
        knots = np.quantile(x, quantiles)
        X0 = np.column_stack([np.ones(len(x)), x])
        X1 = np.column_stack([X0, rcs_basis(x, knots)])
        if len(np.unique(yv)) < 2:
            rows.append({"group": g, "n": len(yv), "lr_chi2": math.nan, "df": X1.shape[1] - 2, "p_value": math.nan})
            continue
        lr = max(0.0, 2 * (_logit_llf(yv, X1) - _logit_llf(yv, X0)))
        df = X1.shape[1] - X0.shape[1]
        rows.append({"group": g, "n": len(yv), "lr_chi2": lr, "df": df, "p_value": float(stats.chi2.sf(lr, df)),
                     "knots_population": "; ".join(f"{50_000 * 2 ** k:.0f}" for k in knots)})
    return adjust(pd.DataFrame(rows), "modelcontrole_lineariteit")


# --------------------------------------------------------------------------- proportional odds


def brant_test(y: np.ndarray, X: np.ndarray) -> dict[str, float]:
    """Brant's (1990) Wald test of proportional odds: the slopes of the cumulative logits P(y > j), j = cut
    points, are equal. ``y`` integer levels 0..J-1 (only observed levels are used), ``X`` covariates without
    intercept. Returns chi2, df = (cuts - 1) * covariates, p, and the number of cuts."""
    import statsmodels.api as sm

    y = np.asarray(y, dtype=int)
    X = np.atleast_2d(np.asarray(X, dtype=float).T).T
    levels = np.unique(y)
    cuts = levels[:-1]
    m, p = len(cuts), X.shape[1]
    if m < 2:
        return {"chi2": math.nan, "df": 0, "p_value": math.nan, "cuts": m}
    Xc = np.column_stack([np.ones(len(y)), X])
    betas, pis = [], []
    for c in cuts:
        z = (y > c).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(z, Xc, family=sm.families.Binomial()).fit()
        betas.append(np.asarray(res.params))
        pis.append(np.asarray(res.mu))
    # covariance of the stacked estimates (Brant 1990, eq. 3.3)
    V = np.zeros((m * (p + 1), m * (p + 1)))
    inv = [np.linalg.inv(Xc.T @ (Xc * (pi * (1 - pi))[:, None])) for pi in pis]
    for j in range(m):
        for k in range(j, m):
            w = pis[k] - pis[j] * pis[k]  # P(y > cut_k) - P(y > cut_j) P(y > cut_k), k >= j
            block = inv[j] @ (Xc.T @ (Xc * w[:, None])) @ inv[k]
            V[j * (p + 1):(j + 1) * (p + 1), k * (p + 1):(k + 1) * (p + 1)] = block
            V[k * (p + 1):(k + 1) * (p + 1), j * (p + 1):(j + 1) * (p + 1)] = block.T
    b = np.concatenate(betas)
    D = np.zeros(((m - 1) * p, m * (p + 1)))
    for j in range(m - 1):
        for q in range(p):
            D[j * p + q, q + 1] = 1.0
            D[j * p + q, (j + 1) * (p + 1) + q + 1] = -1.0
    d = D @ b
    chi2 = float(d @ np.linalg.solve(D @ V @ D.T, d))
    df = (m - 1) * p
    return {"chi2": chi2, "df": df, "p_value": float(stats.chi2.sf(chi2, df)), "cuts": m}


def proportional_odds_table(frame: pd.DataFrame, groups: Sequence[str] | None = None) -> pd.DataFrame:
    """Per group: Brant's test of proportional odds for the ladder model on log2 population."""
    rows = []
    for g in groups or group_codes():
        y = highest_rung(frame, g)
        keep = y.notna().to_numpy()
        yv = y[keep].astype(int).to_numpy()
        x = frame.loc[keep, SIZE_TERM].to_numpy(dtype=float)
        rows.append({"group": g, "n": int(keep.sum()), **brant_test(yv, x[:, None])})
    return adjust(pd.DataFrame(rows), "modelcontrole_proportionele_odds")


# --------------------------------------------------------------------------- item non-response


def nonresponse_table(frame: pd.DataFrame, groups: Sequence[str] | None = None, hc_type: str = DEFAULT_HC
                      ) -> pd.DataFrame:
    """Per group, among respondents with teams: OR per doubling of leaving the group unanswered (or
    answering it inconsistently), with its 95 % interval."""
    teams = with_teams(frame).to_numpy()
    rows = []
    for g in groups or group_codes():
        miss = any_involvement(frame, g).isna().to_numpy()
        y = pd.Series(pd.array(miss, dtype="boolean"), index=frame.index).where(teams, pd.NA)
        f = fit_binary(frame, y, SPEC_SIZE, "logit_nonresponse", g, hc_type)
        lo, hi = f.ci(SIZE_TERM) if f.estimable else (math.nan, math.nan)
        rows.append({"group": g, "n": f.n, "not_answered": int((miss & teams).sum()), "method": f.method,
                     "odds_ratio": math.exp(f.coef(SIZE_TERM)) if f.estimable else math.nan,
                     "or_low": math.exp(lo), "or_high": math.exp(hi),
                     "p_value": f.p_value(SIZE_TERM) if f.estimable else math.nan})
    return adjust(pd.DataFrame(rows), "modelcontrole_item_nonrespons")


# --------------------------------------------------------------------------- sensitivity: number of teams


def teams_sensitivity(frame: pd.DataFrame, groups: Sequence[str] | None = None, hc_type: str = DEFAULT_HC
                      ) -> pd.DataFrame:
    """Per group, on the respondents with a known number of teams: the size OR of ``logit_size`` and of
    ``logit_size_teams`` (+ log number of teams) with intervals, and the OR per doubling of the number of
    teams."""
    n = teams_outcome(frame)
    ok = n.notna().to_numpy()
    sub = frame.loc[ok].copy()
    sub[LOG_TEAMS] = np.log(n[ok].astype(float).to_numpy())
    rows = []
    for g in groups or group_codes():
        y = any_involvement(sub, g)
        base = fit_binary(sub, y, SPEC_SIZE, "logit_size", g, hc_type)
        adj = fit_binary(sub, y, (*SPEC_SIZE, LOG_TEAMS), "logit_size_teams", g, hc_type)
        row = {"group": g, "n": adj.n}
        for name, f in (("size_only", base), ("size_adjusted", adj)):
            lo, hi = f.ci(SIZE_TERM) if f.estimable else (math.nan, math.nan)
            row.update({f"or_{name}": math.exp(f.coef(SIZE_TERM)) if f.estimable else math.nan,
                        f"or_{name}_low": math.exp(lo), f"or_{name}_high": math.exp(hi)})
        if adj.estimable:
            b, s = adj.coef(LOG_TEAMS), adj.se(LOG_TEAMS)
            row.update({"or_teams_doubling": math.exp(b * math.log(2)),
                        "or_teams_doubling_low": math.exp((b - Z95 * s) * math.log(2)),
                        "or_teams_doubling_high": math.exp((b + Z95 * s) * math.log(2))})
        rows.append(row)
    return pd.DataFrame(rows)



# --------------------------------------------------------------------------- the teams model's mean curve

QUADRATIC_TERM = "log2_population_sq"


def teams_model_check(frame: pd.DataFrame, fits: Sequence[Fit], hc_type: str = DEFAULT_HC) -> pd.DataFrame:
    """Is the log-linear mean curve of the teams models adequate? Per teams model: the robust p of a quadratic
    term in log2 population added to the same model (same SE type) and the Pearson chi2/df of the fitted
    model (below 1: underdispersed counts; the robust SEs stay valid, the model-based ones would be too wide).
    One family of model checks (``modelcontrole_teammodel``), Holm over the quadratic-term p-values."""
    y = teams_outcome(frame)
    ok = y.notna().to_numpy()
    fr = frame.assign(**{QUADRATIC_TERM: frame[SIZE_TERM].astype(float) ** 2})
    rows = []
    for f in fits:
        if f.model not in ("nb2_teams", "truncnb2_teams") or not f.estimable:
            continue
        truncated = f.family == "truncated_nb2"
        q = fit_nb2(fr, y, (*SPEC_SIZE, QUADRATIC_TERM), f"{f.model}_quadratic", f.outcome, hc_type=hc_type,
                    truncated=truncated)
        yv = y[ok].astype(float).to_numpy()
        X = np.column_stack([np.ones(int(ok.sum())), frame.loc[ok, SIZE_TERM].astype(float).to_numpy()])
        mu = np.exp(X @ f.params[:2])
        a = float(f.alpha) if np.isfinite(f.alpha) else 0.0
        if truncated:
            p0 = np.exp(-mu) if a == 0 else (1 + a * mu) ** (-1 / a)
            mean = mu / (1 - p0)
            var = mean * (1 + a * mu + mu) - mean**2
        else:
            mean, var = mu, mu + a * mu**2
        k = 2 + (0 if a == 0 else 1)
        pearson = float(np.sum((yv - mean) ** 2 / var) / (len(yv) - k))
        rows.append({"model": f.model, "n": int(ok.sum()), "quadratic_estimate": q.coef(QUADRATIC_TERM)
                     if q.estimable else math.nan, "p_value": q.p_value(QUADRATIC_TERM) if q.estimable else math.nan,
                     "cov_type": q.cov_type, "pearson_dispersion": pearson})
    return adjust(pd.DataFrame(rows, columns=["model", "n", "quadratic_estimate", "p_value", "cov_type",
                                              "pearson_dispersion"]), "modelcontrole_teammodel")
