"""The free-text publication rule: nothing is published without a reviewed list; the list releases cell by
cell only the masked text the reviewer read; a bad list is refused with file, row and column."""

from __future__ import annotations

import argparse

import pytest

from wijkteam_stats.commands import pipeline, reports
from wijkteam_stats.report.free_text import ReleaseListError, apply_release, load_release

ANSWERS = {"has_teams": "anders", "has_teams_anders": "via het CJG, bel [naam]", "toelichting": "Geen opmerkingen."}


def _list(tmp_path, body: str):
    path = tmp_path / "reviewed.csv"
    path.write_text("wave,gm_code,column,text\n" + body, encoding="utf-8")
    return path


def test_without_a_list_no_free_text_is_published():
    out, record = apply_release(ANSWERS, "GM0363", 2015, None)
    assert out["has_teams_anders"] is None and out["toelichting"] is None and out["has_teams"] == "anders"
    assert record["released"] == [] and record["withheld"] == ["toelichting", "has_teams_anders"]
    assert record["release_file"] is None and "niet gepubliceerd" in record["rule"]


def test_a_list_releases_only_the_reviewed_cells(tmp_path):
    release = load_release(_list(tmp_path, '2015,GM0363,toelichting,Geen opmerkingen.\n'
                                           '2015,GM0599,has_teams_anders,"via het CJG, bel [naam]"\n'))
    out, record = apply_release(ANSWERS, "GM0363", 2015, release)
    assert out["toelichting"] == "Geen opmerkingen." and out["has_teams_anders"] is None  # other municipality
    assert record["released"] == ["toelichting"] and record["withheld"] == ["has_teams_anders"]
    assert record["release_file"] == "reviewed.csv" and len(record["release_sha256"]) == 64
    assert apply_release(ANSWERS, "GM0363", 2017, release)[0]["toelichting"] is None  # other wave


def test_a_reviewed_text_may_hold_line_breaks(tmp_path):
    release = load_release(_list(tmp_path, '2015,GM0363,toelichting,"Met groet,\r\n[naam]"\n'))
    assert release.cells[(2015, "GM0363", "toelichting")] == "Met groet,\n[naam]"
    out, _ = apply_release({"toelichting": "Met groet,\n[naam]"}, "GM0363", 2015, release)
    assert out["toelichting"] == "Met groet,\n[naam]"


def test_a_text_changed_since_the_review_stays_withheld(tmp_path):
    release = load_release(_list(tmp_path, "2015,GM0363,toelichting,Geen opmerkingen meer.\n"))
    out, record = apply_release(ANSWERS, "GM0363", 2015, release)
    assert out["toelichting"] is None and record["withheld_changed_since_review"] == ["toelichting"]


def test_released_unmasked_text_is_published_masked(tmp_path):
    raw = {"toelichting": "Bel 06-12345678, groet Karin Bakker"}
    release = load_release(_list(tmp_path, '2015,GM0363,toelichting,"Bel [telefoonnummer], groet [naam]"\n'))
    assert apply_release(raw, "GM0363", 2015, release)[0]["toelichting"] == "Bel [telefoonnummer], groet [naam]"


@pytest.mark.parametrize(("body", "message"), [
    ("2015,GM0363,opmerking,x\n", r"row 2, column 'column': 'opmerking' is not a published free-text column"),
    ("2015,0363,toelichting,x\n", r"row 2, column 'gm_code': '0363' is not a code GMxxxx"),
    ("vijftien,GM0363,toelichting,x\n", r"row 2, column 'wave': 'vijftien' is not a year"),
    ("2015,GM0363,toelichting,\n", r"row 2, column 'text': empty"),
    ("2015,GM0363,toelichting,x\n2015,GM0363,toelichting,y\n", r"row 3: GM0363 toelichting of 2015 is listed twice"),
    ("2015,GM0363,toelichting\n", r"row 2: expected 4 columns, got 3"),
])
def test_a_bad_list_is_refused_with_row_and_column(tmp_path, body, message):
    with pytest.raises(ReleaseListError, match=message):
        load_release(_list(tmp_path, body))


def test_a_list_without_the_header_is_refused(tmp_path):
    path = tmp_path / "reviewed.csv"
    path.write_text("gm_code,text\nGM0363,x\n", encoding="utf-8")
    with pytest.raises(ReleaseListError, match=r"reviewed.csv: row 1: header must be wave,gm_code,column,text"):
        load_release(path)
    with pytest.raises(ReleaseListError, match="does not exist"):
        load_release(tmp_path / "missing.csv")


def test_reports_and_pipeline_take_the_flag(tmp_path):
    p = argparse.ArgumentParser()
    reports.add_arguments(p)
    assert p.parse_args(["--all", "--publish-free-text", "r.csv"]).publish_free_text == "r.csv"
    assert p.parse_args(["--all"]).publish_free_text is None
    reviewed = _list(tmp_path, "")
    steps = pipeline.plan(2015, reviewed)
    step = next(s for s in steps if s.name == "reports")
    assert step.argv[-2:] == ("--publish-free-text", str(reviewed.resolve()))
    assert reviewed.resolve() in step.inputs  # a changed list makes the reports step run again
    assert "--publish-free-text" not in next(s for s in pipeline.plan(2015) if s.name == "reports").argv
