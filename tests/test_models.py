"""Size models of resident involvement (wijkteam_stats.models and the modules it re-exports): data join,
outcomes, fits, tables, predictions."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

from wijkteam_stats.models import fits, predictions, robust
from wijkteam_stats.models import frame as model_frame
from wijkteam_stats.models import tables as models
from wijkteam_stats.models import text as models_text
from wijkteam_stats.reference import municipalities

GROUPS = model_frame.group_codes()


def toy_tidy(beta: float = 0.4, seed: int = 1, n: int = 234, teams_share: float = 0.87,
             answer_share: float = 0.9) -> pd.DataFrame:
    """A small tidy-like table (only the columns the models use) with a known size effect per group."""
    rng = np.random.default_rng(seed)
    reg = municipalities.register(2015)
    rows = np.sort(rng.choice(len(reg), n, replace=False))
    r = reg.iloc[rows].reset_index(drop=True)
    x = np.log2(r["population"].astype(float).to_numpy() / model_frame.CENTRE_POPULATION)
    df = pd.DataFrame({"gm_code": r["gm_code"].astype("string"), "wave": pd.array([2015] * n, dtype="Int64")})
    teams = rng.random(n) < teams_share
    df["has_teams"] = pd.array(np.where(teams, "ja", "nee_bewuste_keuze"), dtype="string")
    nt = 1 + rng.poisson(np.exp(1.0 + 0.6 * x))
    df["n_teams"] = pd.array([int(v) if t else pd.NA for v, t in zip(nt, teams, strict=True)], dtype="Int64")
    base = dict(zip(GROUPS, [-0.5, 0.3, 0.0, -0.4, 0.1, 1.4], strict=True))
    for g, a in base.items():
        inv = rng.random(n) < expit(a + beta * x)
        answered = (rng.random(n) < answer_share) & teams
        forms = {f: inv & (rng.random(n) < q) for f, q in zip(model_frame.FORMS, [0.05, 0.2, 0.7, 0.15], strict=True)}
        nothing = inv & ~np.column_stack(list(forms.values())).any(axis=1)
        forms["meedenken"] = forms["meedenken"] | nothing
        forms["geen"] = ~inv
        for f, v in forms.items():
            col = pd.array(v, dtype="boolean")
            col[~answered] = pd.NA
            df[f"involvement__{g}__{f}"] = col
    df["needs_support_involving_residents"] = pd.array(rng.random(n) < 0.4, dtype="boolean")
    return df


@pytest.fixture(scope="module")
def frame():
    return model_frame.size_frame(toy_tidy(), 2015)


@pytest.fixture(scope="module")
def modelset(frame):
    return fits.fit_all(frame, 2015)


# --------------------------------------------------------------------------- data


def test_size_frame_joins_on_code_not_name():
    tidy = toy_tidy(n=20)
    tidy.loc[0, "gm_code"] = "GM0599"
    tidy = tidy.drop_duplicates("gm_code").reset_index(drop=True)
    tidy["name"] = "Amsterdam"  # a misleading name column must not matter
    out = model_frame.size_frame(tidy, 2015)
    rot = out[out["gm_code"] == "GM0599"].iloc[0]
    assert int(rot["population"]) == 623652
    assert not rot["g32"] and rot["g4"] and rot["g4_g32"] and rot["size_class"] == "≥ 100.000"
    assert rot["log2_population"] == pytest.approx(math.log2(623652 / 50_000))
    assert list(out["gm_code"]) == sorted(out["gm_code"])


def test_size_frame_rejects_unknown_duplicate_and_wrong_wave():
    tidy = toy_tidy(n=10)
    bad = tidy.copy()
    bad.loc[3, "gm_code"] = "GM9999"
    with pytest.raises(model_frame.ModelDataError, match=r"row 3: GM9999.*|1 January 2015.*row 3"):
        model_frame.size_frame(bad, 2015, source="x.csv")
    dup = tidy.copy()
    dup.loc[4, "gm_code"] = dup.loc[5, "gm_code"]
    with pytest.raises(model_frame.ModelDataError, match="duplicate"):
        model_frame.size_frame(dup, 2015)
    wrong = tidy.copy()
    wrong["wave"] = pd.array([2014] * len(wrong), dtype="Int64")
    with pytest.raises(model_frame.ModelDataError, match="wave 2014"):
        model_frame.size_frame(wrong, 2015)
    # GM1940 (De Fryske Marren) only exists from mid-2015: not a municipality of 1 January 2015
    late = tidy.copy()
    late.loc[0, "gm_code"] = "GM1940"
    with pytest.raises(model_frame.ModelDataError, match="GM1940"):
        model_frame.size_frame(late, 2015)


def _grid_rows(rows: list[dict]) -> pd.DataFrame:
    data = {"gm_code": [f"GM{i:04d}" for i in range(len(rows))], "has_teams": [r.get("teams", "ja") for r in rows]}
    for g in GROUPS:
        for f in (*model_frame.FORMS, "geen"):
            vals = [r.get(f, pd.NA) if g == "wijkbewoners" else pd.NA for r in rows]
            data[f"involvement__{g}__{f}"] = pd.array(vals, dtype="boolean")
    return pd.DataFrame(data)


def test_outcome_definitions():
    df = _grid_rows([
        {"geen": True, "meedoen": False, "meebeslissen": False, "meedenken": False, "meebeoordelen": False},
        {"geen": False, "meedoen": False, "meebeslissen": True, "meedenken": True, "meebeoordelen": False},
        {"geen": False, "meedoen": True, "meebeslissen": False, "meedenken": False, "meebeoordelen": True},
        {},  # not answered
        {"geen": False, "meedoen": False, "meebeslissen": False, "meedenken": False, "meebeoordelen": False},
        {"teams": "nee_bewuste_keuze", "geen": False, "meedenken": True},
    ])
    anyinv = model_frame.any_involvement(df, "wijkbewoners")
    assert anyinv.tolist()[:3] == [False, True, True]
    assert anyinv.isna().tolist() == [False, False, False, True, True, True]
    assert model_frame.forms_count(df, "wijkbewoners").tolist()[:3] == [0, 2, 2]
    # ladder: geen=0, meedenken=1, meebeoordelen=2, meebeslissen=3, meedoen=4 (highest ticked rung)
    assert model_frame.highest_rung(df, "wijkbewoners").tolist()[:3] == [0, 3, 4]
    bases = model_frame.outcome_bases(df).set_index("group").loc["wijkbewoners"]
    assert (bases["with_teams"], bases["answered"], bases["not_answered"], bases["inconsistent"],
            bases["base"], bases["involved"], bases["answered_without_teams"]) == (5, 4, 1, 1, 3, 2, 1)


# --------------------------------------------------------------------------- covariance and fits


def test_sandwich_matches_statsmodels_hc0_and_ols_hc3():
    rng = np.random.default_rng(3)
    n = 150
    X = sm.add_constant(rng.normal(size=(n, 2)))
    y = (rng.random(n) < expit(X @ [0.2, 0.8, -0.5])).astype(float)
    res = sm.GLM(y, X, family=sm.families.Binomial()).fit(cov_type="HC0")
    mu = res.mu
    hc0 = robust.sandwich_glm(X, y - mu, mu * (1 - mu), "HC0")
    np.testing.assert_allclose(hc0, res.cov_params(), rtol=1e-6)
    hc1 = robust.sandwich_glm(X, y - mu, mu * (1 - mu), "HC1")
    np.testing.assert_allclose(hc1, hc0 * n / (n - 3), rtol=1e-12)
    # the HC2/HC3 leverage formula, checked where statsmodels has it: OLS (identity link, unit weights)
    z = X @ [1.0, 2.0, 0.5] + rng.normal(size=n) * (1 + np.abs(X[:, 1]))
    ols = sm.OLS(z, X).fit()
    for hc in ("HC2", "HC3"):
        mine = robust.sandwich_glm(X, ols.resid, np.ones(n), hc)
        np.testing.assert_allclose(mine, getattr(ols, f"cov_{hc}"), rtol=1e-8)
    with pytest.raises(ValueError, match="hc_type"):
        robust.sandwich_glm(X, y - mu, mu * (1 - mu), "HC4")


def test_fit_binary_recovers_known_slope_and_matches_statsmodels():
    rng = np.random.default_rng(11)
    n = 4000
    pop = np.exp(rng.uniform(math.log(2_000), math.log(800_000), n))
    fr = pd.DataFrame({"population": pop, model_frame.SIZE_TERM: np.log2(pop / model_frame.CENTRE_POPULATION)})
    y = pd.Series(rng.random(n) < expit(-0.3 + 0.5 * fr[model_frame.SIZE_TERM]), dtype="boolean")
    f = fits.fit_binary(fr, y, fits.SPEC_SIZE, "logit_size", "toy", "HC1")
    ref = sm.Logit(y.astype(float).to_numpy(), sm.add_constant(fr[model_frame.SIZE_TERM].to_numpy())).fit(disp=0)
    np.testing.assert_allclose(f.params, ref.params, rtol=1e-6)
    assert f.coef(model_frame.SIZE_TERM) == pytest.approx(0.5, abs=0.08)
    lo, hi = f.ci(model_frame.SIZE_TERM)
    assert lo < 0.5 < hi and hi - lo < 0.2
    assert f.method == "mle" and f.separation == "none" and f.n == n


def test_separation_detected_and_firth_used():
    x = np.array([-3.0, -2, -1, -0.5, 0.5, 1, 2, 3])
    X = np.column_stack([np.ones(8), x])
    assert robust.separation(np.array([0, 0, 0, 0, 1, 1, 1, 1.0]), X) == "complete"
    assert robust.separation(np.array([0, 0, 0, 1, 0, 1, 1, 1.0]), X) == "none"
    xq = np.array([-2.0, -1, 0, 0, 1, 2])
    assert robust.separation(np.array([0, 0, 0, 1, 1, 1.0]), np.column_stack([np.ones(6), xq])) == "quasi"
    # the one-covariate shortcut agrees with the linear programme
    rng = np.random.default_rng(0)
    for _ in range(40):
        xx = np.round(rng.normal(size=12), 1)
        yy = (xx + rng.normal(0, 0.3, 12) > 0).astype(float)
        if 0 < yy.sum() < 12:
            XX = np.column_stack([np.ones(12), xx])
            assert robust.separation(yy, XX) == robust.separation(yy, XX, method="lp")
    # two covariates: only the linear programme can tell
    X3 = np.column_stack([np.ones(8), x, [0, 1, 0, 1, 0, 1, 0, 1]])
    assert robust.separation(np.array([0, 0, 0, 0, 1, 1, 1, 1.0]), X3) == "complete"
    fr = pd.DataFrame({"population": 50_000 * 2.0**x, model_frame.SIZE_TERM: x})
    f = fits.fit_binary(fr, pd.Series([False] * 4 + [True] * 4, dtype="boolean"), fits.SPEC_SIZE, "m", "o")
    assert f.method == "firth" and f.separation == "complete" and f.converged
    assert np.all(np.isfinite(f.params)) and f.coef(model_frame.SIZE_TERM) > 0
    assert "separation" in models.diagnostics([f])["notes"].iloc[0]


def test_firth_equals_half_added_log_odds_ratio_in_a_2x2_table():
    # Firth's estimate for one binary covariate equals the log odds ratio with 0.5 added to every cell
    d = np.array([0] * 10 + [1] * 10, dtype=float)
    y = np.array([1] * 3 + [0] * 7 + [1] * 10, dtype=float)  # zero cell: ML estimate is infinite
    params, cov, conv, _ = robust.firth_logit(y, np.column_stack([np.ones(20), d]))
    a, b, c, e = 10 + 0.5, 0 + 0.5, 3 + 0.5, 7 + 0.5
    assert conv
    assert params[1] == pytest.approx(math.log((a / b) / (c / e)), abs=1e-7)
    assert params[0] == pytest.approx(math.log(c / e), abs=1e-7)


def test_firth_profile_intervals_and_flic_on_complete_separation():
    """Complete separation (5 zeros below 3 ones): the Firth fit carries profile penalised-likelihood intervals
    whose bounds satisfy 2 (pl_max - profile pl) = chi2(1, 0.95), checked here with an independent
    one-dimensional maximisation over the intercept; they differ from Wald; predictions use the FLIC intercept,
    so the mean predicted probability equals the observed share 3/8 (Firth's own intercept does not)."""
    from scipy import optimize, stats

    x = np.array([-3.0, -2, -1, -0.5, 0.2, 1, 2, 3])
    yb = np.array([0, 0, 0, 0, 0, 1, 1, 1.0])
    X = np.column_stack([np.ones(8), x])
    fr = pd.DataFrame({"population": 50_000 * 2.0**x, model_frame.SIZE_TERM: x})
    f = fits.fit_binary(fr, pd.Series(yb.astype(bool), dtype="boolean"), fits.SPEC_SIZE, "logit_size", "o")
    assert f.method == "firth" and f.separation == "complete" and f.ci_method == "profile"
    top = robust.firth_penalised_loglik(f.params, yb, X)
    lo, hi = f.ci(model_frame.SIZE_TERM)
    for bound in (lo, hi):
        prof = -optimize.minimize_scalar(lambda a, b=bound: -robust.firth_penalised_loglik(np.array([a, b]), yb, X),
                                         bounds=(-30, 30), method="bounded", options={"xatol": 1e-10}).fun
        assert 2 * (top - prof) == pytest.approx(stats.chi2.ppf(0.95, 1), abs=1e-4)
    b, se = f.coef(model_frame.SIZE_TERM), f.se(model_frame.SIZE_TERM)
    assert lo < b < hi and lo > 0  # the profile interval excludes 0 where the Wald interval does not
    assert b - 1.959964 * se < 0 and abs((hi - b) - (b - lo)) > 0.1
    t = models.tidy_coefficients([f])
    row = t[t["term"] == model_frame.SIZE_TERM].iloc[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi)) and row["p_value"] < 0.05
    pred = predictions.predict(f, fr)["predicted"]
    assert pred.mean() == pytest.approx(3 / 8, abs=1e-9)
    assert abs(float(np.mean(expit(X @ f.params))) - 3 / 8) > 1e-3
    assert f.distinguishable()


def test_alpha_interval_is_never_negative_and_absent_at_the_boundary():
    """NB2 alpha's interval is taken on the log scale; at the boundary the model is Poisson and alpha gets
    no interval; underdispersed counts (binomial) put alpha at the boundary."""
    rng = np.random.default_rng(11)
    x = rng.uniform(-3, 3, 400)
    fr = pd.DataFrame({"population": 50_000 * 2.0**x, model_frame.SIZE_TERM: x})
    y = pd.Series(rng.binomial(6, expit(-0.5 + 0.3 * x)), dtype="Float64")
    nb = fits.fit_nb2(fr, y, fits.SPEC_SIZE, "nb2", "y")
    assert nb.alpha == 0.0 and any("boundary" in s for s in nb.notes) and nb.converged
    pois = sm.GLM(y.to_numpy(dtype=float), np.column_stack([np.ones(400), x]), family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(nb.params[:2], pois.params, rtol=1e-5)
    t = models.tidy_coefficients([nb]).set_index("term")
    assert np.isnan(t.loc["alpha", "ci_low"]) and np.isnan(t.loc["alpha", "ci_high"])
    yo = pd.Series(rng.negative_binomial(2, 2 / (2 + np.exp(0.5 + 0.3 * x))), dtype="Float64")  # alpha 0.5
    over = fits.fit_nb2(fr, yo, fits.SPEC_SIZE, "nb2", "y")
    ta = models.tidy_coefficients([over]).set_index("term").loc["alpha"]
    assert 0 < ta["ci_low"] < ta["estimate"] < ta["ci_high"]
    assert ta["ci_low"] == pytest.approx(over.alpha * math.exp(-1.959964 * ta["std_error"] / over.alpha), rel=1e-5)


def test_a_hessian_warning_is_not_reported_as_converged():
    assert fits._warned_unconverged(["HessianInversionWarning: Inverting hessian failed, no bse or cov_params"])
    assert fits._warned_unconverged(["ConvergenceWarning: Maximum Likelihood optimization failed to converge."])
    assert not fits._warned_unconverged(["RuntimeWarning: divide by zero encountered in log"])


def test_constant_outcome_is_reported_not_raised():
    fr = pd.DataFrame({"population": [10_000.0, 20_000, 40_000], model_frame.SIZE_TERM: [-2.32, -1.32, -0.32]})
    f = fits.fit_binary(fr, pd.Series([True, True, True], dtype="boolean"), fits.SPEC_SIZE, "logit_size", "g")
    assert not f.estimable and "does not vary" in f.notes[0]
    t = models.tidy_coefficients([f])
    assert len(t) == 2 and t["estimate"].isna().all() and (t["n"] == 3).all()


def test_ordinal_model_recovers_slope_and_orders_cutpoints():
    rng = np.random.default_rng(5)
    n = 3000
    x = rng.normal(0, 1.5, n)
    cuts = np.array([0.0, 1.0, 1.5, 3.0])
    latent = 0.4 * x + rng.logistic(size=n)
    y = pd.Series((latent[:, None] > cuts).sum(axis=1), dtype="Int64")
    fr = pd.DataFrame({"population": 50_000 * 2.0**x, model_frame.SIZE_TERM: x})
    f = fits.fit_ordinal(fr, y, fits.SPEC_SIZE, "ordinal_ladder", "toy")
    assert f.terms == (model_frame.SIZE_TERM, "cut[geen|meedenken]", "cut[meedenken|meebeoordelen]",
                       "cut[meebeoordelen|meebeslissen]", "cut[meebeslissen|meedoen]")
    assert f.coef(model_frame.SIZE_TERM) == pytest.approx(0.4, abs=0.06)
    np.testing.assert_allclose(f.params[1:], cuts, atol=0.2)
    assert np.all(np.diff(f.params[1:]) > 0) and np.all(np.diag(f.cov) > 0)
    # a level without observations is dropped and said so
    y2 = y.where(y != 3, 4)
    f2 = fits.fit_ordinal(fr, y2, fits.SPEC_SIZE, "ordinal_ladder", "toy")
    assert "cut[meebeoordelen|meedoen]" in f2.terms and any("dropped" in s for s in f2.notes)


def test_nb2_and_truncated_nb2_recover_slope():
    rng = np.random.default_rng(8)
    n = 1500
    x = rng.uniform(-3, 3, n)
    mu = np.exp(0.8 + 0.6 * x)
    alpha = 0.3
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    fr = pd.DataFrame({"population": 50_000 * 2.0**x, model_frame.SIZE_TERM: x})
    nb = fits.fit_nb2(fr, pd.Series(y, dtype="Float64"), fits.SPEC_SIZE, "nb2", "y")
    assert nb.coef(model_frame.SIZE_TERM) == pytest.approx(0.6, abs=0.05) and nb.alpha == pytest.approx(alpha, abs=0.08)
    pos = pd.Series(np.where(y >= 1, y, np.nan), dtype="Float64")
    tr = fits.fit_nb2(fr, pos, fits.SPEC_SIZE, "truncnb2", "y", truncated=True)
    assert tr.converged and tr.n == int((y >= 1).sum())
    assert tr.coef(model_frame.SIZE_TERM) == pytest.approx(0.6, abs=0.07)
    naive = fits.fit_nb2(fr, pos, fits.SPEC_SIZE, "nb2", "y")
    assert abs(naive.coef(model_frame.SIZE_TERM) - 0.6) > abs(tr.coef(model_frame.SIZE_TERM) - 0.6)


# --------------------------------------------------------------------------- model set, tables, predictions


def test_model_set_covers_every_model_and_group(modelset):
    names = {(f.model, f.outcome) for f in modelset.all}
    for g in GROUPS:
        for m in ("logit_size", "logit_size_network", "logit_size_class", "poisson_forms", "ordinal_ladder"):
            assert (m, g) in names
    for m in ("poisson_index", "nb2_index", "binomial6_index"):
        assert (m, "groups_involved") in names
    assert {("nb2_teams", "n_teams"), ("truncnb2_teams", "n_teams")} <= names
    assert all(f.estimable and f.converged for f in modelset.all)
    # the toy truth is 0.4 per doubling in every group: the primary model is near it
    est = [modelset.get("logit_size", g).coef(model_frame.SIZE_TERM) for g in GROUPS]
    assert 0.15 < np.mean(est) < 0.65


def test_tidy_tables_have_exact_columns_and_consistent_scales(modelset):
    link = models.tidy_coefficients(modelset.involvement)
    exp = models.tidy_coefficients(modelset.involvement, exponentiate=True)
    assert list(link.columns) == models.TIDY_COLUMNS == list(exp.columns)
    a = link[(link["model"] == "logit_size") & (link["term"] == model_frame.SIZE_TERM)].reset_index(drop=True)
    b = exp[(exp["model"] == "logit_size") & (exp["term"] == model_frame.SIZE_TERM)].reset_index(drop=True)
    np.testing.assert_allclose(b["estimate"], np.exp(a["estimate"]))
    np.testing.assert_allclose(b["ci_low"], np.exp(a["ci_low"]))
    np.testing.assert_allclose(b["std_error"], np.exp(a["estimate"]) * a["std_error"])
    np.testing.assert_allclose(a["ci_high"] - a["estimate"], 1.959964 * a["std_error"], rtol=1e-5)
    np.testing.assert_allclose(b["p_value"], a["p_value"])
    assert (a["n"] == [modelset.get("logit_size", g).n for g in a["outcome"]]).all()
    # NB alpha and ordinal cut-points are not exponentiated
    teams_exp = models.tidy_coefficients(modelset.teams, exponentiate=True)
    assert "alpha" not in set(teams_exp["term"]) and "alpha" in set(models.tidy_coefficients(modelset.teams)["term"])


def test_predictions_and_expected_by_municipality(modelset):
    f = modelset.get("logit_size", "wijkbewoners")
    at_centre = predictions.predict(f, pd.DataFrame({"population": [50_000.0], model_frame.SIZE_TERM: [0.0]})).iloc[0]
    assert at_centre["predicted"] == pytest.approx(expit(f.coef("intercept")))
    assert at_centre["ci_low"] < at_centre["predicted"] < at_centre["ci_high"]
    exp = predictions.expected_by_municipality(modelset.involvement, modelset.get("nb2_teams", "n_teams"), 2015,
                                               n_draws=100)
    assert list(exp.columns) == ["wave", "gm_code", "population", "measure", "group", "predicted", "ci_low",
                                 "ci_high", "extrapolated", "pi_low", "pi_high", "in_fitted_range",
                                 "effect_distinguishable", "national_value"]
    assert exp["gm_code"].nunique() == 393 and len(exp) == 393 * 7
    assert set(exp.loc[exp["measure"] == "any_involvement", "group"]) == set(GROUPS)
    assert exp.loc[exp["measure"] == "n_teams", "group"].isna().all()
    inside = exp[exp["in_fitted_range"]]
    assert ((inside["ci_low"] <= inside["predicted"]) & (inside["predicted"] <= inside["ci_high"])).all()
    assert inside.loc[inside["measure"] == "any_involvement", "predicted"].between(0, 1).all()
    # outside the fitted size range: flagged and no value
    assert (exp["extrapolated"] == ~exp["in_fitted_range"]).all()
    out = exp[~exp["in_fitted_range"]]
    assert len(out) and out[["predicted", "ci_low", "ci_high", "pi_low", "pi_high"]].isna().all().all()
    # a 0/1 outcome has no prediction interval; the count has one around the expected value
    assert exp.loc[exp["measure"] == "any_involvement", ["pi_low", "pi_high"]].isna().all().all()
    t_in = inside[inside["measure"] == "n_teams"]
    assert ((t_in["pi_low"] <= t_in["predicted"]) & (t_in["predicted"] <= t_in["pi_high"])).all()
    # national value: the share among the fitted respondents; one flag per measure
    f = modelset.get("logit_size", "wijkbewoners")
    w = exp[exp["group"] == "wijkbewoners"]
    np.testing.assert_allclose(w["national_value"], f.n_events / f.n)
    assert w["effect_distinguishable"].nunique() == 1
    lo, hi = f.ci(model_frame.SIZE_TERM)
    assert bool(w["effect_distinguishable"].iloc[0]) == (lo > 0 or hi < 0)
    # larger municipalities get more teams (toy truth: +0.6 log per doubling)
    t = t_in.sort_values("population")
    assert t["predicted"].iloc[-1] > 3 * t["predicted"].iloc[0]
    # with the zero-truncated model no municipality with teams is expected to have fewer than one
    trunc = predictions.expected_by_municipality(modelset.involvement, predictions.primary_teams_fit(modelset.teams),
                                                 2015, n_draws=100)
    tt = trunc[(trunc["measure"] == "n_teams") & trunc["in_fitted_range"]]
    assert (tt["predicted"] >= 1).all() and (tt["pi_low"] >= 1).all()
    assert exp["extrapolated"].any() and not exp["extrapolated"].all()


def _fixed_fit(params, family="truncated_nb2", pop_range=(1_000.0, 1e7), cov=None, n_events=300, n=100):
    params = np.asarray(params, dtype=float)
    k = len(params)
    return fits.Fit("truncnb2_teams", "n_teams", family, "log", fits.SPEC_SIZE,
                    ("intercept", model_frame.SIZE_TERM, "alpha"), params,
                    np.zeros((k, k)) if cov is None else np.asarray(cov, dtype=float), n, 2, "HC1",
                    n_events=n_events, pop_range=pop_range)


def test_count_prediction_interval_is_the_quantile_of_the_known_distribution():
    """With no parameter uncertainty the PI is the 2.5 % and 97.5 % quantile of the zero-truncated NB2
    (scipy), and of the zero-truncated Poisson when alpha = 0."""
    from scipy import stats

    X = np.array([[1.0, -3.0], [1.0, 0.0], [1.0, 1.5]])
    for alpha in (0.4, 0.0):
        f = _fixed_fit([1.2, 0.7, alpha])
        lo, hi = predictions.count_prediction_interval(f, X, n_draws=5)
        for j, mu in enumerate(np.exp(X @ [1.2, 0.7])):
            dist = stats.poisson(mu) if alpha == 0 else stats.nbinom(1 / alpha, 1 / (1 + alpha * mu))
            p0 = dist.pmf(0)
            # quantile q of the truncated law = quantile p0 + q (1 - p0) of the untruncated one
            assert lo[j] == max(1, dist.ppf(p0 + 0.025 * (1 - p0))), (alpha, j)
            assert hi[j] == dist.ppf(p0 + 0.975 * (1 - p0)), (alpha, j)
    # parameter uncertainty widens the interval
    wide = _fixed_fit([1.2, 0.7, 0.4], cov=np.diag([0.09, 0.04, 0.0]))
    lo2, hi2 = predictions.count_prediction_interval(wide, X, n_draws=400)
    assert np.all(hi2 >= hi) and np.any(hi2 > hi)


def test_expectations_flags_range_distinguishability_and_national_value():
    """A fitted range of 20 000-100 000 inhabitants: only municipalities inside get a value; a size effect
    whose interval includes 0 is not distinguishable and the national value is events / n."""
    inv_yes = fits.Fit("logit_size", "wijkbewoners", "binomial", "logit", fits.SPEC_SIZE,
                       ("intercept", model_frame.SIZE_TERM), np.array([0.0, 0.5]), np.diag([0.01, 0.01]), 200, 2,
                       "HC1", n_events=80, pop_range=(20_000.0, 100_000.0))
    inv_no = fits.Fit("logit_size", "vrijwilligers", "binomial", "logit", fits.SPEC_SIZE,
                      ("intercept", model_frame.SIZE_TERM), np.array([0.0, 0.1]), np.diag([0.01, 0.01]), 200, 2,
                      "HC1", n_events=50, pop_range=(20_000.0, 100_000.0))
    teams = _fixed_fit([1.0, 0.5, 0.0], pop_range=(20_000.0, 100_000.0), cov=np.diag([0.01, 0.0001, 0.0]),
                       n_events=450, n=100)
    exp = predictions.expected_by_municipality([inv_yes, inv_no], teams, 2015, n_draws=50)
    reg = municipalities.register(2015).set_index("gm_code")["population"]
    n_in = int(reg.between(20_000, 100_000).sum())
    assert exp.groupby("measure")["in_fitted_range"].sum().to_dict() == {"any_involvement": 2 * n_in, "n_teams": n_in}
    assert exp.loc[~exp["in_fitted_range"], "predicted"].isna().all()
    assert exp.loc[exp["in_fitted_range"], "predicted"].notna().all()
    flags = exp.groupby(exp["group"].fillna("teams"))["effect_distinguishable"].first().to_dict()
    assert flags == {"wijkbewoners": True, "vrijwilligers": False, "teams": True}  # 0.1 ± 0.196 includes 0
    nat = exp.groupby(exp["group"].fillna("teams"))["national_value"].first().to_dict()
    assert nat == {"wijkbewoners": 0.4, "vrijwilligers": 0.25, "teams": 4.5}


def test_teams_check_against_published_values(modelset, frame):
    chk = predictions.teams_check(modelset, frame, 2015, n_draws=4000)
    assert list(chk["model"]) == ["nb2_teams"] * 2 + ["truncnb2_teams"] * 2
    assert list(chk["published"]) == [8.0, 42.0, 8.0, 42.0]
    y = model_frame.teams_outcome(frame)
    g32 = chk.iloc[2]
    sel = (frame["g32"] & y.notna()).to_numpy()
    assert g32["n"] == int(sel.sum()) and g32["observed"] == pytest.approx(float(y[sel].mean()))
    assert g32["ci_low"] < g32["predicted"] < g32["ci_high"]
    # the conditional mean over the G32 equals the average of the per-municipality predictions
    tr = modelset.get("truncnb2_teams", "n_teams")
    assert g32["predicted"] == pytest.approx(predictions.predict(tr, frame.loc[sel])["predicted"].mean())
    rot = chk.iloc[3]
    assert rot["population"] == 623652 and rot["pi_low"] <= rot["predicted"] <= rot["pi_high"]
    assert chk.iloc[1][["pi_low", "pi_high"]].isna().all()  # prediction intervals from the truncated model only


def test_truncated_mean_matches_the_distribution():
    from scipy import stats

    X = np.array([[1.0, -2.0], [1.0, 0.0], [1.0, 2.5]])
    params = np.array([0.3, 0.7, 0.4])
    mu = np.exp(X @ params[:2])
    k = np.arange(1, 2000)
    for m, got in zip(mu, predictions.truncated_mean(params, X, 2), strict=True):
        n_, p_ = 1 / 0.4, 1 / (1 + 0.4 * m)
        pmf = stats.nbinom.pmf(k, n_, p_)
        assert got == pytest.approx(np.sum(k * pmf) / (1 - stats.nbinom.pmf(0, n_, p_)), rel=1e-8)
    pois = predictions.truncated_mean(np.array([0.3, 0.7, 0.0]), X, 2)
    np.testing.assert_allclose(pois, mu / (1 - np.exp(-mu)))
    assert np.all(pois >= 1)


def test_collinearity_and_diagnostics(modelset, frame):
    col = models.collinearity(frame)
    assert list(col["term"]) == [model_frame.SIZE_TERM, model_frame.NETWORK_TERM]
    r = col["correlation"].iloc[0]
    assert 0.3 < r < 0.95 and col["vif"].iloc[0] == pytest.approx(1 / (1 - r**2), rel=1e-6)
    diag = models.diagnostics(modelset.all)
    pois = diag[diag["model"] == "poisson_index"].iloc[0]
    assert pois["dispersion"] < 1  # a bounded 0-6 index is underdispersed relative to Poisson


def test_write_tables_under_output_dir(tmp_path, modelset):
    tables = models.model_tables(modelset)
    written = models.write_tables(tables, tmp_path, 2015)
    names = {p.name for p in written}
    assert {"logit_any_involvement_2015.csv", "logit_any_involvement_exp_2015.csv",
            "expected_by_municipality_2015.csv", "n_teams_2015.csv", "teams_check_2015.csv"} <= names
    assert all(p.parent == tmp_path / "tables" / "models" for p in written)
    back = pd.read_csv(tmp_path / "tables" / "models" / "logit_any_involvement_2015.csv")
    assert list(back.columns) == models.TIDY_COLUMNS
    from wijkteam_stats.reference import paths

    with pytest.raises(PermissionError):
        models.write_tables(tables, paths.RAW, 2015)


def test_conclusion_states_synthetic_assumption(modelset):
    text = models_text.conclusion_nl(modelset, None, None, synthetic=True, generator_effect=0.0)
    assert "SYNTHETISCHE" in text and "aanname van de generator" in text and "geen" in text
    assert "Op het echte bestand" in text
    assert text.count("OR ") >= len(GROUPS)
    real = models_text.conclusion_nl(modelset, None, None, synthetic=False)
    assert "SYNTHETISCHE" not in real
    chk = predictions.teams_check(modelset, modelset.frame, 2015, n_draws=2000)
    full = models_text.conclusion_nl(modelset, None, None, synthetic=False, teams=chk)
    assert "gepubliceerd 8" in full and "gepubliceerd 42" in full


def test_with_hc_switches_the_robust_covariance(modelset, frame):
    f = modelset.get("logit_size", "vrijwilligers")
    hc0 = fits.with_hc(f, frame, "HC0")
    hc3 = fits.with_hc(f, frame, "HC3")
    assert hc0.cov_type == "HC0" and hc3.cov_type == "HC3"
    np.testing.assert_allclose(f.cov, hc3.cov)  # the default is HC3
    hc1 = fits.with_hc(f, frame, "HC1")
    np.testing.assert_allclose(hc1.cov, hc0.cov * f.n / (f.n - 2))
    assert hc3.se(model_frame.SIZE_TERM) > hc1.se(model_frame.SIZE_TERM) > hc0.se(model_frame.SIZE_TERM)
    np.testing.assert_allclose(hc3.params, f.params)


def test_models_reexports_the_split_modules_public_api():
    """`wijkteam_stats.models` stays the one import for callers (notebook 02): same objects as the modules."""
    homes = {m.__name__: m for m in (model_frame, robust, fits, predictions, models_text, models)}
    for name in models.__all__:
        obj = getattr(models, name)
        if callable(obj):
            assert homes[obj.__module__].__dict__[name] is obj
    assert models.SIZE_TERM is model_frame.SIZE_TERM and models.HC_TYPES is robust.HC_TYPES
    assert models.Z95 == fits.Z95 == pytest.approx(1.959964, abs=1e-6)
    for name in ("load_tidy", "size_frame", "outcome_bases", "with_teams", "fit_all", "model_tables",
                 "predicted_curves", "write_tables", "conclusion_nl", "nl_number", "group_labels", "SIZE_TERM"):
        assert name in models.__all__


def test_teams_size_effect_is_the_ratio_of_truncated_means_at_each_size():
    """Known parameters: latent log-mean 1.0 + log(2.19) · log2(P / 50 000), alpha 0.2. The ratio per doubling
    of E[n | n >= 1] is computed here from the NB2 pmf (scipy) and rises with P towards the latent 2.19."""
    from scipy import stats

    b = math.log(2.19)
    params = np.array([0.2, b, 0.2])
    cov = np.diag([0.01, 0.0025, 0.001])
    f = _fixed_fit(params, cov=cov, pop_range=(3_000.0, 900_000.0))
    eff = predictions.teams_size_effect(f)
    assert list(eff["population"]) == [5_000, 20_000, 50_000, 100_000]

    def tmean(pop):
        mu = math.exp(0.2 + b * math.log2(pop / 50_000))
        d = stats.nbinom(1 / 0.2, 1 / (1 + 0.2 * mu))
        return mu / (1 - d.pmf(0))

    for _, r in eff.iterrows():
        assert r["expected"] == pytest.approx(tmean(r["population"]), rel=1e-9)
        assert r["ratio_per_doubling"] == pytest.approx(tmean(2 * r["population"]) / tmean(r["population"]), rel=1e-9)
        assert r["ratio_low"] < r["ratio_per_doubling"] < r["ratio_high"]
    ratios = eff["ratio_per_doubling"].to_numpy()
    assert np.all(np.diff(ratios) > 0) and ratios[0] < 1.3 and 1.9 < ratios[-1] < 2.19
    # an untruncated model: the ratio is exp(b) at every size, with the Wald interval of b
    nb = replace(f, family="nb2", model="nb2_teams")
    e2 = predictions.teams_size_effect(nb)
    np.testing.assert_allclose(e2["ratio_per_doubling"], 2.19, rtol=1e-9)
    np.testing.assert_allclose(e2["ratio_high"], math.exp(b + 1.959964 * 0.05), rtol=1e-5)


def test_provenance_labels_come_from_the_record_not_the_file_name(tmp_path):
    """A file named SYNTHETIC without a sidecar, generated with OR 1.4: 'herkomst onbekend', and the text says
    nothing about a generator; with a sidecar the generator's parameters are quoted; embedded Parquet metadata
    counts as a record."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from wijkteam_stats.reference import provenance

    f = tmp_path / "SYNTHETIC_survey_or14.csv"
    f.write_text("a", encoding="utf-8")
    rec = provenance.read_provenance(f)
    assert rec.status == "unknown" and not rec.synthetic and rec.parameters == {}
    banner = provenance.provenance_banner_nl(f)
    assert "Herkomst onbekend" in banner and "SYNTHETISCHE" not in banner and "echte export" not in banner
    ms = fits.fit_all(model_frame.size_frame(toy_tidy(beta=math.log(1.4), seed=4), 2015), 2015)
    text = models_text.conclusion_nl(ms, None, None, provenance=rec)
    assert "herkomst onbekend" in text.lower()
    for phrase in ("per constructie", "generator", "geen** verband", "echte export", "SYNTHETISCHE"):
        assert phrase not in text, phrase
    # the same file with a sidecar that records the generator's effect of log(1.4)
    (tmp_path / "SYNTHETIC_survey_or14.csv.meta.json").write_text(
        json.dumps({"synthetic": True, "parameters": {"involvement_size_effect": math.log(1.4)}}), encoding="utf-8")
    rec2 = provenance.read_provenance(f)
    assert rec2.synthetic and rec2.parameters["involvement_size_effect"] == pytest.approx(math.log(1.4))
    text2 = models_text.conclusion_nl(ms, None, None, provenance=rec2)
    assert "SYNTHETISCHE" in text2 and "OR 1,40 per verdubbeling ingebouwd" in text2 and "geen** verband" not in text2
    # a sidecar that says synthetic without parameters: synthetic, but no claim about the generator's effect
    (tmp_path / "SYNTHETIC_survey_or14.csv.meta.json").write_text(json.dumps({"synthetic": True}), encoding="utf-8")
    text3 = models_text.conclusion_nl(ms, None, None, provenance=provenance.read_provenance(f))
    assert "SYNTHETISCHE" in text3 and "per constructie" not in text3 and "niet vastgelegd" in text3
    # a real export declared by its record; a plain file without record is unknown whatever its name
    (tmp_path / "SYNTHETIC_survey_or14.csv.meta.json").write_text(
        json.dumps({"synthetic": False, "source": "test", "how_made": "test fixture"}), encoding="utf-8")
    assert provenance.read_provenance(f).status == "real"
    assert "echte export" in models_text.conclusion_nl(ms, None, None, provenance=provenance.read_provenance(f))
    plain = tmp_path / "export.csv"
    plain.write_text("a", encoding="utf-8")
    assert provenance.read_provenance(plain).status == "unknown"
    # embedded metadata in a Parquet file
    pq_path = tmp_path / "table.parquet"
    table = pa.table({"a": [1]}).replace_schema_metadata(
        {provenance.EMBEDDED_KEY: json.dumps({"synthetic": True, "parameters": {"involvement_size_effect": 0.0}})})
    pq.write_table(table, pq_path)
    emb = provenance.read_provenance(pq_path)
    assert emb.synthetic and emb.parameters == {"involvement_size_effect": 0.0} and "embedded" in emb.source


def test_conclusion_states_joint_result_teams_effect_overlap_and_caveats(modelset, frame):
    from wijkteam_stats.models import checks, joint
    from wijkteam_stats.reference.provenance import Provenance

    jt = joint.joint_table(frame)
    holm = joint.holm_table(modelset.involvement)
    eff = pd.concat([predictions.teams_size_effect(f) for f in modelset.teams], ignore_index=True)
    det = pd.DataFrame({"group": GROUPS, "side": "increase", "min_detectable_or": 1.6, "pp_20k_100k": 20.0,
                        "alpha": 0.05 / 6})
    rec = Provenance("synthetic", "sidecar x.meta.json", {"involvement_size_effect": 0.4})
    text = models_text.conclusion_nl(modelset, None, None, provenance=rec, joint=jt, holm=holm, detectable=det,
                                     teams_effect=eff, overlap=checks.overlap_summary(frame),
                                     sensitivity=checks.teams_sensitivity(frame))
    eq = jt["slope_tests"].set_index("test").loc["gelijke hellingen"]
    assert f"met {int(eq['df'])} vrijheidsgraden" in text and int(eq["df"]) == 5
    assert "Holm" in text and "20.000 en een van 100.000 inwoners" in text and "0,0083" in text
    tr = predictions.primary_teams_fit(modelset.teams)
    assert tr.model == "truncnb2_teams" and "nul-afgeknot" in text
    for pop in ("5.000", "20.000", "50.000", "100.000"):
        assert f"bij {pop} inwoners" in text
    assert "latente" in text and "circulair" in text.lower()
    assert "Overlap van grootte en G4/G32" in text and "Eén informant" in text and "Ecologisch niveau" in text
    assert "Selectie van respondenten" in text and "Eindigepopulatiecorrectie" in text and "log(aantal teams)" in text
    real = models_text.conclusion_nl(modelset, None, None, provenance=Provenance("real", "sidecar"), teams_effect=eff)
    assert "circulair" not in real.lower()


def test_reporting_details_published_in_pi_missing_recovery_band_and_weighting_by_construction(modelset, frame):
    """published_in_pi is missing (not False) where there is no prediction interval; a recovery with fewer than
    200 replications says the 93-97 % band does not apply; on synthetic data the weighting sentence is marked as
    true by construction."""
    from wijkteam_stats.reference.provenance import Provenance

    chk = predictions.teams_check(modelset, frame, 2015, n_draws=500)
    no_pi = chk["pi_low"].isna()
    assert no_pi.any() and chk.loc[no_pi, "published_in_pi"].isna().all()
    assert chk.loc[~no_pi, "published_in_pi"].notna().all()
    assert chk["published_in_ci"].notna().all()
    cov = pd.DataFrame({"group": ["wijkbewoners", "alle groepen"], "intervals": [50, 300], "covered": [48, 285],
                        "coverage": [0.96, 0.95], "truth": [0.4, 0.4], "mean_estimate": [0.41, 0.41]})
    few = models_text.conclusion_nl(modelset, None, cov, provenance=Provenance("real", "x"))
    assert "geldt de band van 93–97 % niet" in few and "binnen 93–97 %" not in few
    many = models_text.conclusion_nl(modelset, None, cov.assign(intervals=[200, 1200]), provenance=Provenance("real", "x"))
    assert "binnen 93–97 %" in many
    head = pd.DataFrame({"difference_pp": [0.4, -0.6]})
    syn = models_text.conclusion_nl(modelset, None, None, headline=head,
                                    provenance=Provenance("synthetic", "x", {"involvement_size_effect": 0.0}))
    assert "niet af van de weging" in syn and "per constructie waar" in syn
    real = models_text.conclusion_nl(modelset, None, None, headline=head, provenance=Provenance("real", "x"))
    assert "niet af van de weging" in real and "per constructie waar" not in real


def test_notebook_says_consistent_not_unbiased_for_a_logit():
    import json

    from wijkteam_stats.reference import paths

    nb = json.loads((paths.ROOT / "notebooks" / "02_involvement_vs_size.ipynb").read_text(encoding="utf-8"))
    text = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "consistent" in text and "schatting zuiver" not in text
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def test_truncated_teams_model_at_the_alpha_boundary_is_truncated_poisson_with_robust_ses():
    """Underdispersed counts >= 1 (1 + binomial): the truncated NB2's alpha goes to its boundary, the fit is the
    zero-truncated Poisson of statsmodels with the HC1-scaled sandwich, alpha fixed at 0 without interval."""
    from statsmodels.discrete.truncated_model import TruncatedLFPoisson

    rng = np.random.default_rng(31)
    x = rng.uniform(-3, 3, 3000)
    y = 1 + rng.binomial(10, expit(-1.0 + 0.5 * x))
    keep = y >= 1
    fr = pd.DataFrame({"population": 50_000 * 2.0 ** x[keep], model_frame.SIZE_TERM: x[keep]})
    yy = pd.Series(y[keep], dtype="Float64")
    tr = fits.fit_nb2(fr, yy, fits.SPEC_SIZE, "truncnb2_teams", "n_teams", truncated=True)
    assert tr.alpha == 0.0 and tr.converged and any("boundary" in s for s in tr.notes)
    X = np.column_stack([np.ones(keep.sum()), x[keep]])
    ref = TruncatedLFPoisson(y[keep].astype(float), X, truncation=0).fit(disp=0, cov_type="HC0")
    np.testing.assert_allclose(tr.params[:2], ref.params, rtol=1e-5)
    n = int(keep.sum())
    np.testing.assert_allclose(tr.cov[:2, :2], np.asarray(ref.cov_params()) * n / (n - 2), rtol=1e-4)  # alpha fixed: not a parameter
    assert tr.coef(model_frame.SIZE_TERM) > 0
    t = models.tidy_coefficients([tr]).set_index("term")
    assert np.isnan(t.loc["alpha", "ci_low"])
