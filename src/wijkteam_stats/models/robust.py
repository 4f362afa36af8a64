"""Numerical machinery of the size models: HC0-HC3 sandwich covariance, detection of (quasi-)complete
separation by linear programmes, and Firth's penalised logistic regression."""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.special import expit

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")


def sandwich_glm(X: np.ndarray, resid: np.ndarray, weights: np.ndarray, hc_type: str = "HC1") -> np.ndarray:
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
