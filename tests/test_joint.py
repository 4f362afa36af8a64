"""Joint inference over the resident groups (wijkteam_stats.models.joint): clustered sandwich by hand, the
stacked logit, the slope tests' degrees of freedom, Holm, detectable effects in percentage points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit
from test_models import GROUPS, toy_tidy

from wijkteam_stats.models import fits, joint, power
from wijkteam_stats.models import frame as model_frame


def test_cluster_sandwich_matches_a_hand_computation_and_statsmodels():
    """Ten rows in four clusters: bread, per-cluster score sums and the CR1 factor written out by hand."""
    X = np.array([[1, 0.5], [1, -1.0], [1, 2.0], [1, 0.0], [1, 1.5], [1, -0.5], [1, 0.3], [1, -2.0], [1, 1.0],
                  [1, 0.7]])
    y = np.array([1, 0, 1, 0, 1, 1, 0, 0, 1, 0], dtype=float)
    cl = np.array(["a", "a", "b", "b", "b", "c", "c", "d", "d", "d"])
    res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
    mu = np.asarray(res.mu)
    # by hand
    info = np.zeros((2, 2))
    for i in range(10):
        info += mu[i] * (1 - mu[i]) * np.outer(X[i], X[i])
    meat = np.zeros((2, 2))
    for c in "abcd":
        s = np.zeros(2)
        for i in range(10):
            if cl[i] == c:
                s += X[i] * (y[i] - mu[i])
        meat += np.outer(s, s)
    bread = np.linalg.inv(info)
    hand = bread @ meat @ bread * (4 / 3) * (9 / 8)
    got = joint.cluster_sandwich(X, y - mu, mu * (1 - mu), cl)
    np.testing.assert_allclose(got, hand, rtol=1e-12)
    np.testing.assert_allclose(joint.cluster_sandwich(X, y - mu, mu * (1 - mu), cl, correction=False),
                               bread @ meat @ bread, rtol=1e-12)
    codes = np.unique(cl, return_inverse=True)[1]
    ref = sm.GLM(y, X, family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={"groups": codes})
    np.testing.assert_allclose(got, np.asarray(ref.cov_params()), rtol=1e-8)


@pytest.fixture(scope="module")
def toy_frame():
    return model_frame.size_frame(toy_tidy(beta=0.4, seed=3), 2015)


def test_stacked_logit_recovers_the_common_slope_and_group_intercepts(toy_frame):
    """The toy truth: slope 0.4 per doubling in every group and group intercepts -0.5 ... 1.4."""
    common = joint.fit_stacked_logit(toy_frame, "common")
    assert common.terms[:6] == tuple(f"intercept[{g}]" for g in GROUPS) and common.terms[6] == model_frame.SIZE_TERM
    assert common.coef(model_frame.SIZE_TERM) == pytest.approx(0.4, abs=0.12)
    assert common.coef(f"intercept[{GROUPS[-1]}]") > common.coef(f"intercept[{GROUPS[0]}]") + 1
    long = joint.stacked_frame(toy_frame)
    assert common.n == len(long) and common.n_clusters == long["gm_code"].nunique() < common.n
    # the clustered SE is not the iid SE: rows of one municipality share one informant
    sep = joint.fit_stacked_logit(toy_frame, "separate")
    for g in GROUPS:  # separate slopes equal the per-group logits (same likelihood, block-diagonal)
        f = fits.fit_binary(toy_frame, model_frame.any_involvement(toy_frame, g), fits.SPEC_SIZE, "logit_size", g)
        assert sep.coef(f"{model_frame.SIZE_TERM}[{g}]") == pytest.approx(f.coef(model_frame.SIZE_TERM), abs=1e-6)


def test_equal_slopes_test_has_five_df_and_all_zero_six(toy_frame):
    sep = joint.fit_stacked_logit(toy_frame, "separate")
    t = joint.slope_tests(sep).set_index("test")
    assert t.loc["gelijke hellingen", "df"] == 5 and t.loc["alle hellingen 0", "df"] == 6
    # the truth has equal slopes of 0.4: equality is not rejected at the 0.1 % level, all-zero is
    assert t.loc["gelijke hellingen", "p_value"] > 0.001 and t.loc["alle hellingen 0", "p_value"] < 0.001
    # hand check of the equal-slopes statistic through a contrast matrix
    idx = [sep.terms.index(f"{model_frame.SIZE_TERM}[{g}]") for g in GROUPS]
    R = np.zeros((5, len(sep.params)))
    for j in range(5):
        R[j, idx[j]], R[j, idx[j + 1]] = 1, -1
    d = R @ sep.params
    chi2 = d @ np.linalg.solve(R @ sep.cov @ R.T, d)
    assert t.loc["gelijke hellingen", "chi2"] == pytest.approx(chi2)
    assert t.loc["gelijke hellingen", "p_value"] == pytest.approx(stats.chi2.sf(chi2, 5))


def test_holm_adjusts_the_per_group_p_values():
    ps = [0.011, 0.04, 0.03, 0.005, 0.5, 0.2]
    fake = []
    for g, p in zip(GROUPS, ps, strict=True):
        z = stats.norm.isf(p / 2)
        fake.append(fits.Fit("logit_size", g, "binomial", "logit", fits.SPEC_SIZE, ("intercept", model_frame.SIZE_TERM),
                             np.array([0.0, 0.2 * z]), np.diag([0.04, 0.04]), 100, 2, "HC1", n_events=40))
    t = joint.holm_table(fake)
    np.testing.assert_allclose(t["p_value"], ps, rtol=1e-9)
    # Holm by hand: sorted 0.005, 0.011, 0.03, 0.04, 0.2, 0.5 times 6, 5, 4, 3, 2, 1, cumulative max
    expect = {0.005: 0.03, 0.011: 0.055, 0.03: 0.12, 0.04: 0.12, 0.2: 0.4, 0.5: 0.5}
    np.testing.assert_allclose(t["p_holm"], [expect[p] for p in ps], rtol=1e-9)
    assert t["significant"].sum() == 4 and t["significant_holm"].sum() == 1


def test_detectable_or_in_percentage_points():
    """OR 1 is 0 pp; for a base of two municipalities at 20 000 and 100 000 and share 0.5 the calibrated
    intercept is symmetric, so the difference is 100 (expit(b·d/2) - expit(-b·d/2)) with d = log2(5)."""
    x = np.log2(np.array([20_000, 100_000]) / 50_000)
    d = power.GroupDesign("g", x, 0.5)
    assert joint.pp_difference(d, 1.0) == pytest.approx(0.0, abs=1e-9)
    b = math.log(1.5)
    half = b * math.log2(5) / 2
    assert joint.pp_difference(d, 1.5) == pytest.approx(100 * (expit(half) - expit(-half)), rel=1e-9)
    assert joint.pp_difference(d, 1 / 1.5) == pytest.approx(-joint.pp_difference(d, 1.5), rel=1e-9)
    mdor = pd.DataFrame({"group": ["g", "g"], "side": ["increase", "decrease"], "min_detectable_or": [1.5, math.nan]})
    out = joint.detectable_pp(mdor, [d])
    assert out["pp_20k_100k"].iloc[0] == pytest.approx(joint.pp_difference(d, 1.5)) and math.isnan(out["pp_20k_100k"].iloc[1])
