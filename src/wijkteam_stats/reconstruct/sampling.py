"""Exact-count random building blocks: conditional Poisson sampling, bounded apportionment, multi-select fill.

All functions take a :class:`numpy.random.Generator` and are deterministic given its state.
"""

from __future__ import annotations

import numpy as np


def log_esp_suffix(log_w: np.ndarray, n: int) -> np.ndarray:
    """``L[i, k] = log e_k(w_i, ..., w_{N-1})``: log elementary symmetric polynomials of every suffix."""
    size = len(log_w)
    out = np.full((size + 1, n + 1), -np.inf)
    out[size, 0] = 0.0
    for i in range(size - 1, -1, -1):
        nxt = out[i + 1]
        out[i, 0] = 0.0
        out[i, 1:] = np.logaddexp(nxt[1:], log_w[i] + nxt[:-1])
    return out


def conditional_poisson_sample(log_odds: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw exactly ``n`` of ``len(log_odds)`` units with P(sample S) ∝ exp(sum of log_odds over S).

    This is the distribution of independent Bernoulli draws with logit = c + log_odds given that their
    sum is n (conditional Poisson sampling); exact sequential sampler with a log-space DP. Returns a
    boolean mask.
    """
    log_w = np.asarray(log_odds, dtype=float)
    size = len(log_w)
    if not 0 <= n <= size:
        raise ValueError(f"cannot draw {n} of {size} units")
    mask = np.zeros(size, dtype=bool)
    if n == 0:
        return mask
    if n == size:
        mask[:] = True
        return mask
    table = log_esp_suffix(log_w, n)
    u = rng.random(size)
    k = n
    for i in range(size):
        if k == 0:
            break
        if size - i == k:
            mask[i:] = True
            break
        p = np.exp(log_w[i] + table[i + 1, k - 1] - table[i, k])
        if u[i] < p:
            mask[i] = True
            k -= 1
    return mask


def inclusion_probabilities(log_odds: np.ndarray, n: int) -> np.ndarray:
    """First-order inclusion probabilities of conditional Poisson sampling of ``n`` units (exact)."""
    log_w = np.asarray(log_odds, dtype=float)
    size = len(log_w)
    if not 0 <= n <= size:
        raise ValueError(f"cannot draw {n} of {size} units")
    if n in (0, size):
        return np.full(size, float(n == size))
    suf = log_esp_suffix(log_w, n)  # suf[i, k] = log e_k(w_i, ..., w_{N-1})
    pre = np.full((size + 1, n + 1), -np.inf)  # pre[i, k] = log e_k(w_0, ..., w_{i-1})
    pre[0, 0] = 0.0
    for i in range(size):
        pre[i + 1, 0] = 0.0
        pre[i + 1, 1:] = np.logaddexp(pre[i, 1:], log_w[i] + pre[i, :-1])
    total = suf[0, n]
    out = np.empty(size)
    for i in range(size):
        # e_{n-1} of all units but i = sum_j e_j(before i) * e_{n-1-j}(after i)
        terms = pre[i, :n] + suf[i + 1, n - 1::-1]
        out[i] = np.exp(log_w[i] + np.logaddexp.reduce(terms) - total)
    return out


def apportion(total: int, weights: np.ndarray, lower: np.ndarray | int = 0,
              upper: np.ndarray | int | None = None) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` within [lower, upper] (largest remainder).

    The continuous shares are clipped by water-filling; ties in the remainders go to the lower index.
    """
    w = np.asarray(weights, dtype=float)
    size = len(w)
    lo = np.broadcast_to(np.asarray(lower, dtype=np.int64), (size,)).copy()
    hi = (np.full(size, np.iinfo(np.int64).max // 4, dtype=np.int64) if upper is None
          else np.broadcast_to(np.asarray(upper, dtype=np.int64), (size,)).copy())
    if (lo > hi).any() or lo.sum() > total or hi.sum() < total:
        raise ValueError(f"cannot apportion {total} within bounds (sum lower {lo.sum()}, sum upper {hi.sum()})")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative with a positive sum")

    def filled(lam: float) -> np.ndarray:
        return np.clip(lam * w, lo, hi)

    a, b = 0.0, 1.0
    while filled(b).sum() < total:
        b *= 2.0
        if b > 1e300:
            raise ValueError("apportion: weights too small")
    for _ in range(200):
        mid = (a + b) / 2
        if filled(mid).sum() < total:
            a = mid
        else:
            b = mid
    quota = filled(b)
    base = np.clip(np.floor(quota + 1e-9).astype(np.int64), lo, hi)
    rest = int(total - base.sum())
    if rest < 0:  # rounding overshoot from the clip: take back from the smallest remainders
        frac = quota - base
        order = np.lexsort((np.arange(size), frac))
        for i in order:
            if rest == 0:
                break
            if base[i] > lo[i]:
                base[i] -= 1
                rest += 1
    elif rest > 0:
        frac = quota - base
        order = np.lexsort((np.arange(size), -frac))
        for i in order:
            if rest == 0:
                break
            if base[i] < hi[i]:
                base[i] += 1
                rest -= 1
    if base.sum() != total:  # pragma: no cover - guarded by the bound checks above
        raise RuntimeError("apportion failed to reach the total")
    return base


def fill_multiselect(n_rows: int, counts: list[int] | np.ndarray, rng: np.random.Generator, *,
                     require_one: bool = True, extra_weights: np.ndarray | None = None) -> np.ndarray:
    """A 0/1 matrix (``n_rows`` × len(counts)) with column sums exactly ``counts``; rows ≥ 1 tick if required.

    Constructive (Gale–Ryser style): first every row gets one covering tick, the columns' shares of the
    covering proportional to their counts; then each column's remaining ticks go to rows that do not have
    it yet, drawn with probability ∝ ``extra_weights``. Feasible iff every count ≤ n_rows and (if
    ``require_one``) sum(counts) ≥ n_rows.
    """
    c = np.asarray(counts, dtype=np.int64)
    m = len(c)
    if (c < 0).any() or (c > n_rows).any():
        raise ValueError(f"column counts {c.tolist()} must lie within 0..{n_rows}")
    if require_one and n_rows > 0 and c.sum() < n_rows:
        raise ValueError(f"{n_rows} rows cannot each get a tick from {int(c.sum())} ticks")
    out = np.zeros((n_rows, m), dtype=bool)
    if n_rows == 0:
        return out
    cover = (apportion(n_rows, c.astype(float), 0, c) if require_one and c.sum() > 0
             else np.zeros(m, dtype=np.int64))
    perm = rng.permutation(n_rows)
    start = 0
    for j in range(m):
        out[perm[start:start + cover[j]], j] = True
        start += cover[j]
    ew = np.ones(n_rows) if extra_weights is None else np.asarray(extra_weights, dtype=float)
    for j in range(m):
        need = int(c[j] - cover[j])
        if need == 0:
            continue
        avail = np.flatnonzero(~out[:, j])
        p = ew[avail] / ew[avail].sum()
        pick = rng.choice(avail, size=need, replace=False, p=p)
        out[pick, j] = True
    return out
