"""Resident involvement against municipality size (issue 5): the tidy tables of the size models, and the public
API of the model modules (re-exported from :mod:`.model_frame`, :mod:`.robust`, :mod:`.fits`,
:mod:`.predictions` and :mod:`.models_text`).

Model data
    The cleaned survey table joined **on CBS code** to the register of the wave's reference date
    (``municipalities.register(codebook.register_year(wave))``). Size enters as
    ``log2_population = log2(population / 50 000)``: the slope is the change per *doubling* of the
    population and the intercept is the value for a municipality of 50 000 inhabitants (a fixed, round
    centre, so that intercepts of different data sets and waves are comparable). ``g4_g32`` is membership
    of the G4 or of the G32 city network on 1 January; ``size_class`` the coarse 4-class variable.

Outcomes (universe: respondents with teams, ``has_teams == "ja"``)
    * any involvement of group *g*: at least one of meedoen / meebeslissen / meedenken / meebeoordelen
      ticked (1) versus "geen betrokkenheid" (0). A group that was not answered (all five NA) is item
      non-response and leaves the base of that group only. A row with "geen" = False and no form ticked
      is contradictory; it is left out of that group's base and counted (``n_inconsistent``).
    * number of forms of group *g* (0-4): primary depth outcome (the forms are multi-select, so the
      answer is a set, not a position on a scale).
    * highest rung of group *g* on the participation ladder geen < meedenken < meebeoordelen <
      meebeslissen < meedoen: sensitivity analysis with an ordinal logit (``OrderedModel``,
      ``distr="logit"``). This ordering is this project's reading, not the questionnaire's.
    * number of groups involved (0-6) among the municipalities that answered all six groups; partial
      answerers enter the ``binomial_answered_index`` model as "involved out of answered".
    * number of teams (``n_teams >= 1``) among the municipalities with teams.

Models (``model`` column of the tables)
    ``logit_size`` (any involvement ~ log2_population; the primary model), ``logit_size_network``
    (+ g4_g32), ``logit_size_class`` (4 size classes, reference "< 20.000"; a check of the log-linear
    form), ``poisson_forms`` (number of forms), ``ordinal_ladder`` (highest rung),
    ``poisson_index`` / ``nb2_index`` / ``binomial6_index`` (groups involved among municipalities that
    answered all six groups), ``binomial_answered_index`` (involved out of answered groups, all
    municipalities with teams that answered at least one group), ``nb2_teams`` (number of
    teams, negative binomial NB2, log link, fitted to the municipalities with teams) and
    ``truncnb2_teams`` (zero-truncated NB2: the counts are >= 1 by construction, so this is the model
    whose conditional mean E[n | n >= 1] is used for predictions; alpha at its boundary 0 makes it a
    zero-truncated Poisson, said in ``notes``).

Standard errors
    Heteroskedasticity-robust (sandwich) standard errors, HC3 by default (small n, a few high-leverage
    cities; :data:`~wijkteam_stats.models.robust.DEFAULT_HC`). statsmodels returns HC0 for
    every ``HCx`` of a GLM or discrete model, so the small-sample versions are computed here: HC1 =
    HC0 · n / (n - k); HC2 and HC3 use the leverages of the IRLS hat matrix (canonical-link GLMs only;
    other models fall back to HC1 and say so in ``notes``). Binary outcomes with (quasi-)complete
    separation are fitted with Firth's penalised likelihood and model-based standard errors, flagged
    in the diagnostics. Intervals are Wald intervals on the link scale, 95 %.

Tables written by :func:`write_tables` to ``<output_dir>/tables/models/``
    * ``<name>_<wave>.csv`` with exactly the columns model, outcome, term, estimate, std_error, ci_low,
      ci_high, p_value, n, estimates on the **link scale** (log-odds, log-mean, cut-points, NB alpha);
    * ``<name>_<wave>_exp.csv``: the same linear-predictor terms **exponentiated** (odds ratios for
      logit and ordinal models, rate ratios for count models; the intercept becomes the odds / mean at
      50 000 inhabitants). ``std_error`` there is the delta-method SE exp(b)·se(b); the interval is the
      exponentiated link-scale interval;
    * ``model_diagnostics_<wave>.csv`` (one row per fit: n, events, separation, method, dispersion,
      alpha, AIC, notes), ``outcome_bases_<wave>.csv``, ``collinearity_<wave>.csv``,
      ``teams_check_<wave>.csv``;
    * ``teams_size_effect_<wave>.csv`` (E[n | n >= 1] and its ratio per doubling at 5 000-100 000
      inhabitants), ``joint_stacked_<wave>.csv`` / ``joint_slope_tests_<wave>.csv`` (stacked logit, equal
      slopes 5 df, all zero 6 df), ``holm_<wave>.csv``; the notebook adds the model checks (``influence``,
      ``linearity``, ``proportional_odds``, ``item_nonresponse``, ``teams_sensitivity``, ``teams_model_check``;
      each with ``family``, ``p_raw``, ``p_adj``), ``size_term_tests`` and ``test_families`` (every size test in
      its declared family, Holm within it; :mod:`.families`) and ``detectable_effects`` (minimum detectable OR at
      0.05 and the Holm level, in percentage points);
    * ``expected_by_municipality_<wave>.csv``: what the size models expect for **every** municipality
      of the register, one row per (municipality, measure, group). Columns: ``wave``, ``gm_code``,
      ``population`` (1 January of the wave year), ``measure`` (``any_involvement``: probability that
      the group is involved in any form, model ``logit_size``; ``n_teams``: expected number of teams for
      a municipality of that size that works with teams, E[n | n >= 1] of the zero-truncated model
      ``truncnb2_teams``, or ``nb2_teams`` if that could not be fitted), ``group`` (resident group
      code; empty for ``n_teams``), ``predicted``, ``ci_low``, ``ci_high`` (95 % confidence interval of
      the expected value), ``extrapolated`` (True when the population lies outside the range of the
      municipalities the model was fitted on; then ``predicted`` and all intervals are empty),
      ``pi_low``/``pi_high`` (95 % prediction interval for ONE municipality's number of teams; empty for
      the 0/1 involvement outcome), ``in_fitted_range`` (= not ``extrapolated``), ``effect_distinguishable``
      (the size effect's 95 % interval excludes no effect) and ``national_value`` (the mean outcome over the
      fitted respondents, to show instead when the effect is not distinguishable).

    The notebook adds, through the same :func:`write_tables`: ``weights_cells``, ``weights_summary`` and
    ``headline_weighted`` (:mod:`wijkteam_stats.models.weighting`), ``power_curve`` and ``min_detectable_or``, and
    ``recovery_replications`` and ``recovery_coverage`` (:mod:`wijkteam_stats.models.power`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from wijkteam_stats.models.fits import (
    CONFIDENCE,
    SPEC_CLASS,
    SPEC_NETWORK,
    SPEC_SIZE,
    Z95,
    Fit,
    ModelSet,
    fit_all,
    fit_binary,
    fit_depth_models,
    fit_glm_count,
    fit_index_models,
    fit_involvement_models,
    fit_nb2,
    fit_ordinal,
    fit_team_models,
    with_hc,
)
from wijkteam_stats.models.frame import (
    CENTRE_POPULATION,
    FORMS,
    INTERCEPT,
    LADDER,
    NETWORK_TERM,
    SIZE_TERM,
    ModelDataError,
    any_involvement,
    design_matrix,
    forms_count,
    group_codes,
    group_labels,
    groups_involved,
    highest_rung,
    index_frame,
    involvement_groups,
    load_tidy,
    outcome_bases,
    size_frame,
    teams_outcome,
    with_teams,
)
from wijkteam_stats.models.joint import holm_table, joint_table
from wijkteam_stats.models.predictions import (
    EXPECTATION_COLUMNS,
    count_prediction_interval,
    expected_by_municipality,
    population_grid,
    predict,
    predicted_curves,
    primary_teams_fit,
    teams_check,
    teams_size_effect,
    truncated_mean,
)
from wijkteam_stats.models.robust import HC_TYPES, firth_logit, sandwich_glm, separation
from wijkteam_stats.models.text import (
    caveats_nl,
    conclusion_nl,
    joint_nl,
    nl_number,
    odds_ratio_sentence,
    overlap_nl,
    provenance_paragraph_nl,
    teams_effect_nl,
)
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.writers import safe_to_csv

TIDY_COLUMNS = ["model", "outcome", "term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n"]


def tidy_coefficients(fits: Iterable[Fit], exponentiate: bool = False) -> pd.DataFrame:
    """Tidy coefficient table (model, outcome, term, estimate, std_error, ci_low, ci_high, p_value, n).

    Link scale by default; ``exponentiate=True`` keeps the linear-predictor terms only and gives
    exp(b) with the delta-method SE exp(b)·se and the exponentiated interval. Intervals are Wald, except
    for Firth fits: profile penalised-likelihood intervals and penalised likelihood-ratio p-values.
    """
    rows = []
    for f in fits:
        se = np.sqrt(np.diag(f.cov)) if f.estimable else np.full(len(f.params), np.nan)
        k = f.k_mean if exponentiate else len(f.params)
        for i in range(k):
            b, s = float(f.params[i]), float(se[i])
            lo, hi = f.profile[i] if f.profile else (b - Z95 * s, b + Z95 * s)
            p = (float(f.profile_p[i]) if f.profile_p else
                 float(2 * stats.norm.sf(abs(b / s))) if s > 0 else math.nan)
            if f.terms[i] == "alpha" and not exponentiate:
                # alpha > 0: interval on the log scale (never below 0); at the boundary 0 no interval
                if b > 0 and s > 0 and np.isfinite(s):
                    lo, hi = b * math.exp(-Z95 * s / b), b * math.exp(Z95 * s / b)
                else:
                    lo = hi = p = math.nan
            if exponentiate:
                b, s, lo, hi = math.exp(b), math.exp(b) * s, math.exp(lo), math.exp(hi)
            rows.append([f.model, f.outcome, f.terms[i], b, s, lo, hi, p, f.n])
    df = pd.DataFrame(rows, columns=TIDY_COLUMNS)
    df["n"] = df["n"].astype("int64")
    return df


def diagnostics(fits: Iterable[Fit]) -> pd.DataFrame:
    """One row per fit: family, link, n, n_events (number of 1s of a binary outcome, sum of a count),
    n_excluded (rows of the respondent table outside the fit), method, separation, convergence, covariance,
    dispersion (Pearson chi2/df), NB alpha, log-likelihood, AIC, fitted population range and notes."""
    rows = [{
        "model": f.model, "outcome": f.outcome, "family": f.family, "link": f.link, "n": f.n,
        "n_events": f.n_events, "n_excluded": f.n_excluded, "method": f.method, "separation": f.separation,
        "converged": f.converged, "cov_type": f.cov_type, "dispersion": f.dispersion, "alpha": f.alpha,
        "loglike": f.loglike, "aic": f.aic, "pop_min": f.pop_range[0], "pop_max": f.pop_range[1],
        "notes": " | ".join(f.notes),
    } for f in fits]
    df = pd.DataFrame(rows)
    df["n_events"] = df["n_events"].astype("Int64")
    return df


def collinearity(frame: pd.DataFrame) -> pd.DataFrame:
    """VIF of log2_population and g4_g32 in the network model (respondents with teams), and their
    correlation; shows why size and G4/G32 membership are hard to separate."""
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    sub = frame.loc[with_teams(frame).to_numpy()]
    X = design_matrix(sub, SPEC_NETWORK).to_numpy()
    r = float(np.corrcoef(X[:, 1], X[:, 2])[0, 1]) if X[:, 2].std() > 0 else math.nan
    rows = []
    for i, term in ((1, SIZE_TERM), (2, NETWORK_TERM)):
        vif = float(variance_inflation_factor(X, i)) if X[:, 2].std() > 0 else math.nan
        rows.append({"term": term, "vif": vif, "correlation": r, "n": len(sub),
                     "n_g4_g32": int(X[:, 2].sum())})
    return pd.DataFrame(rows)


def model_tables(ms: ModelSet) -> dict[str, pd.DataFrame]:
    """All tables of a model set, keyed by file stem (without the wave)."""
    inv, dep = ms.involvement, ms.depth
    tables = {
        "logit_any_involvement": tidy_coefficients(inv),
        "logit_any_involvement_exp": tidy_coefficients(inv, exponentiate=True),
        "depth_forms": tidy_coefficients([f for f in dep if f.model == "poisson_forms"]),
        "depth_forms_exp": tidy_coefficients([f for f in dep if f.model == "poisson_forms"], exponentiate=True),
        "depth_ordinal": tidy_coefficients([f for f in dep if f.model == "ordinal_ladder"]),
        "depth_ordinal_exp": tidy_coefficients([f for f in dep if f.model == "ordinal_ladder"], exponentiate=True),
        "index_groups_involved": tidy_coefficients(ms.index),
        "index_groups_involved_exp": tidy_coefficients(ms.index, exponentiate=True),
        "n_teams": tidy_coefficients(ms.teams),
        "n_teams_exp": tidy_coefficients(ms.teams, exponentiate=True),
        "model_diagnostics": diagnostics(ms.all),
        "outcome_bases": outcome_bases(ms.frame),
        "collinearity": collinearity(ms.frame),
        "teams_check": teams_check(ms, ms.frame, ms.wave),
        "expected_by_municipality": expected_by_municipality(inv, primary_teams_fit(ms.teams), ms.wave),
        "teams_size_effect": pd.concat([teams_size_effect(f) for f in ms.teams], ignore_index=True),
        "holm": holm_table(inv),
    }
    jt = joint_table(ms.frame)
    tables["joint_stacked"] = jt["stacked"]
    tables["joint_slope_tests"] = jt["slope_tests"]
    return tables


def write_tables(tables: dict[str, pd.DataFrame], output_dir: str | Path | None, wave: int,
                 sub: str = "models") -> list[Path]:
    """Write each table to ``<output_dir>/tables/<sub>/<name>_<wave>.csv`` (UTF-8, 6 significant digits)."""
    folder = paths.ensure_dir(Path(output_dir or paths.OUTPUTS) / "tables" / sub)
    out = []
    for name, df in tables.items():
        path = folder / f"{name}_{int(wave)}.csv"
        safe_to_csv(df, path, index=False, float_format="%.6g", encoding="utf-8")
        out.append(path)
    return out


__all__ = [
    "CENTRE_POPULATION", "CONFIDENCE", "FORMS", "HC_TYPES", "INTERCEPT", "LADDER", "NETWORK_TERM", "SIZE_TERM",
    "SPEC_CLASS", "SPEC_NETWORK", "SPEC_SIZE", "TIDY_COLUMNS", "Z95",
    "Fit", "ModelDataError", "ModelSet",
    "any_involvement", "collinearity", "conclusion_nl", "design_matrix", "diagnostics", "expected_by_municipality",
    "firth_logit", "fit_all", "fit_binary", "fit_depth_models", "fit_glm_count", "fit_index_models",
    "fit_involvement_models", "fit_nb2", "fit_ordinal", "fit_team_models", "forms_count", "group_codes",
    "group_labels", "groups_involved", "highest_rung", "index_frame", "involvement_groups", "load_tidy",
    "model_tables", "nl_number", "odds_ratio_sentence", "outcome_bases", "population_grid", "predict",
    "provenance_paragraph_nl", "teams_size_effect", "count_prediction_interval", "EXPECTATION_COLUMNS",
    "caveats_nl", "joint_nl", "overlap_nl", "teams_effect_nl",
    "predicted_curves", "primary_teams_fit", "sandwich_glm", "separation", "size_frame", "teams_check",
    "teams_outcome", "tidy_coefficients", "truncated_mean", "with_hc", "with_teams", "write_tables",
]
