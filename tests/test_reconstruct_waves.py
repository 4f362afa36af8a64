"""The wave-generic reconstruction: SYNTHETIC 2014 and 2017 exports from their published files alone, every
numeric figure met after cleaning, verbal rows checked by rule, conflicts named, provenance in the sidecar."""

from __future__ import annotations

import json
import shutil

import pytest

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reconstruct.feasibility import ReconstructionError
from wijkteam_stats.reconstruct.generic import reconstruct_generic
from wijkteam_stats.reconstruct.shipped import generic_export_bytes, uses_anchored_model
from wijkteam_stats.reference import paths, waves
from wijkteam_stats.reference.provenance import is_synthetic
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reproduce.scorecard import build_scorecard


@pytest.fixture(scope="module", params=[2014, 2017])
def shipped(request):
    wave = request.param
    table = clean_survey(paths.synthetic_survey_file(wave), wave).table
    return wave, table, build_scorecard(load_published(wave=wave), table, wave=wave)


def test_every_numeric_row_matches_after_cleaning_the_shipped_export(shipped):
    wave, table, sc = shipped
    assert len(table) == {2014: 224, 2017: 242}[wave]
    own = sc[sc["wave"] == wave]
    numeric = own[own["statistic"].isin(["percent", "count", "mean", "rank"])]
    assert (numeric["status"] == "match").all(), numeric.loc[numeric["status"] != "match", ["finding_id", "reason"]]
    refs = sc[sc["wave"] != wave]
    assert (refs["status"] == "not_reproducible").all()
    assert refs["reason"].str.startswith("reference figure of wave").all()


def test_verbal_rows_checked_by_rule_or_explained():
    wave = 2017
    table = clean_survey(paths.synthetic_survey_file(wave), wave).table
    sc = build_scorecard(load_published(wave=wave), table, wave=wave).set_index("finding_id")
    assert sc.loc["F2017-007", "status"] == "match" and sc.loc["F2017-007", "reproduced_value"] < 50
    assert "iets minder dan de helft" in sc.loc["F2017-007", "reason"]
    assert sc.loc["F2017-009", "status"] == "match" and "the 3 named options are the top 3" in sc.loc["F2017-009", "reason"]
    assert sc.loc["F2017-010", "status"] == "not_reproducible"
    assert sc.loc["F2017-010", "reason"].startswith("no rule expresses this verbal statement")
    # the 'top three' rule fails when another option is chosen as often
    broken = table.copy()
    broken["most_time_spent_on__anders"] = broken["most_time_spent_on__casusregie"]
    sc2 = build_scorecard(load_published(wave=wave), broken, wave=wave).set_index("finding_id")
    assert sc2.loc["F2017-009", "status"] == "mismatch"


def test_2014_uses_the_audits_reading():
    rec = reconstruct_generic(2014)
    assert rec.reading.sizes["g32"] == 36 and rec.reading.reading.g4 == "apart"
    assert (rec.counts["r@g32"], rec.counts["r@g4"], rec.counts["r@other"]) == (28, 1, 195)
    assert rec.skipped_rows == {}
    assert not uses_anchored_model(load_published(wave=2014), 2014)
    assert uses_anchored_model(load_published(wave=2015), 2015)


@pytest.mark.parametrize("wave", [2014, 2017])
def test_shipped_generic_exports_regenerate_byte_identically(wave):
    rec = reconstruct_generic(wave)
    reg = waves.invited_register(wave)
    data = paths.synthetic_survey_file(wave).read_bytes()
    assert generic_export_bytes(rec, reg) == data
    meta = json.loads(paths.synthetic_survey_file(wave).with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["generator"]["seed"] == waves.settings(wave).seed
    assert meta["published_figures_met"]["failed"] == []


def test_provenance_not_the_file_name_says_synthetic(tmp_path):
    src = paths.synthetic_survey_file(2014)
    shutil.copy(src, tmp_path / "export.csv")
    assert not is_synthetic(tmp_path / "export.csv")  # a renamed copy without its sidecar is not labelled
    shutil.copy(src.with_suffix(".meta.json"), tmp_path / "export.meta.json")
    assert is_synthetic(tmp_path / "export.csv")


def test_conflicting_figures_are_named():
    pub = load_published(wave=2014)
    bad = pub.copy()
    bad.loc[bad["finding_id"] == "F2014-011", "value"] = 30.0  # 30 % 'otherwise' next to 31 of 224 (14 %)
    with pytest.raises(ReconstructionError, match=r"conflicting rows: .*F2014-010.*F2014-011") as exc:
        reconstruct_generic(2014, published=bad)
    assert "F2014-003" not in str(exc.value)
