"""``wijkteam clean``: outputs, defaults, exit codes and messages; no personal data in any output."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from wijkteam_stats.cli import main
from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export
from wijkteam_stats.reference import paths


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(2015, n=20, seed=31)


@pytest.fixture
def export(tidy, tmp_path):
    personal = pd.DataFrame({
        "respondent_naam": [f"Karel Vertrouwelijk{i}" for i in range(len(tidy))],
        "respondent_email": [f"karel{i}@vertrouwelijk.nl" for i in range(len(tidy))],
        "respondent_telefoon": [f"0301234{i:03d}" for i in range(len(tidy))],
    })
    secrets = [x for x in personal.to_numpy().ravel()]
    return write_export(tidy, tmp_path / "in" / "export.xlsx", personal=personal, seed=2), secrets


def test_clean_command_writes_table_csv_and_log(tidy, export, tmp_path, capsys):
    path, secrets = export
    out, log = tmp_path / "out" / "survey.parquet", tmp_path / "tables" / "log.csv"
    assert main(["clean", str(path), "--wave", "2015", "--out", str(out), "--log", str(log)]) == 0
    printed = capsys.readouterr().out
    assert "rijen gelezen / rows read:                 20" in printed
    assert "behouden / kept:                           20" in printed
    pd.testing.assert_frame_equal(pd.read_parquet(out), tidy)
    copy = pd.read_csv(out.with_suffix(".csv"), dtype=str, keep_default_na=False)
    assert copy["gm_code"].tolist() == tidy["gm_code"].tolist()
    log_df = pd.read_csv(log, dtype=str)
    assert log_df.columns.tolist() == ["row", "municipality_given", "gm_code", "action", "reason", "candidates",
                                      "masked"]
    assert log_df["row"].tolist() == [str(r) for r in range(2, 22)]
    for f in [out, out.with_suffix(".csv"), log]:
        data = f.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (f, secret)
    for secret in secrets:
        assert secret not in printed


def test_default_output_paths(export, tmp_path, monkeypatch):
    path, _ = export
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    monkeypatch.setattr(paths, "TABLES", tmp_path / "tables")
    assert main(["clean", str(path), "--wave", "2015"]) == 0
    assert (tmp_path / "processed" / "survey_2015.parquet").is_file()
    assert (tmp_path / "processed" / "survey_2015.csv").is_file()
    # another file than the wave's shipped export: its log is named after it (the pipeline's log is kept)
    assert (tmp_path / "tables" / f"cleaning_log_2015_{path.stem}.csv").is_file()
    assert not (tmp_path / "tables" / "cleaning_log_2015.csv").exists()


def test_sheet_option(tidy, tmp_path):
    p = write_export(tidy, tmp_path / "book.xlsx", sheet_name="Export")
    out = tmp_path / "o.parquet"
    assert main(["clean", str(p), "--wave", "2015", "--sheet", "Export", "--out", str(out),
                 "--log", str(tmp_path / "l.csv")]) == 0
    assert main(["clean", str(p), "--wave", "2015", "--sheet", "Blad1", "--out", str(out),
                 "--log", str(tmp_path / "l.csv")]) == 1


def test_bad_input_exits_non_zero_with_one_clear_message(tmp_path):
    bad = tmp_path / "kapot.csv"
    bad.write_text("Naam;Adres\nJan;Straat 1\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "wijkteam_stats.cli", "clean", str(bad), "--wave", "2015",
         "--out", str(tmp_path / "x.parquet"), "--log", str(tmp_path / "x.csv")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {bad}, line 1: no municipality column")
    assert "Jan" not in proc.stderr  # cell values (personal data) are never echoed
    assert not (tmp_path / "x.parquet").exists()


def test_unknown_wave_and_raw_output_refused(export, tmp_path, capsys):
    path, _ = export
    assert main(["clean", str(path), "--wave", "1999", "--out", str(tmp_path / "a.parquet")]) == 2
    assert "wave 1999" in capsys.readouterr().err
    raw_out = paths.RAW / "survey" / "should_not_exist.parquet"
    assert main(["clean", str(path), "--wave", "2015", "--out", str(raw_out),
                 "--log", str(tmp_path / "l.csv")]) == 1
    assert "read-only" in capsys.readouterr().err
    assert not raw_out.exists()


def test_cleaning_the_synthetic_export_keeps_its_label(tmp_path):
    """A table cleaned from the SYNTHETIC export is named and flagged synthetic (reports show the banner)."""
    from wijkteam_stats.cli import main
    from wijkteam_stats.reference import paths
    from wijkteam_stats.reference.provenance import is_synthetic

    assert paths.processed_survey_file(2015, synthetic=True).name == "SYNTHETIC_survey_2015.parquet"
    out = tmp_path / "survey_2015.parquet"  # a neutral name: the sidecar must carry the label
    rc = main(["clean", str(paths.synthetic_survey_file(2015)), "--wave", "2015", "--out", str(out),
               "--log", str(tmp_path / "log.csv")])
    assert rc == 0
    assert is_synthetic(out)
    assert (tmp_path / "survey_2015.meta.json").is_file()
