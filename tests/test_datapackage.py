"""outputs/datapackage.json: every downloadable table described (fields, titles, licence, provenance from the
record), valid for the frictionless library, and an undescribed table or column refused by name."""

from __future__ import annotations

import json
import shutil

import pytest
from frictionless import validate
from test_profile import fake_tidy, mark_provenance

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.writers import safe_to_csv
from wijkteam_stats.report import datapackage as dp
from wijkteam_stats.reproduce import trends
from wijkteam_stats.reproduce.audit import write_audit
from wijkteam_stats.reproduce.scorecard import build_scorecard, write_scorecard

SCORECARD = ("finding_id,wave,description,statistic,unit,published_value,qualifier,tolerance,reproduced_value,"
             "ci_low,ci_high,base_n_published,base_n_reproduced,status,reason,toelichting\n"
             "F2015-001,2015,Aantal gemeenten,count,gemeenten,234.0,exact,exact,234.0,,,,393,match,x,y\n"
             'F2015-002,2015,Respons,percent,%,60.0,rounded,"±0,5 pp",59.542,54.6198,64.2795,,393,match,x,y\n')
AUDIT_HEAD = ("finding_id,kind,topic,description,statistic,qualifier,value,base,base_candidates,tolerance,feasible,"
              "n_solutions,check,status,reading,note,omschrijving,lezing,toelichting\n")
REGISTER = "wave,register_year,gm_code,gm_code_2025,name_2025,area_share,main\n2015,2015,GM0003,GM1979,Eemsdelta,1.0,True\n"


def _outputs(tmp_path, survey_synthetic: bool | None = True):
    """An outputs folder (a scorecard, an audit, a register table, a manifest naming the survey of 2015) and a
    processed folder with a cleaned survey table whose *name* says nothing about its provenance."""
    out, processed = tmp_path / "outputs", tmp_path / "processed"
    (out / "tables" / "trends").mkdir(parents=True)
    processed.mkdir()
    (out / "tables" / "reproduction_scorecard_2015.csv").write_text(SCORECARD, encoding="utf-8")
    (out / "tables" / "consistency_audit_2015.csv").write_text(
        AUDIT_HEAD + "F2015-001,figure,response,n,count,exact,234,all 393,{234},exact,{234},1,exact count,"
        "consistent,,n,cijfer,,t\n", encoding="utf-8")
    (out / "tables" / "trends" / "register_to_2025.csv").write_text(REGISTER, encoding="utf-8")
    survey = tmp_path / "export.csv"
    survey.write_text("x\n", encoding="utf-8")
    if survey_synthetic is not None:
        mark_provenance(survey, survey_synthetic)
    (out / "manifest.json").write_text(json.dumps({"reports": {"2015": {"survey_path": str(survey)}}}))
    cleaned = processed / "survey_2015.csv"
    fake_tidy(["GM0003", "GM0363"]).to_csv(cleaned, index=False)
    mark_provenance(cleaned, True)
    return out, processed


def test_package_describes_every_table_and_is_valid(tmp_path):
    out, processed = _outputs(tmp_path)
    path, package = dp.write_datapackage(out, processed)
    assert path == out / "datapackage.json" and json.loads(path.read_text(encoding="utf-8")) == package
    by_path = {r["path"]: r for r in package["resources"]}
    assert sorted(by_path) == ["tables/consistency_audit_2015.csv",
                               "tables/reproduction_scorecard_2015.csv", "tables/trends/register_to_2025.csv"]
    # the cleaned survey table is SYNTHETIC by its record: invented answers of named municipalities are withheld
    assert package["x-withheld"] == [{"path": "survey/survey_2015.csv",
                                      "reason": "the cleaned survey table is synthetic data: not published"}]
    assert not (out / "survey" / "survey_2015.csv").exists()
    card = by_path["tables/reproduction_scorecard_2015.csv"]
    fields = {f["name"]: f for f in card["schema"]["fields"]}
    assert list(fields) == SCORECARD.splitlines()[0].split(",")
    assert fields["published_value"]["title"] == "Published value"
    assert fields["published_value"]["title_nl"] == "Gepubliceerde waarde"
    assert fields["base_n_reproduced"]["unit"] == "municipalities" and fields["ci_low"]["type"] == "number"
    assert all(f["title"] and f["title_nl"] for r in package["resources"] for f in r["schema"]["fields"])
    assert package["licenses"][0]["name"] == "CC-BY-4.0" and card["schema"]["missingValues"] == [""]
    assert any("Sociale (wijk)teams in beeld" in s["title"] for s in package["sources"])
    # a real survey table is copied with its provenance record and described from the codebook
    mark_provenance(processed / "survey_2015.csv", False)
    path, package = dp.write_datapackage(out, processed)
    by_path = {r["path"]: r for r in package["resources"]}
    survey = by_path["survey/survey_2015.csv"]
    assert (out / "survey" / "survey_2015.csv").is_file() and (out / "survey" / "survey_2015.meta.json").is_file()
    sfields = {f["name"]: f for f in survey["schema"]["fields"]}
    assert sfields["involvement__wijkbewoners__meedoen"]["type"] == "boolean"
    assert sfields["involvement__wijkbewoners__meedoen"]["title_nl"].endswith("Wijkbewoners – Meedoen (maken deel uit van het team)")
    assert sfields["n_teams"] == {"name": "n_teams", "type": "integer", "title": "Number of teams",
                                  "title_nl": sfields["n_teams"]["title_nl"], "unit": "count"}
    report = validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert sum(t.stats["rows"] for t in report.tasks) == 2 + 1 + 1 + 2


def test_provenance_comes_from_the_records_not_the_names(tmp_path):
    out, processed = _outputs(tmp_path, survey_synthetic=True)
    prov = {r["path"]: r["x-provenance"] for r in dp.build_datapackage(out, processed)["resources"]}
    assert prov["tables/reproduction_scorecard_2015.csv"]["status"] == "synthetic"  # the manifest's survey record
    assert "export.meta.json" in prov["tables/reproduction_scorecard_2015.csv"]["record"]
    # no SYNTHETIC in its name: its record says so, and the table is withheld
    assert "survey/survey_2015.csv" not in prov
    assert [w["path"] for w in dp.build_datapackage(out, processed)["x-withheld"]] == ["survey/survey_2015.csv"]
    assert prov["tables/consistency_audit_2015.csv"] == {
        "status": "real", "synthetic": False, "basis": "published",
        "record": "published figures and CBS registers only (no survey data)", "kind": "real"}
    desc = {r["path"]: r["description"] for r in dp.build_datapackage(out, processed)["resources"]}
    assert desc["tables/reproduction_scorecard_2015.csv"].startswith("SYNTHETIC")
    assert not desc["tables/consistency_audit_2015.csv"].startswith("SYNTHETIC")

    real_out, real_processed = _outputs(tmp_path / "real", survey_synthetic=False)
    shutil.copy(real_processed / "survey_2015.csv", real_processed / "SYNTHETIC_survey_2015.csv")
    mark_provenance(real_processed / "SYNTHETIC_survey_2015.csv", False)  # the name lies, the record decides
    prov = {r["path"]: r["x-provenance"]["status"] for r in dp.build_datapackage(real_out, real_processed)["resources"]}
    assert prov["tables/reproduction_scorecard_2015.csv"] == "real"
    assert prov["survey/SYNTHETIC_survey_2015.csv"] == "real" and "survey/survey_2015.csv" not in prov

    unknown_out, unknown_processed = _outputs(tmp_path / "unknown", survey_synthetic=None)
    prov = {r["path"]: r["x-provenance"] for r in dp.build_datapackage(unknown_out, unknown_processed)["resources"]}
    assert prov["tables/reproduction_scorecard_2015.csv"]["status"] == "unknown"


def test_an_undescribed_table_or_column_is_refused_by_name(tmp_path):
    out, processed = _outputs(tmp_path)
    (out / "tables" / "new_table_2015.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (out / "tables" / "trends" / "register_to_2025.csv").write_text(REGISTER.replace("main", "main,extra_col")
                                                                     .replace("True", "True,1"), encoding="utf-8")
    with pytest.raises(dp.DatapackageError) as err:
        dp.write_datapackage(out, processed)
    msg = str(err.value)
    assert "tables/new_table_2015.csv: no description" in msg
    assert "tables/trends/register_to_2025.csv: columns without a description: extra_col" in msg
    assert not (out / "datapackage.json").exists()


def test_frictionless_catches_data_that_contradict_the_description(tmp_path):
    out, processed = _outputs(tmp_path)
    path, _ = dp.write_datapackage(out, processed)
    card = out / "tables" / "reproduction_scorecard_2015.csv"
    card.write_text(SCORECARD.replace("234.0,exact,exact", "veel,exact,exact"), encoding="utf-8")
    report = validate(str(path))
    errors = report.flatten(["fieldName", "type"])
    assert not report.valid and ["published_value", "type-error"] in errors
    assert any(e[1] in ("hash-count", "byte-count") for e in errors), errors  # size and sha256 no longer fit


def test_descriptions_file_is_complete_and_checked(tmp_path):
    spec = dp.load_descriptions()
    assert {t["basis"] for t in spec["tables"]} <= set(dp.BASES)
    patterns = [t["path"] for t in spec["tables"]]
    assert len(patterns) == len(set(patterns)) and "survey/*survey_*.csv" in patterns
    bad = tmp_path / "fields.yaml"
    bad.write_text("fields: {x: {type: text, title: X, title_nl: X}}\ntables: []\n", encoding="utf-8")
    with pytest.raises(dp.DatapackageError, match=r"fields\.yaml, fields\.x: type 'text' is not one of"):
        dp.load_descriptions(bad)
    assert dp.FIELDS_FILE == paths.RAW / "datapackage_fields.yaml"


@pytest.mark.slow
def test_the_real_producers_write_only_described_tables(tmp_path):
    """The tables as the project's own code writes them (audit, cleaning log, scorecard, every trend table incl.
    the real-data panel tables, the cleaned survey table) are all described and valid: a column added to one of
    them without a description fails here."""
    out, processed = tmp_path / "outputs", tmp_path / "processed"
    processed.mkdir()
    cleaned = clean_survey(paths.synthetic_survey_file(2015), 2015)
    tidy_csv = processed / "survey_2015.csv"
    safe_to_csv(cleaned.table, tidy_csv)
    mark_provenance(tidy_csv, True)
    safe_to_csv(cleaned.log, paths.ensure_dir(out / "tables") / "cleaning_log_2015.csv")
    write_audit(2015, out / "tables")
    write_scorecard(build_scorecard(paths.published_file(2015), cleaned.table, wave=2015), 2015, out)
    result = trends.build_trends()
    result.panel = trends.panel({2014: ["GM0003", "GM0363"], 2015: ["GM0003", "GM0363"], 2017: ["GM0363"]})
    result.overlap, result.multiwave = trends.overlap_shares(result.panel), trends.multiwave_counts(result.panel)
    written = trends.write_tables(result, out)
    assert len(written) == 8
    # on the shipped (SYNTHETIC) survey every table naming municipalities row by row is withheld, not published
    synthetic = dp.build_datapackage(out, processed)
    assert sorted(w["path"] for w in synthetic["x-withheld"]) == [
        "survey/survey_2015.csv", "tables/cleaning_log_2015.csv", "tables/trends/respondent_panel_2025.csv",
        "tables/trends/respondents_by_2025_municipality.csv"]
    assert len(synthetic["resources"]) == 3 + 8 + 1 - 4
    # the same tables from a real survey (the manifest names it; its record says real) are all published
    real = mark_provenance(tmp_path / "real_export.csv", False)
    real.write_text("x\n", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({"reports": {w: {"survey_path": str(real)}
                                                               for w in ("2014", "2015", "2017")}}))
    mark_provenance(tidy_csv, False)
    path, package = dp.write_datapackage(out, processed)
    assert package["x-withheld"] == []
    assert len(package["resources"]) == 3 + 8 + 1  # log, audit, scorecard; trends; the survey table
    presence = next(r for r in package["resources"] if r["path"].endswith("respondents_by_2025_municipality.csv"))
    assert [f["type"] for f in presence["schema"]["fields"]][2:5] == ["boolean"] * 3
    report = validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
