"""Estimators: Wilson intervals against known values, item non-response, shares, means, ranks, involvement."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reproduce.estimators import (
    indicator_values,
    involvement_table,
    mean,
    option_shares,
    proportion,
    proportion_from_counts,
    rank_shared,
    ranks,
    shares,
    shares_by,
    universe_mask,
    wilson_interval,
)


def test_wilson_87_of_100_known_values():
    # Wilson score interval, z = 1.959964: centre (0.87 + z²/200) / (1 + z²/100), half-width ≈ 0.06611
    low, high = wilson_interval(87, 100)
    assert low == pytest.approx(79.01965, abs=1e-4)
    assert high == pytest.approx(92.24283, abs=1e-4)
    p = proportion_from_counts(87, 100)
    assert (p.k, p.n, p.percent, p.method) == (87, 100, 87.0, "wilson")
    assert (p.ci_low, p.ci_high) == (low, high)


def test_wilson_edges_and_other_levels():
    assert wilson_interval(0, 10) == pytest.approx((0.0, 27.75328), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((72.24672, 100.0), abs=1e-4)
    # a 90 % interval is narrower than the 95 % one
    lo90, hi90 = wilson_interval(87, 100, confidence=0.90)
    assert 79.02 < lo90 < 87 < hi90 < 92.24
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    p = proportion_from_counts(0, 0)
    assert math.isnan(p.percent) and p.n == 0
    with pytest.raises(ValueError, match="k <= n"):
        wilson_interval(5, 3)


def test_proportion_excludes_item_nonresponse():
    s = pd.Series([True, False, pd.NA, True, pd.NA, True], dtype="boolean")
    p = proportion(s)
    assert (p.k, p.n) == (3, 4)
    assert p.percent == 75.0
    assert (p.ci_low, p.ci_high) == pytest.approx(wilson_interval(3, 4))


def test_proportion_of_an_answer_code_keeps_missing_out_of_the_base():
    s = pd.Series(["ja", "nee_gepland", None, "ja", "nee_bewuste_keuze"], dtype="string")
    p = proportion(s, equals="ja")
    assert (p.k, p.n) == (2, 4)
    ind = indicator_values(s, "ja")
    assert ind.isna().tolist() == [False, False, True, False, False]
    assert ind.dtype == "boolean"
    # also with pandas' default string dtype, whose == turns NA into False
    p2 = proportion(pd.Series(["ja", None, "nee"]), equals="ja")
    assert (p2.k, p2.n) == (1, 2)
    with pytest.raises(TypeError, match="not boolean"):
        proportion(s)


def test_shares_and_option_shares():
    df = pd.DataFrame({
        "a": pd.array([True, True, False, pd.NA], dtype="boolean"),
        "b": pd.array([False, False, False, True], dtype="boolean"),
        "s": pd.array(["x", "y", "x", None], dtype="string"),
    })
    tab = shares(df, ["a", "b"], labels={"a": "Optie A"})
    assert tab["label"].tolist() == ["Optie A", "b"]
    assert tab["k"].tolist() == [2, 1] and tab["n"].tolist() == [3, 4]
    assert tab["percent"].tolist() == pytest.approx([200 / 3, 25.0])
    opt = option_shares(df, "s", ["x", "y", "z"])
    assert opt["k"].tolist() == [2, 1, 0] and opt["n"].tolist() == [3, 3, 3]


def test_shares_by_breakdown_in_category_order():
    df = pd.DataFrame({
        "x": pd.array([True, False, True, True, pd.NA], dtype="boolean"),
        "g": pd.Categorical(["groot", "klein", "klein", "groot", "klein"], categories=["klein", "groot"],
                            ordered=True),
    })
    tab = shares_by(df, "x", "g")
    assert tab["g"].tolist() == ["klein", "groot"]
    assert tab["k"].tolist() == [1, 2] and tab["n"].tolist() == [2, 2]


def test_mean_skips_missing():
    m = mean(pd.Series([1, 2, pd.NA, 6], dtype="Int64"))
    assert (m.value, m.n, m.n_missing, m.total) == (3.0, 3, 1, 9.0)
    assert math.isnan(mean(pd.Series([pd.NA], dtype="Int64")).value)


def test_ranks_share_the_best_place():
    s = pd.Series({"zorg": 80.0, "integraal": 80.0, "preventie": 70.0, "burgerkracht": 60.0,
                   "toegang": 60.0, "anders": 5.0})
    r = ranks(s)
    assert r.to_dict() == {"zorg": 1, "integraal": 1, "preventie": 3, "burgerkracht": 4, "toegang": 4, "anders": 6}
    assert rank_shared(s, "burgerkracht") == ["toegang"]
    assert rank_shared(s, "preventie") == []
    # floating-point noise does not break a tie (2/3 computed two ways)
    noisy = pd.Series({"a": 200 / 3, "b": 100 * (2 / 3), "c": 10.0})
    assert ranks(noisy).tolist() == [1, 1, 3]


def _tidy(rows: list[dict]) -> pd.DataFrame:
    cb = load_codebook().for_wave(2015)
    df = pd.DataFrame({c: pd.Series([pd.NA] * len(rows), dtype=t) for c, t in cb.tidy_columns().items()})
    for i, r in enumerate(rows):
        for c, v in r.items():
            df.loc[i, c] = v
    return df


def test_universe_mask_and_involvement_table():
    yes = {f"involvement__wijkbewoners__{f}": False for f in ("meedoen", "meebeslissen", "meebeoordelen")}
    rows = [
        {"gm_code": "GM0003", "has_teams": "ja", **yes, "involvement__wijkbewoners__meedenken": True,
         "involvement__wijkbewoners__geen": False},
        {"gm_code": "GM0005", "has_teams": "ja", **yes, "involvement__wijkbewoners__meedenken": False,
         "involvement__wijkbewoners__geen": True},
        {"gm_code": "GM0007", "has_teams": "ja"},  # did not answer the grid: NA everywhere
        {"gm_code": "GM0009", "has_teams": "nee_bewuste_keuze"},
    ]
    df = _tidy(rows)
    assert universe_mask(df, "with_teams").tolist() == [True, True, True, False]
    assert universe_mask(df, "respondents").all()
    with pytest.raises(ValueError, match="register"):
        universe_mask(df, "invited")
    with pytest.raises(KeyError, match="no universe"):
        universe_mask(df, "elsewhere")
    inv = involvement_table(df)
    assert len(inv) == 6 * 5
    assert inv.columns.tolist()[:6] == ["group", "group_label", "group_published", "form", "form_label",
                                        "form_published"]
    wb = inv[inv["group"] == "wijkbewoners"].set_index("form")
    assert wb.loc["meedenken", ["k", "n"]].tolist() == [1, 2]
    assert wb.loc["meedenken", "percent"] == 50.0
    assert wb.loc["meedenken", "ci_low"] == pytest.approx(wilson_interval(1, 2)[0])
    assert wb.loc["geen", "form_published"] == "geen betrokkenheid"
    vr = inv[inv["group"] == "vrijwilligers"]
    assert (vr["n"] == 0).all() and vr["percent"].isna().all()


def test_generator_parameters_from_sidecar(tmp_path):
    """The shipped export's sidecar names the generator's size effect; a file without sidecar has none."""
    from wijkteam_stats.reference import paths
    from wijkteam_stats.reference.provenance import generator_parameters

    params = generator_parameters(paths.synthetic_survey_file(2015))
    assert params["involvement_size_effect"] == 0.0
    plain = tmp_path / "real_export.csv"
    plain.write_text("Gemeente\nUtrecht\n", encoding="utf-8")
    assert generator_parameters(plain) == {}
