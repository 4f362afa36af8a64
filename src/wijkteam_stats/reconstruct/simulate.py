"""Known-truth surveys for model checks: the reconstruction with resident involvement redrawn.

``simulate_survey`` keeps every column of the (cached) reconstruction except the involvement grid, which
it redraws for the answered rows of each resident group:

- ``mode="bernoulli"``: each municipality independently, P(involved in any form) =
  expit(a_g + beta · log2(population / median)), with a_g calibrated so that the *expected* number of
  involved municipalities equals the published one (the median is that of the group's answering
  municipalities; it only moves a_g). Counts vary from draw to draw, as in a real survey; this is the
  data-generating process a logistic regression of involvement on log2(population) assumes, so its
  slope estimates beta.
- ``mode="exact"``: conditional Poisson sampling with the same odds, i.e. the same model conditioned on
  the published number involved (what the shipped reconstruction uses); counts are exact.

Involved municipalities get a pattern of forms: bootstrap draws of the reconstruction's patterns of that
group (``bernoulli``) or an exact fill with the published form counts (``exact``). "geen" is exclusive.
After the first call for a (wave, base_seed, params) a call costs a few milliseconds.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.special import expit

from wijkteam_stats.reconstruct.generator import reconstruct
from wijkteam_stats.reconstruct.params import DEFAULT_SEED, ReconstructionParams
from wijkteam_stats.reconstruct.sampling import conditional_poisson_sample, fill_multiselect
from wijkteam_stats.reference.codebook import load_codebook

MODES = ("bernoulli", "exact")


@dataclass(frozen=True)
class _Group:
    code: str
    rows: np.ndarray  # row positions that answered the group
    x: np.ndarray  # log2(population / median) of those rows
    target: int  # published number involved (any form)
    form_counts: tuple[int, ...]
    patterns: np.ndarray  # (n_involved, n_forms) bool, the reconstruction's patterns
    columns: tuple[str, ...]  # tidy columns of the forms (exclusive last)


@dataclass(frozen=True)
class _Base:
    tidy: pd.DataFrame
    groups: tuple[_Group, ...]
    median_population: dict[str, float]


@lru_cache(maxsize=4)
def _base(wave: int, base_seed: int, params: ReconstructionParams) -> _Base:
    rec = reconstruct(wave, base_seed, params=params.with_(involvement_size_effect=0.0))
    tidy = rec.tidy
    cb = load_codebook()
    grid = next(v for v in cb.variables if v.type == "grid")
    pop = tidy["gm_code"].map(rec.respondents.set_index("gm_code")["population"]).to_numpy(dtype=float)
    forms = [f.code for f in grid.forms if f.code != grid.exclusive]
    groups, medians = [], {}
    for grp in grid.groups:
        cols = tuple(f"{grid.name}__{grp.code}__{f}" for f in forms) + (f"{grid.name}__{grp.code}__{grid.exclusive}",)
        if grp.code not in rec.aggregates.involvement_bases:
            continue
        geen = tidy[cols[-1]]
        rows = np.flatnonzero(geen.notna().to_numpy())
        med = float(np.median(pop[rows]))
        medians[grp.code] = med
        involved = rows[~geen.iloc[rows].astype(bool).to_numpy()]
        pats = tidy.iloc[involved][list(cols[:-1])].astype(bool).to_numpy()
        groups.append(_Group(
            code=grp.code, rows=rows, x=np.log2(pop[rows] / med), target=len(involved),
            form_counts=tuple(int(x) for x in pats.sum(axis=0)), patterns=pats, columns=cols,
        ))
    return _Base(tidy=tidy, groups=tuple(groups), median_population=medians)


_INTERCEPTS: OrderedDict[tuple, float] = OrderedDict()


def calibrate_intercept(x: np.ndarray, beta: float, target: float) -> float:
    """The a with sum(expit(a + beta·x)) == target (Newton's method, safeguarded by bisection)."""
    n = len(x)
    if not 0 < target < n:
        raise ValueError(f"target {target} must lie strictly between 0 and {n}")
    lo, hi = -50.0, 50.0
    a = float(np.log(target / (n - target)))
    for _ in range(100):
        p = expit(a + beta * x)
        f = p.sum() - target
        if abs(f) < 1e-10:
            break
        if f > 0:
            hi = a
        else:
            lo = a
        d = (p * (1 - p)).sum()
        step = a - f / d if d > 1e-12 else (lo + hi) / 2
        a = step if lo < step < hi else (lo + hi) / 2
    return a


def _intercept(key: tuple, x: np.ndarray, beta: float, target: int) -> float:
    if key in _INTERCEPTS:
        _INTERCEPTS.move_to_end(key)
        return _INTERCEPTS[key]
    a = calibrate_intercept(x, beta, target)
    _INTERCEPTS[key] = a
    if len(_INTERCEPTS) > 512:
        _INTERCEPTS.popitem(last=False)
    return a


def simulate_survey(wave: int = 2015, seed: int = 0, involvement_size_effect: float = 0.0,
                    mode: str = "bernoulli", *, base_seed: int = DEFAULT_SEED,
                    params: ReconstructionParams | None = None) -> pd.DataFrame:
    """A SYNTHETIC tidy survey table with involvement redrawn under a known size effect (see module doc).

    ``involvement_size_effect`` is beta, the log-odds per doubling of population of a resident group being
    involved in any form. ``df.attrs`` records the truth (beta, mode, seed, intercepts per group).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    params = params or ReconstructionParams()
    base = _base(int(wave), int(base_seed), params)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7919]))
    beta = float(involvement_size_effect)
    out = base.tidy.copy()
    m = len(out)
    intercepts = {}
    for grp in base.groups:
        n_ans = len(grp.rows)
        if mode == "bernoulli":
            a = _intercept((int(wave), int(base_seed), params, grp.code, beta), grp.x, beta, grp.target)
            intercepts[grp.code] = a
            involved = rng.random(n_ans) < expit(a + beta * grp.x)
            pats = grp.patterns[rng.integers(0, len(grp.patterns), int(involved.sum()))]
        else:
            involved = conditional_poisson_sample(beta * grp.x, grp.target, rng)
            pats = fill_multiselect(int(involved.sum()), list(grp.form_counts), rng)
        inv_rows = grp.rows[involved]
        for j, col in enumerate(grp.columns[:-1]):
            vals = np.zeros(m, dtype=bool)
            vals[inv_rows] = pats[:, j]
            mask = np.ones(m, dtype=bool)
            mask[grp.rows] = False
            out[col] = pd.arrays.BooleanArray(vals, mask)
        geen = np.zeros(m, dtype=bool)
        geen[grp.rows] = ~involved
        mask = np.ones(m, dtype=bool)
        mask[grp.rows] = False
        out[grp.columns[-1]] = pd.arrays.BooleanArray(geen, mask)
    out.attrs = {"synthetic": True, "involvement_size_effect": beta, "mode": mode, "seed": int(seed),
                 "base_seed": int(base_seed), "intercepts": intercepts,
                 "median_population": dict(base.median_population)}
    return out
