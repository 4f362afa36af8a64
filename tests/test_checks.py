"""Model checks (wijkteam_stats.models.checks) on fixtures with a planted answer: overlap counts, influence,
spline linearity test, Brant's proportional-odds test, item non-response and the teams sensitivity model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from test_models import GROUPS, toy_tidy

from wijkteam_stats.models import checks, fits
from wijkteam_stats.models import frame as model_frame


def _frame(pop, net, teams=None):
    pop = np.asarray(pop, dtype=float)
    n = len(pop)
    teams = np.ones(n, dtype=bool) if teams is None else np.asarray(teams)
    return pd.DataFrame({
        "gm_code": [f"GM{i:04d}" for i in range(n)], "population": pop,
        model_frame.SIZE_TERM: np.log2(pop / 50_000), model_frame.NETWORK_TERM: np.asarray(net, dtype=bool),
        "has_teams": pd.array(np.where(teams, "ja", "nee"), dtype="string"),
    })


def test_overlap_counts_the_other_municipalities_as_large_as_the_smallest_g4_g32():
    pop = [3_000, 15_000, 40_000, 60_000, 71_105, 80_000, 90_000, 150_000, 300_000, 800_000, 75_000]
    net = [0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0]
    teams = [1] * 10 + [0]  # the last one has no teams: outside the model
    fr = _frame(pop, net, teams)
    s = checks.overlap_summary(fr)
    assert s["min_population_g4_g32"] == 71_105 and s["n_g4_g32"] == 4
    assert s["n_other_as_large"] == 2 and s["n_other"] == 6  # 80 000 and 150 000
    t = checks.overlap_table(fr)
    assert t["g4_g32"].sum() == 4 and t["other"].sum() == 6
    row = t[t["population_low"] == 71_105].iloc[0]
    assert (row["g4_g32"], row["other"]) == (2, 1)  # 71 105 and 90 000; 80 000
    assert t[t["population_high"] <= 71_105]["g4_g32"].sum() == 0


@pytest.fixture(scope="module")
def toy():
    return model_frame.size_frame(toy_tidy(beta=0.4, seed=5), 2015)


def test_influence_refits_are_the_fits_without_those_municipalities(toy):
    ms = fits.fit_involvement_models(toy, "HC3", groups=GROUPS[:2])
    t = checks.influence_table(toy, ms)
    assert list(t["group"]) == GROUPS[:2]
    for _, r in t.iterrows():
        g = r["group"]
        keep = (toy["gm_code"] != r["most_influential"]).to_numpy()
        y = model_frame.any_involvement(toy, g)
        f = fits.fit_binary(toy.loc[keep], y[keep], fits.SPEC_SIZE, "logit_size", g, "HC3")
        assert r["or_without_most_influential"] == pytest.approx(math.exp(f.coef(model_frame.SIZE_TERM)))
        big = (toy["population"] >= 5_000).to_numpy()
        f2 = fits.fit_binary(toy.loc[big], y[big], fits.SPEC_SIZE, "logit_size", g, "HC3")
        assert r["or_without_small"] == pytest.approx(math.exp(f2.coef(model_frame.SIZE_TERM)))
        assert r["n_small"] == int(((~big) & y.notna().to_numpy()).sum()) > 0
        assert 0 < r["mean_leverage"] < r["max_leverage"] < 1


def test_influence_finds_a_planted_outlier():
    rng = np.random.default_rng(2)
    pop = np.exp(rng.uniform(np.log(5_000), np.log(200_000), 120))
    pop[0] = 900_000  # the largest municipality, and its outcome goes against the trend
    x = np.log2(pop / 50_000)
    y = rng.random(120) < expit(0.8 * x)
    y[0] = False
    fr = _frame(pop, np.zeros(120))
    grid = {f"involvement__{GROUPS[0]}__{f}": pd.array(y if f == "meedenken" else (~y if f == "geen" else
            np.zeros(120, bool)), dtype="boolean") for f in (*model_frame.FORMS, "geen")}
    fr = fr.assign(**grid)
    f = fits.fit_binary(fr, model_frame.any_involvement(fr, GROUPS[0]), fits.SPEC_SIZE, "logit_size", GROUPS[0])
    t = checks.influence_table(fr, [f])
    assert t["most_influential"].iloc[0] == "GM0000"
    assert t["or_without_most_influential"].iloc[0] > t["odds_ratio"].iloc[0]


def test_rcs_basis_is_linear_beyond_the_outer_knots_and_the_lr_test_sees_curvature():
    knots = [-3.0, -1.0, 0.5, 2.0]
    x = np.linspace(2.5, 6, 8)
    B = checks.rcs_basis(x, knots)
    assert B.shape == (8, 2)
    np.testing.assert_allclose(np.diff(B, n=2, axis=0), 0, atol=1e-10)
    assert np.all(checks.rcs_basis(np.array([-5.0, -3.0]), knots) == 0)
    rng = np.random.default_rng(4)
    n = 4000
    pop = np.exp(rng.uniform(np.log(2_000), np.log(800_000), n))
    xs = np.log2(pop / 50_000)
    rows = {}
    for name, eta in (("linear", 0.3 * xs), ("curved", 1.2 - 0.5 * xs**2)):
        yy = rng.random(n) < expit(eta)
        fr = _frame(pop, np.zeros(n))
        fr = fr.assign(**{f"involvement__{GROUPS[0]}__{f}": pd.array(
            yy if f == "meedenken" else (~yy if f == "geen" else np.zeros(n, bool)), dtype="boolean")
            for f in (*model_frame.FORMS, "geen")})
        rows[name] = checks.linearity_table(fr, GROUPS[:1]).iloc[0]
    assert rows["linear"]["df"] == 2 and rows["linear"]["p_value"] > 0.001
    assert rows["curved"]["p_value"] < 1e-6


def _ordinal(x, slopes, cuts, rng):
    """y = number of cumulative thresholds passed: P(y > j) = expit(cut_j + slope_j x)."""
    u = rng.random(len(x))
    y = np.zeros(len(x), dtype=int)
    for c, b in zip(cuts, slopes, strict=True):
        y += (u < expit(c + b * x)).astype(int)
    return y


def test_brant_test_accepts_proportional_odds_and_rejects_unequal_slopes():
    rng = np.random.default_rng(9)
    x = rng.normal(0, 1.5, 3000)
    po = checks.brant_test(_ordinal(x, [0.5, 0.5, 0.5], [1.5, 0.0, -1.5], rng), x[:, None])
    assert po["df"] == 2 and po["cuts"] == 3 and po["p_value"] > 0.001
    npo = checks.brant_test(_ordinal(x, [0.1, 0.5, 1.2], [1.5, 0.0, -1.5], rng), x[:, None])
    assert npo["p_value"] < 1e-6


def test_item_nonresponse_against_size_detects_a_planted_dependence():
    rng = np.random.default_rng(12)
    n = 1500
    pop = np.exp(rng.uniform(np.log(3_000), np.log(500_000), n))
    x = np.log2(pop / 50_000)
    fr = _frame(pop, np.zeros(n))
    for g, b in ((GROUPS[0], -0.6), (GROUPS[1], 0.0)):
        miss = rng.random(n) < expit(-1.5 + b * x)
        inv = rng.random(n) < 0.5
        for f in (*model_frame.FORMS, "geen"):
            v = pd.array(inv if f == "meedenken" else (~inv if f == "geen" else np.zeros(n, bool)), dtype="boolean")
            v[miss] = pd.NA
            fr[f"involvement__{g}__{f}"] = v
    t = checks.nonresponse_table(fr, GROUPS[:2]).set_index("group")
    assert t.loc[GROUPS[0], "or_high"] < 1 and t.loc[GROUPS[0], "odds_ratio"] == pytest.approx(math.exp(-0.6), abs=0.1)
    assert t.loc[GROUPS[1], "or_low"] < 1 < t.loc[GROUPS[1], "or_high"]


def test_teams_sensitivity_removes_a_size_effect_that_runs_through_the_number_of_teams():
    """Involvement depends only on log(number of teams), which grows with size: the size-only OR is > 1, the
    adjusted size OR is about 1."""
    rng = np.random.default_rng(21)
    n = 3000
    pop = np.exp(rng.uniform(np.log(3_000), np.log(800_000), n))
    x = np.log2(pop / 50_000)
    nt = 1 + rng.poisson(np.exp(1.0 + 0.7 * x))
    fr = _frame(pop, np.zeros(n)).assign(n_teams=pd.array(nt, dtype="Int64"))
    inv = rng.random(n) < expit(-1.0 + 0.8 * np.log(nt))
    for f in (*model_frame.FORMS, "geen"):
        fr[f"involvement__{GROUPS[0]}__{f}"] = pd.array(
            inv if f == "meedenken" else (~inv if f == "geen" else np.zeros(n, bool)), dtype="boolean")
    t = checks.teams_sensitivity(fr, GROUPS[:1]).iloc[0]
    assert t["or_size_only_low"] > 1.1
    assert t["or_size_adjusted_low"] < 1 < t["or_size_adjusted_high"]
    assert t["or_teams_doubling"] == pytest.approx(2 ** 0.8, rel=0.15)
