"""Second statistical referee round (issue 20): Firth profile bracket, zero-truncated HC1, one p-value per
slope, one FPC rule, trend verdicts over the rounding range, families of tests."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats
from scipy.special import expit

from wijkteam_stats.models import robust


def _pen_ll(b0: float, b1: float, x: np.ndarray, y: np.ndarray) -> float:
    """Firth's penalised log-likelihood written out for intercept + one covariate (independent of robust)."""
    eta = b0 + b1 * x
    p = expit(eta)
    w = p * (1 - p)
    det = w.sum() * (w * x * x).sum() - (w * x).sum() ** 2
    return float(np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * math.log(det)) if det > 0 else -math.inf


def test_firth_profile_bound_beyond_the_doubling_jump_is_found_and_matches_a_brute_force_scan():
    # complete separation; estimate 16.09, the upper profile bound lies ~30 above it: the doubling search
    # jumped past 50 from the estimate and reported +inf before the fix
    x = np.array([-0.1, 0.1, -0.1, 0.1])
    y = (x > 0).astype(float)
    X = np.column_stack([np.ones_like(x), x])
    params, _, conv, _ = robust.firth_logit(y, X)
    assert conv and robust.separation(y, X) == "complete"
    lo, hi = robust.firth_profile_ci(y, X, params)[1]
    assert math.isfinite(hi) and math.isfinite(lo)
    top = _pen_ll(params[0], params[1], x, y)
    crit = stats.chi2.ppf(0.95, 1)

    def dev(b1: float) -> float:
        best = optimize.minimize_scalar(lambda a: -_pen_ll(a, b1, x, y), bounds=(-20, 20), method="bounded",
                                        options={"xatol": 1e-10})
        return 2 * (top + best.fun) - crit

    grid = np.arange(params[1], params[1] + 60, 0.5)
    vals = np.array([dev(g) for g in grid])
    i = int(np.argmax(vals >= 0))
    assert vals[i] >= 0 > vals[i - 1]
    brute = optimize.brentq(dev, grid[i - 1], grid[i])
    assert abs(hi - brute) < 1e-4
    assert 45 < hi < 46 and hi - params[1] > 25  # the bound: 45.618 for an estimate of 16.094


def test_firth_profile_bound_more_than_50_from_the_estimate_is_finite_and_scale_equivariant():
    # complete separation with an upper bound ~63.4 for an estimate of 9.23: 54 log-odds away, beyond the old
    # search limit of 50 (reported +inf); Firth's penalty makes the bound finite, a brute-force scan finds it
    x = np.array([-0.05, 0.05, 0.2, -0.2])
    y = (x > 0).astype(float)
    X = np.column_stack([np.ones_like(x), x])
    params = robust.firth_logit(y, X)[0]
    hi = robust.firth_profile_ci(y, X, params)[1][1]
    top = _pen_ll(params[0], params[1], x, y)
    crit = stats.chi2.ppf(0.95, 1)

    def dev(b1: float) -> float:
        best = optimize.minimize_scalar(lambda a: -_pen_ll(a, b1, x, y), bounds=(-20, 20), method="bounded",
                                        options={"xatol": 1e-10})
        return 2 * (top + best.fun) - crit

    grid = np.arange(params[1], params[1] + 100, 1.0)
    vals = np.array([dev(g) for g in grid])
    i = int(np.argmax(vals >= 0))
    brute = optimize.brentq(dev, grid[i - 1], grid[i])
    assert hi - params[1] > 50 and abs(hi - brute) < 1e-4
    # the interval of x / 10 is the interval of x times 10 (the limit is not a hidden scale)
    X10 = np.column_stack([np.ones_like(x), x / 10])
    p10 = robust.firth_logit(y, X10)[0]
    assert abs(robust.firth_profile_ci(y, X10, p10, terms=[1])[1][1] - 10 * hi) < 1e-3


def test_zero_truncated_poisson_fallback_hc1_counts_only_estimated_parameters():
    import pandas as pd
    from statsmodels.discrete.truncated_model import TruncatedLFPoisson

    from wijkteam_stats.models import fits
    from wijkteam_stats.models.frame import SIZE_TERM

    x = np.linspace(-3, 3, 40)
    counts = np.maximum(1, np.round(np.exp(0.8 + 0.5 * x))).astype(int)  # underdispersed: alpha at 0
    frame = pd.DataFrame({"population": 50_000 * 2.0 ** x, SIZE_TERM: x})
    f = fits.fit_nb2(frame, pd.Series(counts, dtype="Int64"), fits.SPEC_SIZE, "truncnb2_teams", "n_teams",
                     hc_type="HC1", truncated=True)
    assert f.alpha == 0.0 and f.cov_type == "HC1"
    X = np.column_stack([np.ones_like(x), x])
    ref = TruncatedLFPoisson(counts.astype(float), X, truncation=0).fit(disp=0, method="newton", cov_type="HC0")
    expected = np.asarray(ref.cov_params()) * 40 / (40 - 2)  # two estimated parameters, not three
    assert np.allclose(f.cov[:2, :2], expected, rtol=1e-4)


def test_holm_adjusts_the_p_value_of_the_inference_beside_it_firth_uses_penalised_lr():
    import pandas as pd

    from wijkteam_stats.models import fits, joint
    from wijkteam_stats.models.frame import SIZE_TERM

    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(-3, 3, 60))
    frame = pd.DataFrame({"population": 50_000 * 2.0 ** x, SIZE_TERM: x})
    separated = pd.Series((x > 0.4).astype(int), dtype="Int64")
    noisy = pd.Series((rng.random(60) < expit(0.3 * x)).astype(int), dtype="Int64")
    f_sep = fits.fit_binary(frame, separated, fits.SPEC_SIZE, "logit_size", "a")
    f_ok = fits.fit_binary(frame, noisy, fits.SPEC_SIZE, "logit_size", "b")
    assert f_sep.method == "firth" and f_sep.profile_p
    table = joint.holm_table([f_sep, f_ok]).set_index("group")
    wald = 2 * stats.norm.sf(abs(f_sep.coef(SIZE_TERM) / f_sep.se(SIZE_TERM)))
    assert table.loc["a", "p_value"] == f_sep.profile_p[1] != wald
    assert table.loc["a", "inference"] == "penalised LR"
    assert table.loc["b", "p_value"] == f_ok.p_value(SIZE_TERM)
    p = sorted([f_sep.profile_p[1], f_ok.p_value(SIZE_TERM)])
    assert table["p_holm"].min() == min(1.0, 2 * p[0])


def test_one_fpc_rule_the_2015_teams_share_has_the_same_interval_on_page_02_and_page_04():
    from wijkteam_stats.models import tables as models
    from wijkteam_stats.models import weighting
    from wijkteam_stats.reference import municipalities, paths
    from wijkteam_stats.reproduce import estimators, trends

    frame = models.size_frame(models.load_tidy(paths.synthetic_survey_file(2015), 2015), 2015)
    register = municipalities.register(2015)
    head = weighting.headline_table(frame, weighting.poststratify(frame, register)).set_index("indicator")
    row = head.loc["has_teams"]
    tr = trends.national_trends(trends.all_published())
    t = tr[(tr["variable"] == "has_teams") & (tr["breakdown"] == "all") & (tr["wave"] == 2015)].iloc[0]
    # the shipped SYNTHETIC file has 203 of 234; the published 87 % of 234 allows 203 or 204 (page 04 takes 204)
    k02, k04 = int(row["k"]), int(t["k"])
    assert (k02, int(row["n"])) == (203, 234) and (k04, int(t["base_n"])) == (204, 234)
    assert int(t["k_min"]) <= k02 <= int(t["k_max"])
    assert row["population_size"] == int(t["population_n"]) == 393
    page02 = (row["ci_low_unweighted_fpc"], row["ci_high_unweighted_fpc"])
    page04 = (t["ci_low_fpc"], t["ci_high_fpc"])
    # one rule: the same function of (k, n, N) on both pages, so the same counts give the same interval
    assert page02 == estimators.wilson_fpc_interval(k02, 234, 393)
    assert page04 == estimators.wilson_fpc_interval(k04, 234, 393)
    # the rule's factor is (N - n) / (N - 1): Wilson at n_eff = 234 * 392 / 159
    n_eff = 234 * 392 / 159
    assert page04 == trends.wilson(204 / 234 * n_eff, n_eff)
    assert page02 == trends.wilson(203 / 234 * n_eff, n_eff)
    # a sub-population share: N is the weighted size of the sub-population, not of those who answered
    inv = head.loc[[i for i in head.index if i.startswith("any_involvement__")]]
    w = weighting.poststratify(frame, register).weights
    with_teams = float(w[models.with_teams(frame).to_numpy()].sum())
    assert np.allclose(inv["population_size"], with_teams) and (inv["n"] < inv["population_size"]).all()


def test_trend_verdict_over_the_rounding_range_87_to_83_percent_is_not_distinguishable():
    from wijkteam_stats.reproduce import trends

    res = trends.build_trends(survey_paths={})
    ch = res.changes.set_index(["variable", "breakdown", "wave_from"])
    c = ch.loc[("has_teams", "all", 2015)]
    # the counts the rounded 87 % of 234 and 83 % of 242 allow
    assert (c["k_from_min"], c["k_from_max"], c["k_to_min"], c["k_to_max"]) == (203, 204, 200, 202)
    ps = [trends.pooled_z_test(k1, 234, k2, 242)[1] for k1 in (203, 204) for k2 in (200, 201, 202)]
    assert (c["p_raw_min"], c["p_raw_max"]) == (min(ps), max(ps))
    # the FPC reading over the same range: 0.027-0.108 (distinguishable at some counts only, and not the verdict)
    f1, f2 = (393 - 234) / 392, (388 - 242) / 387
    fps = [trends.pooled_z_test(k1, 234, k2, 242, f1, f2)[1] for k1 in (203, 204) for k2 in (200, 201, 202)]
    assert (c["p_fpc_min"], c["p_fpc_max"]) == (min(fps), max(fps))
    assert round(c["p_fpc_min"], 3) == 0.027 and round(c["p_fpc_max"], 3) == 0.108
    # Holm over the family of the five tested changes, at both ends of the range
    fam = res.changes[res.changes["family"] == trends.TREND_FAMILY]
    assert len(fam) == 5 and set(fam["family_size"]) == {5}
    from statsmodels.stats.multitest import multipletests

    assert np.allclose(fam["p_adj_max"], multipletests(fam["p_raw_max"], method="holm")[1])
    assert c["verdict"] == "not_distinguishable" and c["p_adj_min"] > 0.05
    # 69 -> 87 %: distinguishable over every count; target-group teams rest on unpublished bases
    assert ch.loc[("has_teams", "all", 2014), "verdict"] == "distinguishable"
    assert ch.loc[("team_type", "all", 2015), "verdict"] in ("not_distinguishable", "bound_only")
    text = " ".join(trends.conclusions_nl(res.trends, res.changes))
    assert "p tussen 0,167 en 0,315" in text and "p tussen 0,027 en 0,108" in text
    assert "aselecte deelverzameling" in text and "meegerekend zeker" not in text
    assert "niet onderscheidbaar van nul" in text


def test_verdict_needs_every_count_and_published_bases():
    from wijkteam_stats.reproduce import trends

    assert trends.verdict(0.01, 0.001, ("published", "published")) == "distinguishable"
    assert trends.verdict(0.08, 0.01, ("published", "published")) == "rounding_dependent"
    assert trends.verdict(0.01, 0.001, ("published", "upper_bound")) == "bound_only"
    assert trends.verdict(0.3, 0.2, ("census", "census")) == "census"
    assert trends.verdict(math.nan, math.nan, ("published", "published")) == "not_tested"


def test_families_are_declared_adjusted_within_and_a_check_is_never_a_finding():
    import pandas as pd
    from statsmodels.stats.multitest import multipletests

    from wijkteam_stats.models import families

    lin = pd.DataFrame({"group": ["a", "b", "mantelzorgers", "c", "d", "e"],
                        "p_value": [0.258, 0.967, 0.039, 0.712, 0.899, 0.065]})
    out = families.adjust(lin, "modelcontrole_lineariteit")
    assert list(out["p_raw"]) == list(lin["p_value"]) and set(out["family_size"]) == {6}
    assert np.allclose(out["p_adj"], multipletests(lin["p_value"], method="holm")[1])
    assert set(out["role"]) == {"modelcontrole"}
    text = families.check_sentence_nl(out, {"mantelzorgers": "Mantelzorgers"})
    assert "p = 0,039 (Mantelzorgers), na Holm binnen de familie p = 0,234" in text
    assert "geen aanwijzing" in text and "bevinding" not in text.replace("geen bevinding", "")
    try:
        families.adjust(lin, "unknown_family")
    except KeyError as err:
        assert "undeclared" in str(err)
    else:  # pragma: no cover
        raise AssertionError("an undeclared family must be refused")


def test_teams_model_check_and_the_synthetic_teams_sentence_name_the_generator_assumption():
    import dataclasses

    import pandas as pd

    from wijkteam_stats.models import checks, fits, predictions, text
    from wijkteam_stats.models import tables as models
    from wijkteam_stats.reference import paths, provenance

    path = paths.synthetic_survey_file(2015)
    frame = models.size_frame(models.load_tidy(path, 2015), 2015)
    ts = fits.fit_team_models(frame)
    check = checks.teams_model_check(frame, ts).set_index("model")
    # on the shipped file (teams spread in proportion to population since round 2): quadratic term robust p
    # < 0.001 in the truncated model (0.179 in NB2), Pearson chi2/df 0.32-0.40
    assert check.loc["truncnb2_teams", "p_raw"] < 0.001 and round(check.loc["nb2_teams", "p_raw"], 3) == 0.179
    assert round(check.loc["nb2_teams", "pearson_dispersion"], 2) == 0.32
    assert round(check.loc["truncnb2_teams", "pearson_dispersion"], 2) == 0.40
    assert set(check["family"]) == {"modelcontrole_teammodel"} and set(check["family_size"]) == {2}
    rec = provenance.read_provenance(path)
    eff = pd.concat([predictions.teams_size_effect(f) for f in ts], ignore_index=True)
    tf = predictions.primary_teams_fit(ts)
    s = text.teams_effect_nl(eff, tf, provenance=rec, check=check.reset_index())
    assert "Op synthetische gegevens is dit geen bevinding" in s and "circulair" in s
    assert "tot de macht 1, maal een log-normale ruisfactor (sd 0,25)" in s and "minstens 1 team" in s
    assert "p < 0,001" in s and "p = 0,179" in s and "0,32–0,40" in s
    # the generator rule is read from the record: another exponent, another sentence
    other = dataclasses.replace(rec, parameters={**rec.parameters, "teams_population_exponent": 0.8})
    assert "tot de macht 0,8" in text.teams_effect_nl(eff, tf, provenance=other)
    # a record of the one engine without the population rule: the groups the counts were chosen for
    cells = dataclasses.replace(rec, parameters={"cells": rec.parameters.get("cells") or {"g4/large": 3, "g32/large": 37}})
    assert "door de reconstructie opgelegd" in text.teams_effect_nl(eff, tf, provenance=cells)
    unknown = dataclasses.replace(rec, parameters={})
    assert "staat niet in het herkomstrecord" in text.teams_effect_nl(eff, tf, provenance=unknown)
    # every parameter of the record is listed in the provenance paragraph
    par = text.provenance_paragraph_nl(rec)
    assert all(f"`{k}`" in par for k, v in rec.parameters.items() if not (k == "extra" and not v))
    real = text.teams_effect_nl(eff, tf, provenance=provenance.Provenance("real", "test"))
    assert "circulair" not in real and "generator" not in real


def test_scorecard_uses_the_same_fpc_interval_for_the_same_figure():
    from wijkteam_stats.clean import clean_survey
    from wijkteam_stats.reference import paths
    from wijkteam_stats.reproduce import estimators, scorecard, trends

    tidy = clean_survey(paths.synthetic_survey_file(2015), 2015).table
    sc = scorecard.build_scorecard(paths.RAW_PUBLISHED / "movisie_2015.csv", tidy)
    teams = sc[(sc["unit"] == "%") & (sc["base_n_reproduced"] == 234) & (sc["reproduced_value"].round(0) == 87)]
    row = teams.iloc[0]
    assert int(row["population_n"]) == 393
    k = round(row["reproduced_value"] * 234 / 100)
    assert (row["ci_low_fpc"], row["ci_high_fpc"]) == estimators.wilson_fpc_interval(k, 234, 393)
    tr = trends.national_trends(trends.all_published())
    t = tr[(tr["variable"] == "has_teams") & (tr["breakdown"] == "all") & (tr["wave"] == 2015)].iloc[0]
    # the same rule as page 04: the same counts give the same interval
    assert (t["ci_low_fpc"], t["ci_high_fpc"]) == estimators.wilson_fpc_interval(int(t["k"]), 234, 393)
    # a sub-population whose size the register cannot count gets no FPC interval (not a guessed N)
    sub = sc[sc["reproduced_value"].notna() & (sc["unit"] == "%") & sc["population_n"].isna()]
    assert len(sub) and sub["ci_low_fpc"].isna().all()


def test_recovery_of_what_is_published_few_replications():
    import pandas as pd

    from wijkteam_stats.models import recovery

    design = recovery.RecoveryDesign()
    reg = recovery._register(2015)
    rng = np.random.default_rng(5)
    f1, long1, teams1 = recovery.draw_survey(rng, reg, design, math.log(1.5), math.log(1.5))
    f2, _, _ = recovery.draw_survey(rng, reg, design, math.log(1.5), math.log(1.5))
    # municipalities and bases are redrawn per replication
    assert set(f1["gm_code"]) != set(f2["gm_code"])
    assert (teams1 >= 1).all() and len(teams1) == len(f1)
    # the six groups of one municipality share an effect: answers are positively correlated
    wide = long1.pivot_table(index="gm_code", columns="group", values="y")
    corr = wide.corr().to_numpy()[np.triu_indices(6, 1)]
    assert np.nanmean(corr) > 0.1
    res = recovery.recovery_run(ratios=(1.0, 1.5), n_rep=2, seed=3)
    summ = recovery.recovery_summary(res).set_index(["model", "truth_ratio"])
    assert set(summ.index.get_level_values(0)) == set(recovery.MODELS)
    assert summ.loc[("logit_size", 1.0), "intervals"] == 12 and summ.loc[("stacked_common", 1.0), "replications"] == 2
    # Monte Carlo SE over replications (intervals of one replication averaged first)
    g = res[(res["model"] == "logit_size") & (res["truth_ratio"] == 1.0)]
    per_rep = g.groupby("rep")["covers"].mean()
    assert summ.loc[("logit_size", 1.0), "coverage_mcse"] == per_rep.std(ddof=1) / math.sqrt(2)
    assert summ.loc[("stacked_common", 1.5), "rejection"] == 1.0  # OR 1.5 per doubling is seen by the pooled test
    assert (summ["not_estimable"] == 0).all()
    assert isinstance(summ.reset_index(), pd.DataFrame)


def test_size_term_tests_put_each_model_in_its_declared_family():
    import pandas as pd
    from statsmodels.stats.multitest import multipletests

    from wijkteam_stats.models import families

    rows = []
    for i, (model, term) in enumerate([("logit_size", "log2_population")] * 3 + [("logit_size_network", "log2_population"),
                                       ("logit_size_network", "g4_g32"), ("poisson_forms", "log2_population"),
                                       ("logit_size", "intercept")]):
        rows.append({"model": model, "outcome": f"g{i}", "term": term, "estimate": 1.0, "p_value": 0.01 * (i + 1),
                     "n": 100})
    out = families.size_term_tests([pd.DataFrame(rows)])
    assert "intercept" not in set(out["term"])
    fam = out.groupby("family")["p_raw"].apply(list).to_dict()
    assert fam == {"primair": [0.01, 0.02, 0.03], "secundair_netwerk": [0.04, 0.05], "secundair_diepte": [0.06]}
    prim = out[out["family"] == "primair"]
    assert np.allclose(prim["p_adj"], multipletests([0.01, 0.02, 0.03], method="holm")[1])
    assert set(out.loc[out["family"] != "primair", "role"]) == {"secundair"}
