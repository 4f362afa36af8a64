"""``--provenance`` on every command that takes ``--survey`` (reports, reproduce, models, trends): a survey file
without a provenance record is refused with a message naming the flag; with the flag the command runs on a
recorded copy whose sidecar carries the declaration into its outputs (and into the batch runner's hashed
inputs). The notebooks themselves are replaced by a stub here: what is checked is what the command hands them.
"""

from __future__ import annotations

import contextlib
import json
import shutil

import pytest

from wijkteam_stats.batch import runner
from wijkteam_stats.cli import main
from wijkteam_stats.commands.survey_provenance import declared_survey
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.provenance import ProvenanceError, provenance_banner_nl, read_provenance
from wijkteam_stats.report import notebooks, numbers

FLAG = "--provenance real|self-reported|synthetic"


@pytest.fixture(scope="module")
def unrecorded(tmp_path_factory):
    d = tmp_path_factory.mktemp("unrecorded")
    copy = d / "export_2015.csv"  # the shipped export without its sidecar: origin unknown
    shutil.copy(paths.synthetic_survey_file(2015), copy)
    return copy


def _argv(command: str, survey, out) -> list[str]:
    return {
        "reports": ["reports", "--municipality", "GM0344", "--wave", "2015", "--survey", str(survey),
                    "--outputs", str(out)],
        "reproduce": ["reproduce", "--wave", "2015", "--survey", str(survey), "--output-dir", str(out)],
        "models": ["models", "--wave", "2015", "--survey", str(survey), "--output-dir", str(out)],
        "trends": ["trends", "--survey", f"2015={survey}", "--output-dir", str(out)],
    }[command]


COMMANDS = ("reports", "reproduce", "models", "trends")


@pytest.mark.parametrize("command", COMMANDS)
def test_unrecorded_survey_is_refused_naming_the_flag(command, unrecorded, tmp_path, capsys):
    assert main(_argv(command, unrecorded, tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert "herkomst onbekend" in err and FLAG in err and "export_2015.csv" in err
    assert not (tmp_path / "out" / "provenance").exists()


class _Stop(Exception):
    """Stands in for the notebook run: the test only needs what the command passes on."""


@pytest.fixture
def handed_over(monkeypatch):
    seen: dict = {}

    def fake_notebook(name, params, output_dir, **kw):
        seen["surveys"] = ([params["survey_path"]] if "survey_path" in params
                           else list((params.get("survey_paths") or {}).values()))
        raise _Stop(name)

    def fake_reports(codes, wave, *, survey_path=None, **kw):
        seen["surveys"] = [survey_path]
        raise _Stop("reports")

    monkeypatch.setattr(notebooks, "run_and_export", fake_notebook)
    monkeypatch.setattr(runner, "run_reports", fake_reports)
    return seen


@pytest.mark.parametrize("command", COMMANDS)
def test_with_the_flag_the_command_runs_on_a_recorded_copy(command, unrecorded, tmp_path, handed_over, capsys):
    argv = _argv(command, unrecorded, tmp_path / "out") + ["--provenance", "self-reported", "--who", "adviesraad",
                                                           "--role", "secretaris adviesraad"]
    with contextlib.suppress(_Stop):
        main(argv)
    assert "herkomst onbekend" not in capsys.readouterr().err
    (survey,) = handed_over["surveys"]
    assert survey.startswith(str((tmp_path / "out" / "provenance").resolve()))
    assert survey.endswith("export_2015.csv")
    assert read_provenance(survey).kind == "self-reported"
    (sidecar,) = (tmp_path / "out" / "provenance").rglob("*.meta.json")
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    assert (meta["kind"], meta["synthetic"], meta["who"], meta["role"], meta["declared_with_flag"]) == (
        "self-reported", False, "adviesraad", "secretaris adviesraad", True)
    assert meta["derived_from"] == "export_2015.csv" and len(meta["source_sha256"]) == 64


def test_the_flag_reaches_the_report_numbers_and_the_hashed_inputs(unrecorded, tmp_path):
    copy = declared_survey(unrecorded, "synthetic", tmp_path)
    n = numbers.build_numbers("GM0344", 2015, copy)
    assert n["provenance"]["kind"] == "synthetic" and n["provenance"]["declared_with_flag"] is True
    assert n["synthetic"] is True and "answers" not in n  # declared synthetic: no own answers published
    sidecar = copy.with_name("export_2015.meta.json")
    banner = provenance_banner_nl(copy)  # what the reproduction and model notebooks print above their results
    assert "SYNTHETISCHE" in banner and "opgegeven met `--provenance synthetic`" in banner
    assert "bij het oorspronkelijke bestand (`export_2015.csv`) lag geen herkomstrecord" in banner
    assert sidecar in runner.input_files(2015, copy, None)  # the declaration is a hashed input of every report
    # the same file and declaration again: the same copy, its record untouched (reports stay current) ...
    before = sidecar.read_bytes()
    assert declared_survey(unrecorded, "synthetic", tmp_path) == copy and sidecar.read_bytes() == before
    # ... another declaration rewrites the record, so the hashed inputs change (reports become stale)
    assert declared_survey(unrecorded, "real", tmp_path) == copy
    assert json.loads(sidecar.read_text())["kind"] == "real" and sidecar.read_bytes() != before


def test_a_recorded_file_is_used_as_it_is_and_a_contradicting_flag_refused(tmp_path):
    shipped = paths.synthetic_survey_file(2015)
    assert declared_survey(shipped, None, tmp_path) == shipped.resolve()
    assert declared_survey(shipped, "synthetic", tmp_path) == shipped.resolve()
    with pytest.raises(ProvenanceError, match="contradicts"):
        declared_survey(shipped, "real", tmp_path)
    assert not (tmp_path / "provenance").exists()
