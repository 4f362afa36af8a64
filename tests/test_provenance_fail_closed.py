"""Provenance fails closed: only a valid record or an explicit ``--provenance`` says what data are.

A copy of the SYNTHETIC export without its sidecar is not published as a municipality's answers; ``wijkteam
clean`` on a file without a record no longer writes ``"synthetic": false``; the flag is recorded in the cleaned
table's sidecar and in a report's numbers (JSON); a record that breaks the schema is an error naming the file.
"""

from __future__ import annotations

import json
import shutil

import pytest
from test_profile import fake_expectations

from wijkteam_stats.cli import main
from wijkteam_stats.reference import paths, provenance
from wijkteam_stats.reference.provenance import ProvenanceError, read_provenance, validate_record
from wijkteam_stats.report import numbers


@pytest.fixture(scope="module")
def copy_without_record(tmp_path_factory):
    d = tmp_path_factory.mktemp("copy")
    copy = d / "export_2015.csv"  # a neutral name; the sidecar is left behind
    shutil.copy(paths.synthetic_survey_file(2015), copy)
    return copy


def _sidecar(table):
    return json.loads(table.with_name(f"{table.stem}.meta.json").read_text(encoding="utf-8"))


def test_copy_without_record_is_unknown_and_no_report_publishes_it(copy_without_record, tmp_path, capsys):
    assert read_provenance(copy_without_record).status == "unknown"
    with pytest.raises(ProvenanceError, match=r"--provenance real\|self-reported\|synthetic"):
        numbers.build_numbers("GM0344", 2015, copy_without_record)
    # cleaning it works, but the cleaned table says 'unknown' (never "synthetic": false) and is refused too
    out = tmp_path / "survey_2015.parquet"
    assert main(["clean", str(copy_without_record), "--wave", "2015", "--out", str(out),
                 "--log", str(tmp_path / "log.csv")]) == 0
    err = capsys.readouterr().err
    assert "herkomst onbekend" in err and "--provenance real|self-reported|synthetic" in err
    meta = _sidecar(out)
    assert meta["kind"] == "unknown" and "synthetic" not in meta
    assert read_provenance(out).status == "unknown" and not provenance.is_synthetic(out)
    with pytest.raises(ProvenanceError, match="herkomst onbekend"):
        numbers.build_numbers("GM0344", 2015, out)


def test_reports_refuse_unknown_provenance_before_building(copy_without_record, tmp_path):
    from wijkteam_stats.batch.inputs import SharedInputError, check_survey

    with pytest.raises(SharedInputError, match="--provenance"):
        check_survey(copy_without_record, 2015)


def test_flag_is_recorded_in_the_sidecar_and_the_report_numbers(copy_without_record, tmp_path):
    out = tmp_path / "survey_2015.parquet"
    assert main(["clean", str(copy_without_record), "--wave", "2015", "--out", str(out),
                 "--log", str(tmp_path / "log.csv"), "--provenance", "synthetic"]) == 0
    meta = _sidecar(out)
    assert meta["synthetic"] is True and meta["kind"] == "synthetic" and meta["declared_with_flag"] is True
    assert meta["derived_from"] == "export_2015.csv"
    n = numbers.build_numbers("GM0344", 2015, out)
    assert n["synthetic"] is True and "answers" not in n
    assert n["provenance"]["kind"] == "synthetic" and n["provenance"]["declared_with_flag"] is True


def test_self_reported_flag_records_who_role_and_date(copy_without_record, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1765065600")  # 2025-12-07
    out = tmp_path / "survey_2015.parquet"
    exp = tmp_path / "expected.csv"
    fake_expectations().to_csv(exp, index=False)
    assert main(["clean", str(copy_without_record), "--wave", "2015", "--out", str(out),
                 "--log", str(tmp_path / "log.csv"), "--provenance", "self-reported", "--who", "adviesraad",
                 "--role", "secretaris adviesraad sociaal domein"]) == 0
    meta = _sidecar(out)
    assert (meta["kind"], meta["synthetic"], meta["who"], meta["date"]) == ("self-reported", False, "adviesraad",
                                                                            "2025-12-07")
    n = numbers.build_numbers("GM0344", 2015, out, exp)
    assert n["synthetic"] is False and n["participated"] is True
    assert n["provenance"]["line"] == ("zelf ingevuld door de adviesraad (secretaris adviesraad sociaal domein) "
                                       "op 7 december 2025")


def test_self_reported_without_a_role_is_refused(copy_without_record, tmp_path, capsys):
    rc = main(["clean", str(copy_without_record), "--wave", "2015", "--out", str(tmp_path / "t.parquet"),
               "--log", str(tmp_path / "l.csv"), "--provenance", "self-reported"])
    assert rc == 2 and "needs --role FUNCTION" in capsys.readouterr().err


def test_flag_contradicting_the_record_is_refused(tmp_path, capsys):
    rc = main(["clean", str(paths.synthetic_survey_file(2015)), "--wave", "2015", "--out",
               str(tmp_path / "t.parquet"), "--log", str(tmp_path / "l.csv"), "--provenance", "real"])
    assert rc == 2 and "contradicts" in capsys.readouterr().err
    assert not (tmp_path / "t.parquet").exists()


@pytest.mark.parametrize(("record", "message"), [
    ({"synthetic": "false", "source": "x", "how_made": "y"}, "JSON boolean"),
    ({"synthetic": False}, "lacks 'source'"),
    ({"synthetic": False, "source": "x"}, "lacks 'how_made'"),
    ({"synthetic": True, "kind": "real"}, "contradicts"),
    ({"synthetic": False, "kind": "guessed", "source": "x", "how_made": "y"}, "'kind' must be one of"),
    ({"synthetic": False, "kind": "self-reported", "source": "x", "how_made": "y", "who": "gemeente",
      "date": "2026-01-05"}, "lacks 'role'"),
    ({"synthetic": False, "kind": "self-reported", "source": "x", "how_made": "y", "who": "gemeente",
      "role": "Jan Jansen, 06-12345678", "date": "2026-01-05"}, "must name a function"),
    ({"title": "no flag"}, "lacks 'synthetic'"),
])
def test_records_that_break_the_schema_name_the_file(tmp_path, record, message):
    f = tmp_path / "answers.csv"
    f.write_text("x", encoding="utf-8")
    (tmp_path / "answers.meta.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ProvenanceError, match=message) as err:
        read_provenance(f)
    assert "answers.meta.json" in str(err.value)


def test_old_records_and_the_shipped_sidecar_stay_valid():
    assert validate_record({"synthetic": True})["kind"] == "synthetic"
    assert read_provenance(paths.synthetic_survey_file(2015)).kind == "synthetic"
    good = {"synthetic": False, "kind": "self-reported", "source": "zelfscan", "how_made": "zelfscan.html",
            "who": "gemeente", "role": "beleidsmedewerker", "date": "2026-01-05"}
    assert validate_record(good) == good


def test_models_warn_about_self_selection_and_small_n_on_zelfscans():
    from wijkteam_stats.models.text import provenance_paragraph_nl

    rec = provenance.Provenance("real", "sidecar x.meta.json", {}, "self-reported", {})
    text = provenance_paragraph_nl(rec)
    assert text.startswith("**Zelfscans: zelfselectie en kleine aantallen.**") and "echte export" not in text
    assert "echte export" in provenance_paragraph_nl(provenance.Provenance("real", "sidecar x.meta.json"))
