"""Quiet runs: kernels over IPC (no unencrypted-TCP warning), an SPDX licence string, and a pipeline that
prints its steps and a summary while each step's own output goes to a log file."""

from __future__ import annotations

import argparse
import tomllib

import nbformat
import pytest
from nbclient import NotebookClient

from wijkteam_stats.commands import pipeline
from wijkteam_stats.reference import paths
from wijkteam_stats.report.notebooks import ipc_kernel_manager_class


def test_project_licence_is_an_spdx_string_with_a_setuptools_that_reads_it():
    meta = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "MIT"
    req = [r for r in meta["build-system"]["requires"] if r.startswith("setuptools")]
    assert req and int(req[0].split(">=")[1].split(".")[0]) >= 77


def test_kernels_talk_over_ipc_and_print_no_tcp_warning(capfd):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    client = NotebookClient(nb, kernel_name="python3", kernel_manager_class=ipc_kernel_manager_class(),
                            timeout=120)
    km = client.create_kernel_manager()
    assert km.transport == "ipc" and "wijkteam-kernels-" in km.ip
    client.execute()
    assert nb.cells[0].outputs[0]["text"].strip() == "42"
    err = capfd.readouterr().err
    assert "without encryption" not in err and "TCP" not in err


@pytest.fixture()
def fake_steps(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    monkeypatch.setattr(pipeline, "plan", lambda wave: [step("resolve", "Den Haag"), step("resolve", "Den Bosch")])
    return tmp_path


def step(*argv: str) -> pipeline.Step:
    return pipeline.Step(("municipalities", *argv), (), ())


def test_pipeline_prints_steps_and_a_summary_and_logs_the_rest(fake_steps, capsys):
    rc = pipeline.run(argparse.Namespace(wave=2015, verbose=False, force=True))
    out = capsys.readouterr()
    assert rc == 0
    lines = out.out.splitlines()
    assert lines[0].startswith("[1/2] municipalities") and lines[0].rstrip().endswith("s")
    assert lines[1].startswith("[2/2] municipalities") and "ok" in lines[1]
    assert lines[2].startswith("Done in ") and "2 of 2 steps run" in lines[2]
    assert len(lines) == 6 and out.err == ""
    log = (fake_steps / "logs" / "pipeline_2015.log").read_text(encoding="utf-8")
    assert "$ wijkteam municipalities resolve Den Haag" in log and "$ wijkteam municipalities resolve Den Bosch" in log
    assert "GM0518" in log and "GM0518" not in out.out  # the step's own output is in the log only


def test_a_failing_step_shows_its_last_lines_and_stops(fake_steps, monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "plan", lambda wave: [step("resolve", "Nergenshuizen"), step("resolve", "Den Haag")])
    rc = pipeline.run(argparse.Namespace(wave=2015, verbose=False, force=True))
    out = capsys.readouterr()
    assert rc != 0
    assert "[1/2] municipalities" in out.out and "FAILED" in out.out and "[2/2]" not in out.out
    assert "Stopped: step 'municipalities' failed" in out.out
    assert "Nergenshuizen" in out.err  # the error itself is never hidden


def test_an_up_to_date_step_is_reported_as_skipped(fake_steps, monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "plan", lambda wave: [step("resolve", "Den Haag")])  # one stamp per step name
    assert pipeline.run(argparse.Namespace(wave=2015, verbose=False, force=False)) == 0
    capsys.readouterr()
    assert pipeline.run(argparse.Namespace(wave=2015, verbose=False, force=False)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[1/1] municipalities") and lines[0].endswith("skipped (inputs unchanged)")
    assert "0 of 1 steps run, 1 skipped (inputs unchanged)" in lines[1]
