"""Numerical machinery of the size models: HC0-HC3 sandwich covariance, detection of (quasi-)complete
separation by linear programmes, Firth's penalised logistic regression with profile penalised-likelihood
intervals (Heinze & Schemper 2002) and the FLIC intercept correction for predictions (Puhr et al. 2017)."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats
from scipy.special import expit

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")
#: Default robust covariance: HC3. With 150-230 municipalities per model and a few large, high-leverage
#: cities, HC3 (leverage-adjusted, Long & Ervin 2000) is the small-sample choice; models without a hat
#: matrix (NB2, ordinal) fall back to HC1 and say so.
DEFAULT_HC = "HC3"


def sandwich_glm(X: np.ndarray, resid: np.ndarray, weights: np.ndarray, hc_type: str = DEFAULT_HC) -> np.ndarray:
    """Robust covariance of a canonical-link GLM: bread (X'WX)^-1, meat from response residuals; HC0-HC3
    (HC2/HC3 with the leverages of the weighted hat matrix)."""
    hc = check_hc_type(hc_type)
    X = np.asarray(X, dtype=float)
    n, k = X.shape
    bread = np.linalg.inv(X.T @ (X * weights[:, None]))
    u = np.asarray(resid, dtype=float) ** 2
    if hc in ("HC2", "HC3"):
        h = weights * np.einsum("ij,jk,ik->i", X, bread, X)
        h = np.clip(h, 0.0, 1 - 1e-12)
        u = u / (1 - h) if hc == "HC2" else u / (1 - h) ** 2
    cov = bread @ ((X * u[:, None]).T @ X) @ bread
    if hc == "HC1":
        cov *= n / (n - k)
    return cov


def check_hc_type(hc_type: str) -> str:
    """``hc_type`` upper-cased; raises ValueError unless it is one of :data:`HC_TYPES`."""
    hc = str(hc_type).upper()
    if hc not in HC_TYPES:
        raise ValueError(f"hc_type must be one of {HC_TYPES}, got {hc_type!r}")
    return hc


def hc_from_hc0(cov_hc0: np.ndarray, n: int, k: int, hc_type: str) -> tuple[np.ndarray, str, tuple[str, ...]]:
    """HC1 (or HC0) from a statsmodels HC0 matrix for non-canonical models; HC2/HC3 fall back to HC1."""
    hc = check_hc_type(hc_type)
    if hc == "HC0":
        return cov_hc0, "HC0", ()
    note = () if hc == "HC1" else (f"{hc} needs a hat matrix this model lacks; HC1 used",)
    return cov_hc0 * n / (n - k), "HC1", note


def separation(y: np.ndarray, X: np.ndarray, tol: float = 1e-7, method: str = "auto") -> str:
    """'none', 'quasi' or 'complete' separation of a binary outcome (linear programmes of Konis 2007; for
    an intercept plus one covariate, ``method="auto"`` compares the covariate ranges of the two classes)."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if method == "auto" and X.shape[1] == 2 and np.all(X[:, 0] == 1) and 0 < y.sum() < len(y):
        x0, x1 = X[y == 0, 1], X[y == 1, 1]
        if x0.max() < x1.min() or x1.max() < x0.min():
            return "complete"
        if x0.max() == x1.min() or x1.max() == x0.min():
            return "quasi"
        return "none"
    A = (2 * y - 1)[:, None] * X
    k = X.shape[1]
    res = optimize.linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * k, method="highs")
    if res.status != 0 or -res.fun <= tol:
        return "none"
    c = np.zeros(k + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-A, np.ones((len(y), 1))])
    res2 = optimize.linprog(c, A_ub=A_ub, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * k + [(0, 1)], method="highs")
    return "complete" if res2.status == 0 and -res2.fun > tol else "quasi"


def firth_logit(y: np.ndarray, X: np.ndarray, max_iter: int = 200, tol: float = 1e-9
                ) -> tuple[np.ndarray, np.ndarray, bool, float]:
    """Firth's bias-reduced logistic regression: (params, model-based covariance, converged, penalised
    log-likelihood). Finite estimates also under separation."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    beta = np.zeros(X.shape[1])

    def pen_ll(b: np.ndarray) -> float:
        eta = X @ b
        p = expit(eta)
        info = X.T @ (X * (p * (1 - p))[:, None])
        sign, logdet = np.linalg.slogdet(info)
        return float(np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * logdet) if sign > 0 else -np.inf

    current = pen_ll(beta)
    converged = False
    for _ in range(max_iter):
        p = expit(X @ beta)
        w = p * (1 - p)
        inv = np.linalg.inv(X.T @ (X * w[:, None]))
        h = w * np.einsum("ij,jk,ik->i", X, inv, X)
        step = inv @ (X.T @ (y - p + h * (0.5 - p)))
        t = 1.0
        while t > 1e-8:
            cand = beta + t * step
            val = pen_ll(cand)
            if val >= current - 1e-12:
                break
            t /= 2
        beta, current = cand, val
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    p = expit(X @ beta)
    cov = np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))
    return beta, cov, converged, current


def firth_penalised_loglik(beta: np.ndarray, y: np.ndarray, X: np.ndarray) -> float:
    """Firth's penalised log-likelihood l(b) + 0.5 log |I(b)| of a logistic regression."""
    eta = X @ beta
    p = expit(eta)
    info = X.T @ (X * (p * (1 - p))[:, None])
    sign, logdet = np.linalg.slogdet(info)
    return float(np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * logdet) if sign > 0 else -np.inf


def _firth_score(beta: np.ndarray, y: np.ndarray, X: np.ndarray) -> np.ndarray:
    p = expit(X @ beta)
    w = p * (1 - p)
    inv = np.linalg.inv(X.T @ (X * w[:, None]))
    h = w * np.einsum("ij,jk,ik->i", X, inv, X)
    return X.T @ (y - p + h * (0.5 - p))


def _profile_max(j: int, value: float, y: np.ndarray, X: np.ndarray, start: np.ndarray) -> tuple[float, np.ndarray]:
    """Maximum of the penalised log-likelihood with coefficient ``j`` fixed at ``value``."""
    free = [i for i in range(X.shape[1]) if i != j]

    def full(b: np.ndarray) -> np.ndarray:
        out = np.empty(X.shape[1])
        out[free] = b
        out[j] = value
        return out

    def neg(b: np.ndarray) -> tuple[float, np.ndarray]:
        bb = full(b)
        val = firth_penalised_loglik(bb, y, X)
        if not np.isfinite(val):
            return 1e300, np.zeros(len(free))
        return -val, -_firth_score(bb, y, X)[free]

    res = optimize.minimize(neg, start[free], jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 500})
    return -float(res.fun), full(res.x)


def firth_profile_ci(y: np.ndarray, X: np.ndarray, params: np.ndarray, level: float = 0.95,
                     limit: float = 1000.0, terms: list[int] | None = None) -> list[tuple[float, float]]:
    """Profile penalised-likelihood intervals of every coefficient of a Firth fit (or only of the column
    indices ``terms``; the others are NaN): the values b_j where 2 (pl(b_hat) - max pl | b_j) equals the
    chi-square(1) quantile (Heinze & Schemper 2002, as R's ``logistf``). A side that does not reach the
    quantile within ``limit`` of the estimate (checked at the limit itself) is infinite."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    params = np.asarray(params, dtype=float)
    top = firth_penalised_loglik(params, y, X)
    crit = float(stats.chi2.ppf(level, 1))
    p = expit(X @ params)
    se = np.sqrt(np.diag(np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))))
    out = []
    for j in range(X.shape[1]):
        if terms is not None and j not in terms:
            out.append((math.nan, math.nan))
            continue

        def dev(v: float, j: int = j) -> float:
            return 2 * (top - _profile_max(j, v, y, X, params)[0]) - crit

        bounds = []
        for sign in (-1.0, 1.0):
            bounds.append(_profile_bound(dev, float(params[j]), sign, max(float(se[j]), 0.1), limit))
        out.append((bounds[0], bounds[1]))
    return out


def _profile_bound(dev, estimate: float, sign: float, step: float, limit: float) -> float:
    """One side of a profile interval: expand from ``estimate`` in direction ``sign`` (doubling steps) until
    ``dev`` is >= 0, then find the root. The last trial point is clamped to ``estimate + sign * limit`` and
    *checked* there: a bound inside the limit is found even when the doubling step jumps past it; only a side
    whose deviance stays below the quantile at the limit is infinite."""
    edge = estimate + sign * limit
    inner, outer = estimate, estimate + sign * min(step, limit)
    while (d := dev(outer)) < 0:
        if outer == edge:
            return sign * math.inf
        step *= 2
        inner, outer = outer, outer + sign * step
        if abs(outer - estimate) >= limit:
            outer = edge
    for _ in range(60):  # a saturated fit (penalty -inf) gives no finite deviance: step back towards ``inner``
        if math.isfinite(d):
            break
        outer = (inner + outer) / 2
        d = dev(outer)
        if d < 0:
            inner, outer, d = outer, outer + (outer - inner), math.inf
    if not math.isfinite(d):
        return sign * math.inf
    return float(optimize.brentq(dev, inner, outer, xtol=1e-8))


def flic_intercept(y: np.ndarray, X: np.ndarray, params: np.ndarray, intercept_col: int = 0) -> float:
    """FLIC (Puhr et al. 2017): the intercept re-estimated by maximum likelihood with the Firth linear
    predictor of the other terms as offset, so that the mean predicted probability equals the observed
    share (Firth's penalty biases predicted probabilities towards 1/2)."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    others = [i for i in range(X.shape[1]) if i != intercept_col]
    offset = X[:, others] @ np.asarray(params, dtype=float)[others]
    ybar = float(y.mean())
    if ybar in (0.0, 1.0):
        return math.copysign(math.inf, ybar - 0.5)
    return float(optimize.brentq(lambda a: float(np.mean(expit(a + offset))) - ybar, -60, 60, xtol=1e-12))


def firth_lr_pvalues(y: np.ndarray, X: np.ndarray, params: np.ndarray) -> list[float]:
    """Penalised likelihood-ratio p-values of b_j = 0 for every coefficient of a Firth fit (chi-square(1))."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    top = firth_penalised_loglik(np.asarray(params, dtype=float), y, X)
    out = []
    for j in range(X.shape[1]):
        stat = max(0.0, 2 * (top - _profile_max(j, 0.0, y, X, np.asarray(params, dtype=float))[0]))
        out.append(float(stats.chi2.sf(stat, 1)))
    return out
