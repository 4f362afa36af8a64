"""``wijkteam pipeline``: every shipped wave, steps skipped when their input hashes are unchanged."""

from __future__ import annotations

import argparse

from wijkteam_stats.commands import pipeline
from wijkteam_stats.reference import paths


def test_all_waves_plan():
    names = [" ".join(s.argv[:1] + tuple(a for a in s.argv[1:] if a.isdigit() or a == "--all")) for s in
             pipeline.plan("all")]
    assert names == ["data", "clean 2014", "audit 2014", "reproduce 2014", "clean 2015", "audit 2015",
                     "reproduce 2015", "models 2015", "clean 2017", "audit 2017", "reproduce 2017", "trends",
                     "reports --all 2015", "site 2015"]
    assert [s.argv[0] for s in pipeline.plan(2014)] == ["data", "clean", "audit", "reproduce", "trends", "site"]


def test_stamps_skip_unchanged_steps_and_rerun_changed_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    src = tmp_path / "input.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    out = tmp_path / "result.csv"
    step = pipeline.Step(("audit", "--wave", "2099"), (src,), (out,))
    hashes = pipeline.input_hashes(step)
    assert "argv" in hashes and any(k.endswith("input.csv") for k in hashes)
    assert any(k.endswith("reproduce/audit.py") for k in hashes)  # the code the step runs
    assert not pipeline.up_to_date(step, hashes)  # never ran
    pipeline.write_stamp(step, hashes)
    assert pipeline.stamp_path(step) == tmp_path / "outputs" / ".stamps" / "audit_2099.json"
    assert not pipeline.up_to_date(step, hashes)  # its output is missing
    out.write_text("x", encoding="utf-8")
    assert pipeline.up_to_date(step, pipeline.input_hashes(step))
    src.write_text("a,b\n1,3\n", encoding="utf-8")  # an input changed
    assert not pipeline.up_to_date(step, pipeline.input_hashes(step))
    other = pipeline.Step(("audit", "--wave", "2099", "--lang", "en"), (src,), (out,))  # parameters changed
    assert pipeline.input_hashes(other)["argv"] != hashes["argv"]


def test_pipeline_skips_a_step_whose_stamp_matches(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    out = tmp_path / "done.txt"
    out.write_text("x", encoding="utf-8")
    step = pipeline.Step(("data",), (paths.CODEBOOK,), (out,))
    monkeypatch.setattr(pipeline, "plan", lambda wave: [step])
    pipeline.write_stamp(step, pipeline.input_hashes(step))
    assert pipeline.run(argparse.Namespace(wave="2015", force=False)) == 0
    first = capsys.readouterr().out.splitlines()[0]  # one line per step (quiet pipeline output)
    assert first.startswith("[1/1] data") and first.endswith("skipped (inputs unchanged)")


def test_site_step_runs_even_when_its_stamp_matches(tmp_path, monkeypatch, capsys):
    """The site decides which reports are current by hashing their inputs itself: never skipped on a stamp."""
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    out = tmp_path / "index.html"
    out.write_text("x", encoding="utf-8")
    step = pipeline.Step(("site", "--wave", "2015"), (paths.CODEBOOK,), (out,))
    ran = []
    monkeypatch.setattr(pipeline, "plan", lambda wave: [step])
    monkeypatch.setattr(pipeline, "_run_step", lambda argv, log: ran.append(argv) or 0)
    pipeline.write_stamp(step, pipeline.input_hashes(step))
    assert pipeline.up_to_date(step, pipeline.input_hashes(step))
    assert pipeline.run(argparse.Namespace(wave="2015", force=False, wait=0)) == 0
    assert ran == [["site", "--wave", "2015"]] and "skipped" not in capsys.readouterr().out
