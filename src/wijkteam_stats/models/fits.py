"""Fitting of the size models: the :class:`Fit` record, logit / count / NB2 / ordinal fits with robust SEs,
and the involvement, depth, index and teams model sets (:class:`ModelSet`, :func:`fit_all`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from wijkteam_stats.models.frame import (
    INTERCEPT,
    LADDER,
    NETWORK_TERM,
    SIZE_TERM,
    any_involvement,
    design_matrix,
    forms_count,
    group_codes,
    groups_involved,
    highest_rung,
    index_frame,
    teams_outcome,
)
from wijkteam_stats.models.robust import (
    DEFAULT_HC,
    check_hc_type,
    firth_logit,
    firth_lr_pvalues,
    firth_profile_ci,
    flic_intercept,
    hc_from_hc0,
    sandwich_glm,
    separation,
)
from wijkteam_stats.reference import municipalities

CONFIDENCE = 0.95
#: NB2 dispersion below which alpha counts as at its boundary 0: the fit falls back to (zero-truncated)
#: Poisson with robust SEs, because the sandwich of a boundary estimate is not trustworthy.
ALPHA_BOUNDARY = 1e-4
Z95 = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))


@dataclass(frozen=True)
class Fit:
    """One fitted model: parameters and their (robust) covariance, with what is needed to predict."""

    model: str
    outcome: str
    family: str
    link: str
    spec: tuple[str, ...]
    terms: tuple[str, ...]
    params: np.ndarray
    cov: np.ndarray
    n: int
    k_mean: int
    cov_type: str
    method: str = "mle"
    converged: bool = True
    separation: str = "none"
    n_events: int | None = None
    n_excluded: int = 0
    dispersion: float = math.nan
    alpha: float = math.nan
    loglike: float = math.nan
    aic: float = math.nan
    notes: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    pop_range: tuple[float, float] = (math.nan, math.nan)
    #: Profile (penalised-)likelihood intervals per term, aligned with ``terms`` (empty: Wald intervals).
    profile: tuple[tuple[float, float], ...] = ()
    #: FLIC intercept of a Firth fit (used for predictions; NaN otherwise).
    flic_intercept: float = math.nan
    #: Penalised likelihood-ratio p-values per term of a Firth fit (empty: Wald p-values).
    profile_p: tuple[float, ...] = ()

    @property
    def estimable(self) -> bool:
        """False when the model could not be fitted (parameters are NaN)."""
        return self.method != "not estimable"

    def coef(self, term: str) -> float:
        """The estimate of ``term`` (link scale)."""
        return float(self.params[self.terms.index(term)])

    def se(self, term: str) -> float:
        """The standard error of ``term`` (link scale)."""
        i = self.terms.index(term)
        return float(np.sqrt(self.cov[i, i]))

    @property
    def ci_method(self) -> str:
        """'profile' when the intervals are profile (penalised-)likelihood intervals, else 'wald'."""
        return "profile" if self.profile else "wald"

    @property
    def outcome_mean(self) -> float:
        """The mean outcome over the fitted rows (a share for a 0/1 outcome, a mean for a count)."""
        return self.n_events / self.n if self.n_events is not None and self.n else math.nan

    def ci(self, term: str) -> tuple[float, float]:
        """The 95 % interval of ``term`` (link scale): the profile interval when the fit has one (Firth),
        else Wald."""
        i = self.terms.index(term)
        if self.profile:
            return (float(self.profile[i][0]), float(self.profile[i][1]))
        b, s = self.coef(term), self.se(term)
        return (b - Z95 * s, b + Z95 * s)

    def p_value(self, term: str) -> float:
        """Two-sided p-value of ``term`` = 0: penalised likelihood ratio for a Firth fit, else Wald z."""
        i = self.terms.index(term)
        if self.profile_p:
            return float(self.profile_p[i])
        s = self.se(term)
        return float(2 * stats.norm.sf(abs(self.coef(term) / s))) if s > 0 else math.nan

    def distinguishable(self, term: str = SIZE_TERM) -> bool:
        """True when the 95 % interval of ``term`` excludes 0 (no effect); False when it includes 0 or the
        fit is not estimable."""
        if not self.estimable or term not in self.terms:
            return False
        lo, hi = self.ci(term)
        return bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))


# --------------------------------------------------------------------------- single fits


def _nan_fit(model: str, outcome: str, family: str, link: str, spec: tuple[str, ...], terms: Sequence[str],
             n: int, note: str, **kw) -> Fit:
    k = len(terms)
    return Fit(model, outcome, family, link, spec, tuple(terms), np.full(k, np.nan), np.full((k, k), np.nan),
               n, k, "none", method="not estimable", converged=False, notes=(note,), **kw)


def _caught(ws: list[warnings.WarningMessage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f"{w.category.__name__}: {str(w.message).splitlines()[0]}" for w in ws))


def _warned_unconverged(notes: Sequence[str]) -> bool:
    """True when a caught warning says the optimum or its covariance is not trustworthy (a failed Hessian
    inversion, a convergence warning): such a fit is not reported as converged."""
    keys = ("hessian", "convergencewarning", "failed to converge", "singular", "not positive definite")
    return any(k in n.lower() for n in notes for k in keys)


def _prepare(frame: pd.DataFrame, y: pd.Series, spec: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray, int, tuple]:
    """Rows with a non-missing outcome, the design matrix (empty size classes dropped) and their levels."""
    keep = y.notna().to_numpy()
    cols = [c for c in ("population", SIZE_TERM, NETWORK_TERM, "size_class") if c in frame.columns]
    cols += [t for t in spec if t in frame.columns and t not in cols]
    sub = frame.loc[keep, cols]
    levels: tuple[str, ...] = ()
    if "size_class" in spec:
        present = set(sub["size_class"].astype("string").dropna())
        levels = tuple(lev for lev in municipalities.SIZE_CLASS_LABELS[1:] if lev in present)
    X = design_matrix(sub, spec, levels if "size_class" in spec else None)
    return X, y[keep].to_numpy(dtype=float), int((~keep).sum()), levels


def _pop_range(frame: pd.DataFrame, y: pd.Series) -> tuple[float, float]:
    pop = frame.loc[y.notna().to_numpy(), "population"].astype(float)
    return (float(pop.min()), float(pop.max())) if len(pop) else (math.nan, math.nan)


def fit_binary(frame: pd.DataFrame, y: pd.Series, spec: Sequence[str], model: str, outcome: str,
               hc_type: str = DEFAULT_HC) -> Fit:
    """Logistic regression (statsmodels GLM Binomial, logit link) of a nullable-boolean outcome with robust
    SEs; Firth's penalised likelihood under separation; 'not estimable' when the outcome does not vary."""
    import statsmodels.api as sm

    spec = tuple(spec)
    X, yv, n_excl, levels = _prepare(frame, y, spec)
    n, events = len(yv), int(yv.sum())
    common = dict(n_events=events, n_excluded=n_excl, levels=levels, pop_range=_pop_range(frame, y))
    if n == 0 or events in (0, n):
        return _nan_fit(model, outcome, "binomial", "logit", spec, list(X.columns), n,
                        f"outcome does not vary ({events} of {n} involved): not estimable", **common)
    Xa = X.to_numpy()
    if np.linalg.matrix_rank(Xa) < Xa.shape[1]:
        return _nan_fit(model, outcome, "binomial", "logit", spec, list(X.columns), n,
                        "design matrix is rank deficient: not estimable", **common)
    sep = separation(yv, Xa)
    if sep != "none":
        params, cov, conv, pll = firth_logit(yv, Xa)
        prof = tuple(firth_profile_ci(yv, Xa, params)) if conv else ()
        prof_p = tuple(firth_lr_pvalues(yv, Xa, params)) if conv else ()
        flic = flic_intercept(yv, Xa, params, list(X.columns).index(INTERCEPT)) if INTERCEPT in X.columns else math.nan
        return Fit(model, outcome, "binomial", "logit", spec, tuple(X.columns), params, cov, n, len(params),
                   "model-based (Firth)", method="firth", converged=conv, separation=sep, loglike=pll,
                   notes=(f"{sep} separation: Firth penalised likelihood, model-based SEs; profile "
                          "penalised-likelihood intervals; predictions with the FLIC intercept",),
                   profile=prof, flic_intercept=flic, profile_p=prof_p, **common)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        res = sm.GLM(yv, Xa, family=sm.families.Binomial()).fit()
    mu = np.asarray(res.mu)
    cov = sandwich_glm(Xa, yv - mu, mu * (1 - mu), hc_type)
    return Fit(model, outcome, "binomial", "logit", spec, tuple(X.columns), np.asarray(res.params), cov, n,
               Xa.shape[1], check_hc_type(hc_type), converged=bool(res.converged) and not _warned_unconverged(_caught(ws)),
               separation=sep,
               dispersion=float(res.pearson_chi2 / res.df_resid), loglike=float(res.llf), aic=float(res.aic),
               notes=_caught(ws), **common)


def fit_glm_count(frame: pd.DataFrame, y: pd.Series, spec: Sequence[str], model: str, outcome: str,
                  family: str = "poisson", trials: int | pd.Series | None = None, hc_type: str = DEFAULT_HC) -> Fit:
    """Poisson (log link) or binomial with ``trials`` (a number, or a Series aligned with ``frame``; logit
    link) GLM of a count, robust SEs, Pearson dispersion chi2/df."""
    import statsmodels.api as sm

    spec = tuple(spec)
    X, yv, n_excl, levels = _prepare(frame, y, spec)
    Xa = X.to_numpy()
    n = len(yv)
    link = "log" if family == "poisson" else "logit"
    common = dict(n_excluded=n_excl, levels=levels, pop_range=_pop_range(frame, y), n_events=int(yv.sum()))
    if n == 0 or np.all(yv == yv[0]):
        return _nan_fit(model, outcome, family, link, spec, list(X.columns), n,
                        "outcome does not vary: not estimable", **common)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        if family == "poisson":
            res = sm.GLM(yv, Xa, family=sm.families.Poisson()).fit()
            mu = np.asarray(res.mu)
            resid, w = yv - mu, mu
        elif family == "binomial":
            if trials is None:
                raise ValueError("binomial count model needs trials")
            m = (trials[y.notna().to_numpy()].to_numpy(dtype=float) if isinstance(trials, pd.Series)
                 else np.full(n, float(trials)))
            if np.any(m < 1) or np.any((yv < 0) | (yv > m)):
                raise ValueError(f"{outcome}: counts outside 0..trials or trials < 1")
            res = sm.GLM(np.column_stack([yv, m - yv]), Xa, family=sm.families.Binomial()).fit()
            p = np.asarray(res.mu)
            resid, w = yv - m * p, m * p * (1 - p)
        else:
            raise ValueError(f"unknown family {family!r}")
    cov = sandwich_glm(Xa, resid, w, hc_type)
    return Fit(model, outcome, family, link, spec, tuple(X.columns), np.asarray(res.params), cov, n, Xa.shape[1],
               check_hc_type(hc_type), converged=bool(res.converged) and not _warned_unconverged(_caught(ws)),
               dispersion=float(res.pearson_chi2 / res.df_resid), loglike=float(res.llf), aic=float(res.aic),
               notes=_caught(ws), **common)


def _truncated_nb2_model(y: np.ndarray, X: np.ndarray):
    """A statsmodels likelihood model of the zero-truncated NB2 with parameters (beta, log alpha)."""
    from scipy.special import gammaln
    from statsmodels.base.model import GenericLikelihoodModel

    class TruncatedNB2(GenericLikelihoodModel):
        def loglikeobs(self, params: np.ndarray) -> np.ndarray:
            beta, la = params[:-1], np.clip(params[-1], -25.0, 10.0)
            a = math.exp(la)
            mu = np.exp(np.clip(self.exog @ beta, -30, 30))
            yy = self.endog
            r = 1.0 / a
            log_p0 = -r * np.log1p(a * mu)
            ll = (gammaln(yy + r) - gammaln(r) - gammaln(yy + 1) - r * np.log1p(a * mu)
                  + yy * (np.log(a * mu) - np.log1p(a * mu)))
            return ll - np.log(-np.expm1(log_p0))

    return TruncatedNB2(y, X, extra_params_names=["log_alpha"])


def fit_nb2(frame: pd.DataFrame, y: pd.Series, spec: Sequence[str], model: str, outcome: str,
            hc_type: str = DEFAULT_HC, truncated: bool = False) -> Fit:
    """Negative binomial NB2 (log link, alpha estimated; statsmodels ``NegativeBinomial``), or the
    zero-truncated NB2 (maximum likelihood in statsmodels' ``GenericLikelihoodModel`` with log alpha,
    reported as alpha by the delta method), with robust SEs."""
    import statsmodels.api as sm

    spec = tuple(spec)
    X, yv, n_excl, levels = _prepare(frame, y, spec)
    Xa = X.to_numpy()
    n = len(yv)
    family = "truncated_nb2" if truncated else "nb2"
    terms = [*X.columns, "alpha"]
    common = dict(n_excluded=n_excl, levels=levels, pop_range=_pop_range(frame, y), n_events=int(yv.sum()))
    if n <= Xa.shape[1] + 1 or np.all(yv == yv[0]):
        return _nan_fit(model, outcome, family, "log", spec, terms, n, "too few or constant counts", **common)
    if truncated and np.any(yv < 1):
        raise ValueError(f"{outcome}: zero-truncated model needs counts >= 1")
    with warnings.catch_warnings(record=True) as ws_nb:
        warnings.simplefilter("always")
        nb = sm.NegativeBinomial(yv, Xa, loglike_method="nb2").fit(disp=0, maxiter=500, cov_type="HC0")
    nb_boundary = not np.isfinite(float(nb.params[-1])) or float(nb.params[-1]) < ALPHA_BOUNDARY
    ws = ws_nb
    boundary = False
    if truncated:
        start = np.concatenate([np.asarray(nb.params[:-1]), [math.log(max(float(nb.params[-1]), 0.05))]])
        with warnings.catch_warnings(record=True) as ws_tr:
            warnings.simplefilter("always")
            try:
                res = _truncated_nb2_model(yv, Xa).fit(start_params=start, method="bfgs", maxiter=2000,
                                                       disp=0, cov_type="HC0")
                boundary = (float(res.params[-1]) < math.log(ALPHA_BOUNDARY)
                            or not np.all(np.isfinite(res.cov_params())))
            except np.linalg.LinAlgError:
                boundary = True
        ws = ws_tr  # the warnings of the untruncated start are not this fit's warnings
        if boundary:  # nor are those of an abandoned attempt at the boundary
            from statsmodels.discrete.truncated_model import TruncatedLFPoisson

            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter("always")
                res = TruncatedLFPoisson(yv, Xa, truncation=0).fit(
                    start_params=np.asarray(nb.params[:-1]), method="newton", maxiter=200, disp=0, cov_type="HC0")
    elif nb_boundary:
        boundary = True
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            res = sm.Poisson(yv, Xa).fit(disp=0, maxiter=200, cov_type="HC0")
    else:
        res = nb
    raw = np.asarray(res.params, dtype=float)
    cov0 = np.asarray(res.cov_params(), dtype=float)
    notes = list(_caught(ws))
    if truncated and boundary:
        params = np.concatenate([raw, [0.0]])
        cov0 = np.pad(cov0, ((0, 1), (0, 1)))
        notes.append("alpha at its lower boundary 0 (no overdispersion): zero-truncated Poisson "
                     "(statsmodels TruncatedLFPoisson) with robust SEs; alpha fixed at 0, no interval")
        notes.append("mean parameters describe the untruncated Poisson; E[n | n >= 1] = mu / (1 - exp(-mu))")
    elif truncated:
        J = np.eye(len(raw))
        J[-1, -1] = math.exp(raw[-1])
        params = np.concatenate([raw[:-1], [math.exp(raw[-1])]])
        cov0 = J @ cov0 @ J.T
        notes.append("mean parameters describe the untruncated NB2; E[n | n >= 1] = mu / (1 - P(0))")
    elif boundary:
        params = np.concatenate([raw, [0.0]])
        cov0 = np.pad(cov0, ((0, 1), (0, 1)))
        notes.append(f"NB2 alpha at its lower boundary ({float(nb.params[-1]):.2g}): Poisson with robust SEs; "
                     "alpha fixed at 0, no interval")
    else:
        params = raw
    # k counts the estimated parameters only: an alpha fixed at its boundary 0 is not one (issue 20, point 8)
    cov, used, note = hc_from_hc0(cov0, n, len(raw), hc_type)
    notes += list(note)
    conv = (bool(res.mle_retvals.get("converged", True)) and bool(np.all(np.isfinite(params)))
            and not _warned_unconverged(notes))
    if not np.all(np.isfinite(cov)):
        conv = False
        notes.append("covariance not finite")
    mu = np.exp(Xa @ params[:-1])
    alpha = float(params[-1])
    pearson = float(np.sum((yv - mu) ** 2 / (mu + alpha * mu**2)) / (n - len(raw))) if not truncated else math.nan
    return Fit(model, outcome, family, "log", spec, tuple(terms), params, cov, n, Xa.shape[1], used,
               method="mle" if conv else "not estimable", converged=conv, dispersion=pearson, alpha=alpha,
               loglike=float(res.llf), aic=float(2 * len(params) - 2 * res.llf), notes=tuple(notes), **common)


def fit_ordinal(frame: pd.DataFrame, y: pd.Series, spec: Sequence[str], model: str, outcome: str,
                labels: Sequence[str] = LADDER, hc_type: str = DEFAULT_HC) -> Fit:
    """Proportional-odds model (statsmodels ``OrderedModel``, ``distr="logit"``) of an integer-coded
    ordinal outcome; unobserved levels are dropped; cut-points reported on their own scale (delta method)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    spec = tuple(t for t in spec if t != INTERCEPT)  # the cut-points take the intercept's role
    X, yv, n_excl, levels = _prepare(frame, y, spec)
    present = sorted(set(yv.astype(int)))
    names = [labels[i] for i in present]
    cut_terms = [f"cut[{a}|{b}]" for a, b in zip(names[:-1], names[1:], strict=True)]
    terms = [*X.columns, *cut_terms]
    common = dict(n_excluded=n_excl, levels=levels, pop_range=_pop_range(frame, y))
    n = len(yv)
    if len(present) < 2:
        return _nan_fit(model, outcome, "ordinal", "logit", spec, terms, n, "one level only: not estimable",
                        **common)
    codes = np.searchsorted(present, yv.astype(int))
    endog = pd.Series(pd.Categorical(codes, categories=range(len(present)), ordered=True))
    notes = []
    if len(present) < len(labels):
        notes.append(f"levels without observations dropped: {[lab for i, lab in enumerate(labels) if i not in present]}")
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        om = OrderedModel(endog, X.to_numpy(), distr="logit")
        res = om.fit(method="bfgs", maxiter=2000, disp=0, cov_type="HC0")
    raw = np.asarray(res.params, dtype=float)
    k = X.shape[1]
    cov_raw, used, note = hc_from_hc0(np.asarray(res.cov_params()), n, len(raw), hc_type)
    # cut-points: c1 = t1, c_j = t1 + sum_{i<=j} exp(t_i)
    J = np.eye(len(raw))
    th = raw[k:]
    for j in range(1, len(th)):
        J[k + j, k] = 1.0
        J[k + j, k + 1: k + j + 1] = np.exp(th[1: j + 1])
    cuts = np.concatenate([[th[0]], th[0] + np.cumsum(np.exp(th[1:]))])
    params = np.concatenate([raw[:k], cuts])
    cov = J @ cov_raw @ J.T
    return Fit(model, outcome, "ordinal", "logit", spec, tuple(terms), params, cov, n, k, used,
               converged=bool(res.mle_retvals.get("converged", True)) and not _warned_unconverged(_caught(ws)),
               loglike=float(res.llf), aic=float(res.aic),
               n_events=int((yv > 0).sum()), notes=tuple(notes + list(_caught(ws)) + list(note)), **common)


# --------------------------------------------------------------------------- model sets

SPEC_SIZE = (INTERCEPT, SIZE_TERM)
SPEC_NETWORK = (INTERCEPT, SIZE_TERM, NETWORK_TERM)
SPEC_CLASS = (INTERCEPT, "size_class")


def fit_involvement_models(frame: pd.DataFrame, hc_type: str = DEFAULT_HC, groups: Sequence[str] | None = None
                           ) -> list[Fit]:
    """Per group: ``logit_size`` (primary), ``logit_size_network`` (+ G4/G32) and ``logit_size_class``."""
    fits = []
    for g in groups or group_codes():
        y = any_involvement(frame, g)
        fits.append(fit_binary(frame, y, SPEC_SIZE, "logit_size", g, hc_type))
        fits.append(fit_binary(frame, y, SPEC_NETWORK, "logit_size_network", g, hc_type))
        fits.append(fit_binary(frame, y, SPEC_CLASS, "logit_size_class", g, hc_type))
    return fits


def fit_depth_models(frame: pd.DataFrame, hc_type: str = DEFAULT_HC, groups: Sequence[str] | None = None) -> list[Fit]:
    """Per group: ``poisson_forms`` (number of forms, primary) and ``ordinal_ladder`` (highest rung)."""
    fits = []
    for g in groups or group_codes():
        fits.append(fit_glm_count(frame, forms_count(frame, g), SPEC_SIZE, "poisson_forms", g, "poisson",
                                  hc_type=hc_type))
        fits.append(fit_ordinal(frame, highest_rung(frame, g), SPEC_SIZE, "ordinal_ladder", g, hc_type=hc_type))
    return fits


def fit_index_models(frame: pd.DataFrame, hc_type: str = DEFAULT_HC, groups: Sequence[str] | None = None) -> list[Fit]:
    """Groups involved (0-6) on size among complete answerers: ``poisson_index``, ``nb2_index``,
    ``binomial6_index`` (6 trials); and ``binomial_answered_index``: groups involved out of groups answered
    for every respondent with teams that answered at least one group (uses partial answerers too)."""
    groups = list(groups or group_codes())
    sub, idx = index_frame(frame, groups)
    gi = groups_involved(frame, groups)
    answered = pd.Series(gi["n_answered"].to_numpy(), index=sub.index)
    involved = pd.Series(gi["n_involved"].to_numpy(), index=sub.index, dtype="Int64").where(answered > 0, pd.NA)
    return [
        fit_glm_count(sub, idx, SPEC_SIZE, "poisson_index", "groups_involved", "poisson", hc_type=hc_type),
        fit_nb2(sub, idx, SPEC_SIZE, "nb2_index", "groups_involved", hc_type=hc_type),
        fit_glm_count(sub, idx, SPEC_SIZE, "binomial6_index", "groups_involved", "binomial", trials=len(groups),
                      hc_type=hc_type),
        fit_glm_count(sub, involved, SPEC_SIZE, "binomial_answered_index", "groups_involved", "binomial",
                      trials=answered, hc_type=hc_type),
    ]


def fit_team_models(frame: pd.DataFrame, hc_type: str = DEFAULT_HC) -> list[Fit]:
    """Number of teams on size among municipalities with teams: ``nb2_teams`` and ``truncnb2_teams``."""
    y = teams_outcome(frame)
    return [
        fit_nb2(frame, y, SPEC_SIZE, "nb2_teams", "n_teams", hc_type=hc_type),
        fit_nb2(frame, y, SPEC_SIZE, "truncnb2_teams", "n_teams", hc_type=hc_type, truncated=True),
    ]


@dataclass
class ModelSet:
    """All fits of the notebook on one survey table."""

    wave: int
    hc_type: str
    involvement: list[Fit]
    depth: list[Fit]
    index: list[Fit]
    teams: list[Fit]
    frame: pd.DataFrame = field(repr=False)

    @property
    def all(self) -> list[Fit]:
        """Every fit, in table order."""
        return [*self.involvement, *self.depth, *self.index, *self.teams]

    def get(self, model: str, outcome: str) -> Fit:
        """The fit of ``model`` for ``outcome``."""
        for f in self.all:
            if f.model == model and f.outcome == outcome:
                return f
        raise KeyError(f"no fit {model!r} for {outcome!r}")


def fit_all(frame: pd.DataFrame, wave: int, hc_type: str = DEFAULT_HC) -> ModelSet:
    """Fit every model of the notebook on a :func:`size_frame`."""
    hc = check_hc_type(hc_type)
    return ModelSet(int(wave), hc, fit_involvement_models(frame, hc), fit_depth_models(frame, hc),
                    fit_index_models(frame, hc), fit_team_models(frame, hc), frame)


def with_hc(fit: Fit, frame: pd.DataFrame, hc_type: str) -> Fit:
    """The same binary fit with another robust covariance (for comparing HC0-HC3 on one fit)."""
    if fit.family != "binomial" or fit.method != "mle":
        raise ValueError("with_hc applies to maximum-likelihood binary fits")
    y = any_involvement(frame, fit.outcome)
    X, yv, _, _ = _prepare(frame, y, fit.spec)
    mu = expit(X.to_numpy() @ fit.params)
    return replace(fit, cov=sandwich_glm(X.to_numpy(), yv - mu, mu * (1 - mu), hc_type), cov_type=check_hc_type(hc_type))
