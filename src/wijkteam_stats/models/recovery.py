"""Known-truth recovery of what is published: the per-group logit, the stacked clustered model, the Firth fit
and the zero-truncated teams model, under several true effects, with correlated groups and with the
municipalities and bases redrawn in every replication.

The simulated survey (:func:`draw_survey`), one replication
    * **Respondents** are drawn from the wave's register (393 municipalities in 2015) without replacement,
      G32 members with response probability ``g32_response``, the others with ``other_response`` (the
      published response pattern: the G32 answered more often); a respondent works with teams with
      probability ``teams_share``; each group is answered with probability ``answer_share`` (item
      non-response). So the municipalities, their sizes and every base change from one replication to the
      next, as they would between surveys.
    * **Correlated groups.** One latent municipality effect is shared by its six groups (a Gaussian copula:
      ``Z_ig = sqrt(rho) U_i + sqrt(1 - rho) E_ig``; involved when ``Phi(Z_ig) < expit(a_g + beta x_i)``).
      Each group's *marginal* model is then exactly the logit ``a_g + beta x_i`` (the truth every model
      estimates, also the population-averaged stacked model), while the six answers of one municipality are
      positively dependent: what the clustering of the stacked model is for. ``a_g`` is calibrated so that
      the group's mean probability over the register's municipalities equals ``group_shares[g]``.
    * **Teams**: zero-truncated Poisson counts with log mean ``log(teams_at_centre) + gamma x_i`` among the
      respondents with teams (gamma = log of the true ratio per doubling of the latent mean).

Models checked (``model``)
    ``logit_size`` (per group, the notebook's fit with HC3 SEs; six intervals per replication),
    ``stacked_common`` (common slope, group intercepts, municipality-clustered CR1), ``firth`` (Firth's
    penalised logistic regression of one group with its profile penalised-likelihood interval and penalised
    LR p, fitted whatever the separation status, so its intervals are checked also where it is not needed),
    ``truncnb2_teams`` (the primary teams model; falls back to zero-truncated Poisson at alpha 0).

Summary (:func:`recovery_summary`): per model and true value the coverage of the 95 % intervals and the
rejection rate of "no effect" at 5 % (the size of the test at OR 1, the power elsewhere), each with its Monte
Carlo standard error computed over *replications* (the six intervals of one replication are dependent, so
they are averaged within the replication first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from wijkteam_stats.models.fits import SPEC_SIZE, fit_binary, fit_nb2
from wijkteam_stats.models.frame import CENTRE_POPULATION, SIZE_TERM
from wijkteam_stats.models.joint import fit_stacked_logit
from wijkteam_stats.models.power import calibrated_intercept
from wijkteam_stats.models.robust import DEFAULT_HC, firth_logit, firth_lr_pvalues, firth_profile_ci
from wijkteam_stats.reference import municipalities

#: True effects per doubling (odds ratio for involvement, ratio of the latent mean for teams).
TRUE_RATIOS = (1.0, 1.25, 1.5)
MODELS = ("logit_size", "stacked_common", "firth", "truncnb2_teams")
RESULT_COLUMNS = ["rep", "truth_ratio", "truth", "model", "group", "n", "estimate", "ci_low", "ci_high", "p_value",
                  "covers", "rejects"]


@dataclass(frozen=True)
class RecoveryDesign:
    """The simulated survey's settings (defaults: the published 2015 pattern; see the module docstring)."""

    wave_register_year: int = 2015
    g32_response: float = 25 / 37
    other_response: float = 209 / 356
    teams_share: float = 0.87
    answer_share: float = 0.93
    group_shares: tuple[float, ...] = (0.35, 0.6, 0.45, 0.35, 0.55, 0.8)
    rho: float = 0.5
    teams_at_centre: float = 2.0
    firth_group: int = 5
    groups: tuple[str, ...] = field(default=("g1", "g2", "g3", "g4", "g5", "g6"))


def _register(year: int) -> pd.DataFrame:
    reg = municipalities.register(year)
    return pd.DataFrame({"gm_code": reg["gm_code"].astype(str).to_numpy(),
                         "population": reg["population"].astype(float).to_numpy(),
                         "g32": reg["g32"].astype(bool).to_numpy()})


def draw_survey(rng: np.random.Generator, register: pd.DataFrame, design: RecoveryDesign, beta: float,
                gamma: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """One simulated survey: (frame of the respondents with teams: gm_code, population, log2_population;
    the stacked long table: gm_code, group, y, population, log2_population; the number of teams per row of
    the frame)."""
    p_resp = np.where(register["g32"], design.g32_response, design.other_response)
    resp = register[rng.random(len(register)) < p_resp]
    teams = resp[rng.random(len(resp)) < design.teams_share].reset_index(drop=True)
    x = np.log2(teams["population"].to_numpy() / CENTRE_POPULATION)
    frame = pd.DataFrame({"gm_code": teams["gm_code"], "population": teams["population"], SIZE_TERM: x})
    x_reg = np.log2(register["population"].to_numpy() / CENTRE_POPULATION)
    shared = rng.standard_normal(len(frame))
    parts = []
    for g, share in zip(design.groups, design.group_shares, strict=True):
        a = calibrated_intercept(x_reg, share, beta)
        z = math.sqrt(design.rho) * shared + math.sqrt(1 - design.rho) * rng.standard_normal(len(frame))
        y = (stats.norm.cdf(z) < expit(a + beta * x)).astype(float)
        answered = rng.random(len(frame)) < design.answer_share
        parts.append(pd.DataFrame({"gm_code": frame["gm_code"].to_numpy()[answered], "group": g, "y": y[answered],
                                   "population": frame["population"].to_numpy()[answered], SIZE_TERM: x[answered]}))
    long = pd.concat(parts, ignore_index=True)
    mu = design.teams_at_centre * np.exp(gamma * x)
    counts = rng.poisson(mu)
    while (zero := counts == 0).any():  # zero-truncated Poisson by redrawing the zeros
        counts[zero] = rng.poisson(mu[zero])
    return frame, long, pd.Series(counts, dtype="Int64")


def _row(rep: int, ratio: float, truth: float, model: str, group: str, n: int, b: float, lo: float, hi: float,
         p: float) -> dict:
    ok = bool(np.isfinite(b)) and not (math.isnan(lo) or math.isnan(hi))  # an infinite profile bound still counts
    return {"rep": rep, "truth_ratio": ratio, "truth": truth, "model": model, "group": group, "n": n, "estimate": b,
            "ci_low": lo, "ci_high": hi, "p_value": p, "covers": bool(ok and lo <= truth <= hi),
            "rejects": bool(np.isfinite(p) and p < 0.05)}


def recovery_run(ratios: Sequence[float] = TRUE_RATIOS, n_rep: int = 200, seed: int = 1,
                 design: RecoveryDesign | None = None, hc_type: str = DEFAULT_HC,
                 models: Sequence[str] = MODELS) -> pd.DataFrame:
    """``n_rep`` simulated surveys per true ratio, every model of ``models`` fitted to each (columns
    :data:`RESULT_COLUMNS`; ``truth`` on the link scale, log of the ratio per doubling)."""
    design = design or RecoveryDesign()
    register = _register(design.wave_register_year)
    rows = []
    for ratio in ratios:
        truth = math.log(float(ratio))
        for rep in range(n_rep):
            rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(round(1000 * ratio)), rep]))
            frame, long, n_teams = draw_survey(rng, register, design, truth, truth)
            if "logit_size" in models:
                for g in design.groups:
                    sub = long[long["group"] == g]
                    y = pd.Series(pd.array(sub["y"].astype(int).to_numpy(), dtype="Int64"))
                    f = fit_binary(sub.reset_index(drop=True), y, SPEC_SIZE, "logit_size", g, hc_type)
                    b, (lo, hi), p = ((f.coef(SIZE_TERM), f.ci(SIZE_TERM), f.p_value(SIZE_TERM)) if f.estimable
                                      else (math.nan, (math.nan, math.nan), math.nan))
                    rows.append(_row(rep, ratio, truth, "logit_size", g, f.n, b, lo, hi, p))
            if "stacked_common" in models:
                st = fit_stacked_logit(frame, "common", list(design.groups), long)
                b, s = st.coef(SIZE_TERM), st.se(SIZE_TERM)
                lo, hi = st.ci(SIZE_TERM)
                rows.append(_row(rep, ratio, truth, "stacked_common", "alle groepen", st.n, b, lo, hi,
                                 float(2 * stats.norm.sf(abs(b / s)))))
            if "firth" in models:
                g = design.groups[design.firth_group]
                sub = long[long["group"] == g]
                yv = sub["y"].to_numpy(dtype=float)
                X = np.column_stack([np.ones(len(sub)), sub[SIZE_TERM].to_numpy(dtype=float)])
                params, _, conv, _ = firth_logit(yv, X)
                if conv:
                    lo, hi = firth_profile_ci(yv, X, params, terms=[1])[1]
                    p = firth_lr_pvalues(yv, X, params)[1]
                    rows.append(_row(rep, ratio, truth, "firth", g, len(yv), float(params[1]), lo, hi, p))
                else:
                    rows.append(_row(rep, ratio, truth, "firth", g, len(yv), math.nan, math.nan, math.nan, math.nan))
            if "truncnb2_teams" in models:
                f = fit_nb2(frame, n_teams, SPEC_SIZE, "truncnb2_teams", "n_teams", hc_type=hc_type, truncated=True)
                b, (lo, hi), p = ((f.coef(SIZE_TERM), f.ci(SIZE_TERM), f.p_value(SIZE_TERM)) if f.estimable
                                  else (math.nan, (math.nan, math.nan), math.nan))
                rows.append(_row(rep, ratio, truth, "truncnb2_teams", "", f.n, b, lo, hi, p))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def recovery_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per model and true ratio: replications, intervals, coverage and rejection rate with their Monte Carlo
    standard errors (over replications: the intervals of one replication are averaged first), mean estimate
    and bias (link scale), not-estimable fits."""
    rows = []
    for (model, ratio), g in results.groupby(["model", "truth_ratio"], sort=True):
        per_rep = g.groupby("rep").agg(covers=("covers", "mean"), rejects=("rejects", "mean"))
        r = len(per_rep)

        def mcse(col: str, per_rep: pd.DataFrame = per_rep, r: int = r) -> float:
            return float(per_rep[col].std(ddof=1) / math.sqrt(r)) if r > 1 else math.nan

        est = g["estimate"].dropna()
        rows.append({"model": model, "truth_ratio": float(ratio), "truth": float(g["truth"].iloc[0]),
                     "replications": r, "intervals": len(g), "coverage": float(g["covers"].mean()),
                     "coverage_mcse": mcse("covers"), "rejection": float(g["rejects"].mean()),
                     "rejection_mcse": mcse("rejects"), "mean_estimate": float(est.mean()) if len(est) else math.nan,
                     "bias": float(est.mean() - g["truth"].iloc[0]) if len(est) else math.nan,
                     "not_estimable": int(g["estimate"].isna().sum())})
    return pd.DataFrame(rows)


__all__ = ["MODELS", "RESULT_COLUMNS", "TRUE_RATIOS", "RecoveryDesign", "draw_survey", "recovery_run",
           "recovery_summary"]
