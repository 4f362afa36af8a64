"""Non-response weights (wijkteam_stats.models.weighting): post-stratification, raking, Kish ESS, weighted shares."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wijkteam_stats.models import weighting as W
from wijkteam_stats.reference import municipalities
from wijkteam_stats.reproduce.estimators import proportion_from_counts


def toy_register() -> pd.DataFrame:
    """Ten municipalities: five small non-G32, five large G32."""
    return pd.DataFrame({
        "gm_code": [f"GM{i:04d}" for i in range(1, 11)],
        "size_class": ["< 20.000"] * 5 + ["≥ 100.000"] * 5,
        "g32": [False] * 5 + [True] * 5,
    })


def test_toy_poststratification_weights_are_cell_totals_over_respondents():
    reg = toy_register()
    resp = pd.DataFrame({"gm_code": ["GM0001", "GM0002", "GM0003", "GM0006", "GM0007", "GM0008", "GM0009"]})
    w = W.poststratify(resp, reg, min_respondents=2)
    np.testing.assert_allclose(w.weights.to_numpy(), [5 / 3] * 3 + [5 / 4] * 4)
    assert w.weights.sum() == pytest.approx(10)
    assert list(w.cells["N"]) == [5, 5] and list(w.cells["n"]) == [3, 4]
    assert list(w.cells["cell"]) == ["< 20.000 | niet-G32", "≥ 100.000 | G32"]


def test_weighted_share_and_stratified_variance_by_hand():
    reg = toy_register()
    resp = pd.DataFrame({"gm_code": ["GM0001", "GM0002", "GM0003", "GM0006", "GM0007", "GM0008", "GM0009"]})
    w = W.poststratify(resp, reg, min_respondents=2)
    y = pd.Series([True, False, False, True, True, True, False], dtype="boolean")
    ws = W.weighted_proportion(y, w)
    # population estimate: small cell share 1/3, large cell share 3/4, equal cell sizes
    p = 0.5 * (1 / 3) + 0.5 * (3 / 4)
    assert ws.estimate == pytest.approx(p)
    # stratified SRSWOR variance of the mean: sum W_h^2 (1 - f_h) s_h^2 / n_h
    s1 = np.var([1, 0, 0], ddof=1)
    s2 = np.var([1, 1, 1, 0], ddof=1)
    var = 0.25 * (1 - 3 / 5) * s1 / 3 + 0.25 * (1 - 4 / 5) * s2 / 4
    assert ws.std_error == pytest.approx(math.sqrt(var))
    no_fpc = W.weighted_proportion(y, w, fpc=False)
    assert no_fpc.std_error == pytest.approx(math.sqrt(0.25 * s1 / 3 + 0.25 * s2 / 4))
    assert ws.ci_low < p < ws.ci_high and ws.ci_low > 0 and ws.ci_high < 1


def test_census_cell_has_no_sampling_variance():
    reg = toy_register()
    everyone = pd.DataFrame({"gm_code": reg["gm_code"]})
    w = W.poststratify(everyone, reg, min_respondents=2)
    ws = W.weighted_proportion(pd.Series([True, False] * 5, dtype="boolean"), w)
    assert ws.estimate == pytest.approx(0.5) and ws.std_error == pytest.approx(0.0)


def test_domain_share_with_missing_items():
    reg = toy_register()
    resp = pd.DataFrame({"gm_code": ["GM0001", "GM0002", "GM0003", "GM0006", "GM0007", "GM0008", "GM0009"]})
    w = W.poststratify(resp, reg, min_respondents=2)
    y = pd.Series([True, pd.NA, False, True, pd.NA, pd.NA, False], dtype="boolean")
    ws = W.weighted_proportion(y, w)
    wt = w.weights.to_numpy()
    d = y.notna().to_numpy()
    assert ws.estimate == pytest.approx(np.sum(wt[d] * y[d].astype(float)) / wt[d].sum())
    assert ws.n == 4 and ws.n_eff == pytest.approx(W.kish_ess(wt[d]))


def test_sparse_cell_merges_with_other_g32_stratum_of_same_size_class():
    reg = pd.DataFrame({
        "gm_code": [f"GM{i:04d}" for i in range(1, 13)],
        "size_class": ["< 20.000"] * 6 + ["≥ 100.000"] * 6,
        "g32": [False] * 6 + [False] * 2 + [True] * 4,
    })
    resp = reg["gm_code"].isin(["GM0001", "GM0002", "GM0003", "GM0007", "GM0009", "GM0010", "GM0011"])
    cells = W.poststrata(reg, resp, min_respondents=2)
    assert cells.attrs["merges"] == ["≥ 100.000 | niet-G32 -> ≥ 100.000 | G32"]
    big = cells[cells["gm_code"].isin([f"GM{i:04d}" for i in range(7, 13)])]
    assert big["cell"].nunique() == 1
    w = W.poststratify(pd.DataFrame({"gm_code": reg.loc[resp, "gm_code"]}), reg, min_respondents=2)
    assert w.weights.sum() == pytest.approx(12)
    with pytest.raises(ValueError, match="at least 2"):
        W.poststrata(reg, resp, min_respondents=1)


def test_weights_sum_to_the_register_of_2015():
    reg = municipalities.register(2015)
    rng = np.random.default_rng(4)
    # larger municipalities respond more often, as in the survey
    p = np.clip(0.4 + 0.1 * np.log2(reg["population"].astype(float) / 26_000), 0.2, 0.95)
    resp_mask = rng.random(len(reg)) < p
    frame = reg.loc[resp_mask, ["gm_code", "size_class", "g32"]].reset_index(drop=True)
    w = W.poststratify(frame, reg)
    assert w.weights.sum() == pytest.approx(393)
    assert w.cells["N"].sum() == 393 and w.cells["n"].sum() == len(frame)
    assert (w.cells["n"] >= 3).all()
    # the over-represented large municipalities get smaller weights than the small ones
    small = w.weights[frame["size_class"].astype(str) == "< 20.000"].mean()
    large = w.weights[frame["size_class"].astype(str) == "≥ 100.000"].mean()
    assert small > large
    s = W.weight_summary(w.weights)
    assert s["sum"] == pytest.approx(393) and s["kish_ess"] < len(frame) and s["deff_kish"] > 1
    raked = W.rake(frame, reg)
    for m in ("size_class", "g32"):
        got = raked.groupby(frame[m].astype(str)).sum()
        want = reg[m].astype(str).value_counts()
        for level in want.index:
            assert got[level] == pytest.approx(want[level], rel=1e-8)


def test_kish_ess_known_values():
    assert W.kish_ess([1, 1, 2, 2]) == pytest.approx(36 / 10)
    assert W.kish_ess([3.0] * 7) == pytest.approx(7)


def test_headline_table_side_by_side():
    reg = municipalities.register(2015)
    rng = np.random.default_rng(9)
    frame = reg.sample(200, random_state=1).sort_values("gm_code").reset_index(drop=True)
    has = np.where(rng.random(200) < 0.85, "ja", "nee_bewuste_keuze")
    frame["has_teams"] = pd.array(has, dtype="string")
    for g in ("wijkbewoners", "vrijwilligers", "mantelzorgers", "doelgroep", "ervaringsdeskundigen",
              "clientenorganisaties"):
        inv = rng.random(200) < 0.5
        for f in ("meedoen", "meebeslissen", "meedenken", "meebeoordelen", "geen"):
            v = ~inv if f == "geen" else (inv if f == "meedenken" else np.zeros(200, bool))
            col = pd.array(v, dtype="boolean")
            col[has != "ja"] = pd.NA
            frame[f"involvement__{g}__{f}"] = col
    frame["needs_support_involving_residents"] = pd.array(rng.random(200) < 0.4, dtype="boolean")
    w = W.poststratify(frame, reg)
    table = W.headline_table(frame, w, raked=W.rake(frame, reg))
    assert len(table) == 2 + 6 + 1
    row = table.set_index("indicator").loc["has_teams"]
    ref = proportion_from_counts(int((has == "ja").sum()), 200)
    assert row["pct_unweighted"] == pytest.approx(ref.percent) and row["ci_low_unweighted"] == pytest.approx(ref.ci_low)
    assert row["ci_low_weighted"] < row["pct_weighted"] < row["ci_high_weighted"]
    inv = table.set_index("indicator").loc["any_involvement__wijkbewoners"]
    assert inv["n"] == int((has == "ja").sum()) and inv["universe"] == "gemeenten met teams"
    assert abs(table["pct_raked"] - table["pct_weighted"]).max() < 3


def test_wilson_fpc_is_wilson_at_the_effective_sample_size():
    from wijkteam_stats.reproduce.estimators import wilson_interval
    from wijkteam_stats.reproduce.trends import wilson as _wilson

    assert W.wilson_fpc(30, 100, math.inf) == pytest.approx(tuple(v / 100 for v in wilson_interval(30, 100)))
    # N = 200, n = 100: the variance times (N - n) / (N - 1) = 100/199, Wilson at n_eff = 199
    n_eff = 100 * 199 / 100  # the one FPC rule: variance times (N - n) / (N - 1)
    assert W.wilson_fpc(30, 100, 200) == pytest.approx(tuple(v / 100 for v in _wilson(0.3 * n_eff, n_eff)))
    assert W.wilson_fpc(30, 100, 100) == (0.3, 0.3)  # a census has no sampling error


def test_headline_table_gives_fpc_consistently():
    """With FPC on both sides the weighted interval is not narrower merely because of the FPC: for equal
    weights (one cell) the weighted FPC interval and the unweighted FPC interval have about the same width,
    and both shrink by about sqrt(1 - f) against their no-FPC versions."""
    reg = municipalities.register(2015)
    rng = np.random.default_rng(3)
    frame = reg[reg["size_class"].astype(str) == reg["size_class"].astype(str).iloc[0]].copy()
    frame = frame[~frame["g32"].astype(bool)]
    N = len(frame)
    frame = frame.sample(int(0.6 * N), random_state=2).sort_values("gm_code").reset_index(drop=True)
    frame["has_teams"] = pd.array(np.where(rng.random(len(frame)) < 0.7, "ja", "nee_bewuste_keuze"), dtype="string")
    for g in ("wijkbewoners", "vrijwilligers", "mantelzorgers", "doelgroep", "ervaringsdeskundigen",
              "clientenorganisaties"):
        for f in ("meedoen", "meebeslissen", "meedenken", "meebeoordelen", "geen"):
            frame[f"involvement__{g}__{f}"] = pd.array([pd.NA] * len(frame), dtype="boolean")
    sub_reg = reg[(reg["size_class"].astype(str) == reg["size_class"].astype(str).iloc[0]) & ~reg["g32"].astype(bool)]
    w = W.poststratify(frame, sub_reg)
    row = W.headline_table(frame, w).set_index("indicator").loc["has_teams"]
    f = row["n"] / N
    assert row["sampling_fraction"] == pytest.approx(f)
    width = {c: row[f"ci_high_{c}"] - row[f"ci_low_{c}"] for c in ("unweighted", "unweighted_fpc", "weighted",
                                                                   "weighted_nofpc")}
    assert width["weighted"] == pytest.approx(width["unweighted_fpc"], rel=0.1)
    assert width["weighted_nofpc"] == pytest.approx(width["unweighted"], rel=0.1)
    assert width["unweighted_fpc"] / width["unweighted"] == pytest.approx(math.sqrt(1 - f), rel=0.1)
