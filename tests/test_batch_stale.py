# ruff: noqa: F811  (the shared fixtures of test_batch_faults are imported by name)
"""Nothing stale shown as current by any path: every shared input truncated, corrupted or removed in turn,
manifest records removed, reports edited, run summaries after a crash or a full disk, two writers at once.

Each case ends with one clear message naming the file (no traceback) and the right state: nothing built or
deleted, the site marking exactly the reports that are not current as "verouderd". Builds are fake (no
kernel); the shipped raw data are copied to a temporary folder and the package is pointed at the copy.
"""

from __future__ import annotations

import argparse
import csv
import errno
import json
import shutil
import threading
from pathlib import Path

import pytest
from test_batch_faults import CODES, _index_row, _snapshot, batch, fake_build, fixed_epoch, inputs  # noqa: F401

from wijkteam_stats.batch import inputs as batch_inputs
from wijkteam_stats.batch import lock, params, runner
from wijkteam_stats.batch.inputs import SharedInputError
from wijkteam_stats.cli import main
from wijkteam_stats.commands import pipeline
from wijkteam_stats.reference import codebook, freshness, municipalities, paths, wave_settings, waves
from wijkteam_stats.reference.writers import CorruptFileError
from wijkteam_stats.report import maps

CACHED = (municipalities, codebook, wave_settings, maps, batch_inputs, params)


def _clear_caches() -> None:
    freshness.forget()
    for module in CACHED:
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


@pytest.fixture
def raw(tmp_path, monkeypatch):
    """A private copy of data/raw that the package reads instead of the shipped one."""
    copy = tmp_path / "raw"
    shutil.copytree(paths.RAW, copy, ignore=shutil.ignore_patterns("source_copies", "sources"))
    for name, sub in (("RAW", ""), ("RAW_CBS", "cbs"), ("RAW_GEO", "geo"), ("RAW_PUBLISHED", "published"),
                      ("RAW_SURVEY", "survey")):
        monkeypatch.setattr(paths, name, copy / sub if sub else copy)
    monkeypatch.setattr(paths, "CODEBOOK", copy / "codebook_movisie.yaml")
    monkeypatch.setattr(paths, "WAVES", copy / "waves.yaml")
    monkeypatch.setattr(paths, "PUBLISHED_VOCABULARY", copy / "published" / "vocabulary.yaml")
    _clear_caches()
    yield copy
    _clear_caches()


def _truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _summary(out: Path) -> list[dict]:
    with open(out / "reports" / "run_summary.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _cli_reports(out: Path, survey: Path, exp: Path, *extra: str) -> int:
    return main(["reports", "--municipality", *CODES[:2], "--outputs", str(out), "--engine", "papermill",
                 "--no-progress", "--survey", str(survey), "--expectations", str(exp), *extra])


# --------------------------------------------------------------------------- every shared input, in turn

DAMAGE = {
    # input kind: (file under the raw copy, damage, words the message must hold)
    "published figures truncated": ("published/movisie_2015.csv", "half", "movisie_2015.csv"),
    "published figures, rows removed": ("published/movisie_2015.csv", "lines", "the data log"),
    "boundaries truncated": ("geo/gemeente_2015_wgs84.geojson", "half", "gemeente_2015_wgs84.geojson"),
    "boundaries emptied": ("geo/gemeente_2015_wgs84.geojson", "empty", "gemeente_2015_wgs84.geojson"),
    "published figures removed": ("published/movisie_2015.csv", "remove", "movisie_2015.csv"),
    "codebook truncated": ("codebook_movisie.yaml", "half", "codebook_movisie.yaml"),
    "population truncated": ("cbs/bevolking_1jan_gemeente_2014_2024.csv", "half", "bevolking_1jan_gemeente"),
    "population, rows removed": ("cbs/bevolking_1jan_gemeente_2014_2024.csv", "lines", "bevolking_1jan_gemeente"),
    "register corrupt": ("cbs/gemeenten_1jan_2014_2025.csv", "garbage", "gemeenten_1jan_2014_2025.csv"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_shared_input_stops_with_one_message_and_keeps_the_reports(raw, batch, case, capsys):
    assert batch(codes=CODES[:2]).built == 2
    before = _snapshot(batch.out)
    rel, damage, words = DAMAGE[case]
    target = raw / rel
    if damage == "half":
        _truncate(target)
    elif damage == "lines":  # a complete-looking file with rows missing
        lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
        target.write_text("".join(lines[: len(lines) - 5]), encoding="utf-8")
    elif damage == "remove":
        target.unlink()
    elif damage == "empty":
        target.write_bytes(b"")
    else:
        target.write_bytes(b"\x00\xff garbage \x00\n")
    _clear_caches()
    with pytest.raises(SharedInputError, match=words.replace(".", r"\.")):
        batch(codes=CODES[:2], force=True)
    assert _snapshot(batch.out) == before  # nothing built, recorded or deleted
    assert not (batch.out / "reports" / "run_summary.csv").exists()  # no summary of an earlier run stays
    survey, exp = batch.inputs
    _clear_caches()
    assert _cli_reports(batch.out, survey, exp, "--force") == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") == 1
    if rel.startswith(("cbs/", "codebook")):  # the site lists the register: the same message, site unchanged
        assert main(["site", "--outputs", str(batch.out)]) == 1
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and "site was not changed" in err


def test_corrupt_survey_sidecar_stops_the_run_never_switches_to_the_raw_export(raw, batch, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    cleaned = paths.processed_survey_file(2015, synthetic=True)
    cleaned.parent.mkdir()
    shutil.copy(batch.inputs[0], cleaned)
    sidecar = cleaned.with_name(f"{cleaned.stem}.meta.json")
    sidecar.write_text('{"synthetic": true, "source_sha2', encoding="utf-8")  # truncated
    with pytest.raises(CorruptFileError, match="meta.json"):
        waves.default_survey_path(2015)
    with pytest.raises(SharedInputError, match=r"SYNTHETIC_survey_2015\.meta\.json"):
        batch(codes=CODES[:2], survey_path=None)
    # an explicitly named survey whose own sidecar is corrupt: the same stop
    survey = tmp_path / "survey_2015.parquet"
    shutil.copy(batch.inputs[0], survey)
    (tmp_path / "survey_2015.parquet.meta.json").write_text("[", encoding="utf-8")
    with pytest.raises(SharedInputError, match=r"provenance record of the survey table"):
        batch(codes=CODES[:2], survey_path=survey)
    assert not (batch.out / "manifest.json").exists()


# --------------------------------------------------------------------------- the site checks what is current


def test_site_marks_reports_whose_inputs_changed_since_they_were_built(raw, batch, capsys):
    batch()
    assert main(["site", "--outputs", str(batch.out)]) == 0
    assert all("verouderd" not in _index_row(batch.out, c) for c in CODES)
    published = raw / "published" / "movisie_2015.csv"  # a legitimate change: same rows, another value
    published.write_text(published.read_text(encoding="utf-8").replace(",234,exact,", ",235,exact,", 1),
                         encoding="utf-8")
    _clear_caches()
    assert main(["site", "--outputs", str(batch.out)]) == 0  # the site alone, no reports run
    for code in CODES:
        row = _index_row(batch.out, code)
        assert "verouderd" in row and "movisie_2015.csv" in row
    assert "6 shown as verouderd" in capsys.readouterr().out
    res = batch()  # the reports run rebuilds them (never skipped as up to date) ...
    assert res.built == 6
    assert main(["site", "--outputs", str(batch.out)]) == 0  # ... and then they are current again
    assert all("verouderd" not in _index_row(batch.out, c) for c in CODES)


def test_report_without_record_or_edited_is_never_linked_as_current(batch):
    batch()
    mpath = batch.out / "manifest.json"
    data = json.loads(mpath.read_text())
    del data["reports"]["2015"]["items"]["GM0003"]  # record gone ...
    mpath.write_text(json.dumps(data))
    html = batch.out / "reports" / "2015" / "GM0003.html"
    html.write_text(html.read_text() + "<p>bewerkt</p>")  # ... and HTML edited
    edited = batch.out / "reports" / "2015" / "GM0005.html"
    edited.write_text(edited.read_text() + "<p>bewerkt</p>")  # record kept, HTML edited
    assert main(["site", "--outputs", str(batch.out)]) == 0
    assert "niet bekend waaruit" in _index_row(batch.out, "GM0003")
    assert "gewijzigd na de bouw" in _index_row(batch.out, "GM0005")
    assert "verouderd" not in _index_row(batch.out, "GM0007")
    status = runner.report_status(2015, batch.out)
    assert sorted(status) == ["GM0003", "GM0005"]


# --------------------------------------------------------------------------- the run summary


def test_summary_describes_this_run_from_its_start(batch):
    batch(codes=CODES[:3])
    first = {r["run_id"] for r in _summary(batch.out)}
    seen: list[list[dict]] = []
    batch.state["build"] = fake_build(before=lambda code: seen.append(_summary(batch.out)))
    res = batch(codes=CODES)  # 3 up to date, 3 to build
    # what a SIGKILL at the first build would leave: this run's id, nothing claimed built
    during = seen[0]
    assert len({r["run_id"] for r in during}) == 1 and {r["run_id"] for r in during} != first
    assert sorted(r["status"] for r in during) == ["pending"] * 3 + ["skipped"] * 3
    after = _summary(batch.out)
    assert {r["run_id"] for r in after} == {during[0]["run_id"]} and res.built == 3
    assert sorted(r["status"] for r in after) == ["built"] * 3 + ["skipped"] * 3


def test_full_disk_at_the_end_leaves_this_runs_pending_summary(batch, monkeypatch):
    batch(codes=CODES[:2])
    real = runner.write_summary

    def full(path, results, run_id=""):
        if any(r.status == "built" for r in results):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, results, run_id)

    monkeypatch.setattr(runner, "write_summary", full)
    batch.state["build"] = fake_build(fail={"GM0003"})
    res = batch(codes=CODES[:4], force=True)
    rows = _summary(batch.out)
    assert {r["status"] for r in rows} == {"pending"} and len({r["run_id"] for r in rows}) == 1
    assert res.failed == 1 and not any(r["status"] == "built" and r["gm_code"] == "GM0003" for r in rows)


def test_full_disk_at_the_start_builds_nothing_and_leaves_no_old_summary(batch, monkeypatch):
    batch(codes=CODES[:2])
    monkeypatch.setattr(runner, "write_summary", lambda *a, **k: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(lock.OutputsNotWritable, match="run summary"):
        batch(codes=CODES[:2], force=True)
    assert not (batch.out / "reports" / "run_summary.csv").exists()


# --------------------------------------------------------------------------- locks


def _hold(folder: Path):
    """Hold the outputs lock of ``folder`` in another thread until the returned event is set."""
    held, release = threading.Event(), threading.Event()

    def hold():
        with lock.outputs_lock(folder, say=None):
            held.set()
            release.wait(20)

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(10)
    return release, t


def test_wait_0_refuses_before_any_planning(batch, monkeypatch, capsys):
    planned = []
    monkeypatch.setattr(runner, "plan_jobs", lambda *a, **k: planned.append(1))
    release, t = _hold(batch.out)
    try:
        with pytest.raises(lock.OutputsBusy, match="in use by"):
            batch(wait=0)
        survey, exp = batch.inputs
        assert _cli_reports(batch.out, survey, exp, "--wait", "0") == 1
        assert main(["site", "--outputs", str(batch.out), "--wait", "0"]) == 1
        assert capsys.readouterr().err.count("in use by") == 2
    finally:
        release.set()
        t.join(10)
    assert planned == []


def test_second_pipeline_refuses_and_steps_run_inside_the_pipelines_lock(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    ran: list[str] = []

    def step(argv, _log):  # a step that takes the outputs lock itself, as `reports` and `site` do
        with lock.outputs_lock(paths.OUTPUTS, timeout=0, say=None):
            ran.append(argv[0])
        return 0

    monkeypatch.setattr(pipeline, "_run_step", step)
    monkeypatch.setattr(pipeline, "plan", lambda wave: [pipeline.Step(("site", "--wave", "2015"), (), ())])
    args = argparse.Namespace(wave="2015", force=True, verbose=True, wait=0)
    release, t = _hold(paths.OUTPUTS)
    try:
        assert pipeline.run(args) == 1  # another pipeline holds the outputs
    finally:
        release.set()
        t.join(10)
    assert ran == [] and "no step was run" in capsys.readouterr().err
    assert pipeline.run(args) == 0 and ran == ["site"]  # alone: its steps run inside its own hold


def test_a_waves_pipeline_never_makes_the_site_index_another_wave():
    for wave in ("2014", "2015", "2017", "all"):
        assert pipeline.plan(wave)[-1].argv == ("site", "--wave", str(pipeline.site_main_wave()))
    assert pipeline.site_main_wave() == 2015


@pytest.fixture(autouse=True)
def _attach_inputs(request):
    if "batch" in request.fixturenames:
        request.getfixturevalue("batch").inputs = request.getfixturevalue("inputs")


# --------------------------------------------------------------------------- manifest cost and the journal


def test_built_reports_are_journalled_not_a_manifest_rewrite_each(batch, monkeypatch):
    from wijkteam_stats.batch import manifest

    writes = []
    real = manifest.write_manifest
    monkeypatch.setattr(manifest, "write_manifest", lambda out, m: writes.append(1) or real(out, m))
    assert batch().built == 6
    assert len(writes) == 2  # the run's facts at the start, the fold at the end: not one per report
    assert not manifest.journal_path(batch.out).exists()
    # a run killed after two reports: their journal lines are replayed, a cut-off line is ignored
    items = json.loads((batch.out / "manifest.json").read_text())["reports"]["2015"]["items"]
    journal = manifest.journal_path(batch.out)
    lines = [json.dumps({"wave": 2015, "code": c, "item": {**items[c], "built_at": "replayed"}}) + "\n"
             for c in ("GM0003", "GM0005")]
    journal.write_text("".join(lines) + lines[0][:40], encoding="utf-8")
    replayed = manifest.load_manifest(batch.out)["reports"]["2015"]["items"]
    assert [replayed[c]["built_at"] for c in ("GM0003", "GM0005", "GM0007")] == [
        "replayed", "replayed", items["GM0007"]["built_at"]]
    assert main(["site", "--outputs", str(batch.out)]) == 0  # the site folds the journal in first
    assert not journal.exists()
    assert json.loads((batch.out / "manifest.json").read_text())["reports"]["2015"]["items"]["GM0005"][
        "built_at"] == "replayed"
