"""``wijkteam codebook suggest`` and ``--codebook-overlay``: a new export mapped without editing Python or the codebook."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from tool_exports import base_cells, limesurvey, write_rows

from wijkteam_stats.clean import SurveyFileError, clean_survey
from wijkteam_stats.clean.overlay import load_overlay, suggest_overlay
from wijkteam_stats.cli import main
from wijkteam_stats.reconstruct.export_writer import example_tidy

WAVE = 2015
N_TEAMS = "2. Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?"
HAS_TEAMS = "1. Werkt uw gemeente met één of meer sociale (wijk)teams?"


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(WAVE, n=20, seed=51)


def new_export(tidy, tmp_path):
    header, rows, _ = base_cells(tidy, tmp_path)
    n, h = header.index(N_TEAMS), header.index(HAS_TEAMS)
    header[n] = "Hoeveel sociale wijkteams zijn in uw gemeente actief"
    header.append("Browser")
    for r in rows:
        r[h] = {"Nee, maar het is wel gepland": "Nee, maar gepland"}.get(r[h], r[h])
        r.append("Firefox")
    return write_rows(tmp_path / "new.csv", [header, *rows], delimiter=";"), header[n]


def test_suggest_then_clean_with_the_overlay(tidy, tmp_path, capsys):
    path, renamed = new_export(tidy, tmp_path)
    assert "nee_gepland" in set(tidy["has_teams"].dropna())
    with pytest.raises(SurveyFileError, match="resembles codebook question 'n_teams'"):
        clean_survey(path, WAVE)
    out = tmp_path / "new.overlay.yaml"
    assert main(["codebook", "suggest", str(path), "--wave", str(WAVE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "fuzzy suggestions to review: 1" in printed and "unmatched: 1" in printed
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["headers"][renamed]["target"] == "n_teams" and 0.6 <= data["headers"][renamed]["confidence"] < 1
    assert data["headers"][HAS_TEAMS] == {"target": "has_teams", "confidence": 1.0}
    assert data["values"]["has_teams"]["Nee, maar gepland"]["target"] == "nee_gepland"
    assert data["unmatched"]["headers"] == ["Browser"]
    result = clean_survey(path, WAVE, overlay=out)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.summary.ignored_columns == ("Browser",)
    # the same through the command line
    table = tmp_path / "t.parquet"
    assert main(["clean", str(path), "--wave", str(WAVE), "--codebook-overlay", str(out), "--out", str(table),
                 "--log", str(tmp_path / "log.csv")]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(table), tidy)


def test_overlay_errors_name_the_entry(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("headers:\n  'Aantal': n_team\n", encoding="utf-8")
    with pytest.raises(SurveyFileError, match="header 'Aantal' maps to 'n_team', which is no variable"):
        load_overlay(bad)
    bad.write_text("values:\n  has_teams: {'1': misschien}\n", encoding="utf-8")
    with pytest.raises(SurveyFileError, match="value '1' of 'has_teams' maps to 'misschien', not an option code"):
        load_overlay(bad)


def test_suggest_maps_lime_codes_through_the_structure(tmp_path):
    tidy = example_tidy(WAVE, n=8, seed=3)
    lss = tmp_path / "s.lss"
    path = limesurvey(tidy, tmp_path / "lime.csv", lss)
    proposal = suggest_overlay(path, WAVE, structure=lss)
    assert proposal["tool"] == "LimeSurvey"
    assert not proposal["unmatched"]["headers"]
