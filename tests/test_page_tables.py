"""Tables of the national pages: Dutch headers and values from the numbers, a CSV beside each, no code tokens."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from wijkteam_stats.report.page_tables import Col, code_nl, table_html


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"model": ["logit_size", "truncnb2_teams"], "estimate": [1.23456, math.nan],
                         "ci_low": [0.9, 1.0], "ci_high": [1.6, 2.5], "p_value": [0.0004, 0.5127],
                         "family": ["secundair_teams", "modelcontrole_lineariteit"], "ok": [True, False],
                         "n": [1234, 56]})


def test_table_is_dutch_and_writes_its_csv(tmp_path):
    html = table_html(_frame(), [Col("model", "Model", "code"), Col("estimate", "OR"),
                                 Col(("ci_low", "ci_high"), "95 %-interval", "interval"), Col("p_value", "p", "p"),
                                 Col("family", "Familie", "code"), Col("ok", "Geconvergeerd", "yesno"),
                                 Col("n", "n", "int")], "Voorbeeld", tmp_path, "models_2015_voorbeeld")
    assert ">logit: grootte (primair)<" in html and ">nul-afgeknot NB2 (primair)<" in html
    assert ">1,23<" in html and ">0,90–1,60<" in html and ">&lt; 0,001<" in html and ">0,513<" in html
    assert ">aantal teams naar grootte<" in html and ">ja<" in html and ">nee<" in html and ">1.234<" in html
    assert ">–<" in html  # the missing estimate
    for token in ("logit_size", "NaN", "nan", "True", "False", "ci_low", "0.9"):
        assert token not in html
    assert 'href="../downloads/models_2015_voorbeeld.csv"' in html and 'data-label="p"' in html
    csv = pd.read_csv(tmp_path / "downloads" / "models_2015_voorbeeld.csv")
    assert list(csv.columns) == ["model", "estimate", "ci_low", "ci_high", "p_value", "family", "ok", "n"]
    assert csv["n"].tolist() == [1234, 56]


def test_unknown_code_is_spelled_without_underscores_and_bad_columns_are_named(tmp_path):
    assert code_nl("some_new_model") == "some new model"
    assert code_nl("Wijkbewoners") == "Wijkbewoners"
    with pytest.raises(KeyError, match="p_adj"):
        table_html(_frame(), [Col("p_adj", "p na Holm", "p")], "x", tmp_path, "t")
    with pytest.raises(ValueError, match="unknown kind"):
        Col("n", "n", "percent")
