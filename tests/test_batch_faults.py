"""Fault injection on a small report batch: signals at random points, concurrent runs, truncated inputs,
corrupted outputs, read-only folders.

After every fault: no half-written file, no report skipped whose files or inputs differ from its record, no
good report deleted, one clear message (no traceback). The builds are fake (instant, no kernel) except in
the one test that checks that a real warm kernel is killed and its connection file removed.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from test_profile import fake_expectations, fake_tidy, mark_provenance

from wijkteam_stats.batch import executors, lock, manifest, runner
from wijkteam_stats.batch.build import JobResult
from wijkteam_stats.batch.inputs import SharedInputError
from wijkteam_stats.batch.runner import run_reports
from wijkteam_stats.cli import main
from wijkteam_stats.reference import paths, writers
from wijkteam_stats.reference.municipalities import register

CODES = ["GM0003", "GM0005", "GM0007", "GM0009", "GM0014", "GM0015"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("fault_inputs")
    codes = [c for i, c in enumerate(register(2015)["gm_code"]) if i % 3 == 0 or c in CODES]
    survey = d / "SYNTHETIC_fault_survey_2015.parquet"
    fake_tidy(codes, seed=11).to_parquet(survey)
    mark_provenance(survey, synthetic=True)
    exp = d / "expected_by_municipality_2015.csv"
    fake_expectations().to_csv(exp, index=False)
    return survey, exp


@pytest.fixture(autouse=True)
def fixed_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def fake_build(delay: float = 0.0, fail=(), before=None):
    """A stand-in for one report build: writes the staged numbers like the notebook, returns the HTML."""
    def build(payload, _notebook):
        code = payload["gm_code"]
        if before:
            before(code)
        time.sleep(delay)
        staged = Path(payload["parameters"]["output_dir"]) / "data" / f"{code}.json"
        survey = payload["parameters"]["survey_path"]
        writers.atomic_write_text(staged, json.dumps({"gm_code": code, "survey": survey, "provenance": {
            "synthetic": True, "survey_file": Path(survey).name, "data_version": "fake"}}))
        if code in fail:
            return JobResult(code, payload["name"], "failed", delay, 5, "RuntimeError: kapot")
        return JobResult(code, payload["name"], "built", delay, html=f"<html>{code} {payload['key'][:8]}</html>")
    return build


@pytest.fixture
def batch(inputs, tmp_path, monkeypatch):
    """run(**kw) builds CODES into tmp_path/out with the local executor (papermill engine) and fake builds."""
    survey, exp = inputs
    out = tmp_path / "out"
    state = {"build": fake_build()}
    monkeypatch.setattr(executors, "build_papermill", lambda p, nb: state["build"](p, nb))

    def run(codes=CODES, **kw):
        kw = {"survey_path": survey, "expectations_path": exp, "outputs_dir": out, "progress": False,
              "log": None, "engine": "papermill", "workers": 2, **kw}
        return run_reports(codes, 2015, **kw)

    run.out = out
    run.state = state
    return run


def _items(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["reports"]["2015"]["items"]


def _summary(out: Path) -> dict[str, dict]:
    with open(out / "reports" / "run_summary.csv", encoding="utf-8") as fh:
        return {r["gm_code"]: r for r in csv.DictReader(fh)}


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix in (".html", ".json")}


def assert_consistent(out: Path) -> None:
    """No temporary or staged file is left; every record's files exist with the recorded hashes."""
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp") or ".staging" in p.parts]
    assert leftovers == []
    for code, item in _items(out).items():
        assert manifest.verify_item(item, out) is None, code
        html = (out / item["html"]).read_text()
        data = json.loads((out / item["data"]).read_text())
        assert code in html and data["gm_code"] == code
        if not item.get("stale"):
            assert item["key"][:8] in html  # the HTML is the one built with the recorded key


# --------------------------------------------------------------------------- a report is HTML + JSON


def test_html_and_json_are_published_and_recorded_together(batch):
    res = batch()
    assert (res.built, res.exit_code) == (6, 0)
    assert_consistent(batch.out)
    before = _snapshot(batch.out)
    # a build that wrote its numbers but then failed leaves the published pair untouched
    batch.state["build"] = fake_build(fail={"GM0005"})
    res = batch(force=True)
    assert res.failed == 1 and res.exit_code == 1
    after = _snapshot(batch.out)
    assert after["reports/2015/data/GM0005.json"] == before["reports/2015/data/GM0005.json"]
    assert after["reports/2015/GM0005.html"] == before["reports/2015/GM0005.html"]
    assert "stale" not in _items(batch.out)["GM0005"]  # same inputs: still up to date
    assert_consistent(batch.out)


def test_corrupted_outputs_are_rebuilt_not_skipped(batch):
    batch()
    reports = batch.out / "reports" / "2015"
    (reports / "GM0003.html").write_text("")  # emptied HTML
    (reports / "data" / "GM0005.json").write_text('{"gm_code": "GM0005", "trunc')  # corrupt JSON
    html = reports / "GM0007.html"
    html.write_text(html.read_text().replace("<html>", "<html>X"))  # same file name, other content
    lines = []
    res = batch(log=lines.append)
    assert res.built == 3 and sorted(r.gm_code for r in res.results if r.status == "built") == \
        ["GM0003", "GM0005", "GM0007"]
    assert any("GM0003: rebuilt because reports/2015/GM0003.html differs" in line for line in lines)
    assert_consistent(batch.out)
    assert batch().line() == "0 rebuilt, 6 up to date, 0 failed"


def test_truncated_manifest_is_repaired_from_the_files_that_verify(batch, capsys):
    batch()
    mpath = batch.out / "manifest.json"
    good = mpath.read_text()
    mpath.write_text(good[: len(good) // 2])  # truncated
    (batch.out / "reports" / "2015" / "GM0009.html").write_text("")  # and one report is emptied
    lines = []
    m = manifest.load_manifest(batch.out, lines.append)
    assert len(lines) == 1 and "manifest" in lines[0] and str(mpath) in lines[0] and "repaired" in lines[0]
    copies = sorted(batch.out.glob("manifest.json.corrupt-*"))
    assert [c.read_text() for c in copies] == [good[: len(good) // 2]]
    items = m["reports"]["2015"]["items"]
    assert sorted(items) == ["GM0003", "GM0005", "GM0007", "GM0014", "GM0015"]  # not the emptied one
    assert all(i["stale"] and i["key"] is None for i in items.values())
    res = batch()  # inputs unknown: rebuilt, not skipped
    assert res.built == 6 and not any(i.get("stale") for i in _items(batch.out).values())
    assert_consistent(batch.out)
    mpath.write_text("{broken again")  # a second corruption keeps its own copy beside the first
    manifest.load_manifest(batch.out)
    again = sorted(batch.out.glob("manifest.json.corrupt-*"))
    assert len(again) == 2 and sorted(c.read_text() for c in again) == sorted([good[: len(good) // 2],
                                                                               "{broken again"])


def test_wrong_shaped_manifest_keeps_the_good_records(batch):
    batch()
    mpath = batch.out / "manifest.json"
    data = json.loads(mpath.read_text())
    data["reports"]["2015"]["items"]["GM0003"] = ["not", "a", "record"]
    data["reports"]["2014"] = "garbage"
    mpath.write_text(json.dumps(data))
    res = batch()
    assert res.built == 1 and res.skipped == 5  # only the broken record's report is rebuilt
    assert_consistent(batch.out)


def rc_site(out: Path) -> int:
    return main(["site", "--wave", "2015", "--outputs", str(out)])


def _index_row(out: Path, code: str, page: str = "index.html") -> str:
    """The index row (``<tr>``) of a municipality on the site."""
    html = (out / "site" / page).read_text(encoding="utf-8")
    return next(row for row in html.split("<tr") if f"{code}.html" in row or f">{code}<" in row)


def test_corrupt_report_json_marks_that_report_stale_and_a_corrupt_manifest_is_named(batch, capsys):
    batch(codes=["GM0003", "GM0005"])
    data = batch.out / "reports" / "2015" / "data" / "GM0003.json"
    data.write_text("{")
    assert rc_site(batch.out) == 0  # one unreadable report does not fail the site
    assert "Traceback" not in capsys.readouterr().err
    assert "verouderd" in _index_row(batch.out, "GM0003") and "verouderd" not in _index_row(batch.out, "GM0005")
    (batch.out / "manifest.json").write_text("[1, 2")
    assert rc_site(batch.out) == 1
    assert str(batch.out / "manifest.json") in capsys.readouterr().err


# --------------------------------------------------------------------------- failed rebuilds, inputs


def test_failed_rebuild_keeps_the_last_good_report_marked_stale(batch, inputs, tmp_path):
    batch()
    before = _snapshot(batch.out)
    survey, exp = inputs
    changed = tmp_path / "expected_changed.csv"
    changed.write_text(exp.read_text().replace("False", "False", 1) + "2015,GM9999,1,n_teams,,1,1,1,False,0.5,2,True,True,2.96\n")
    batch.state["build"] = fake_build(fail={"GM0003", "GM0014"})
    res = batch(expectations_path=changed)
    assert (res.built, res.failed, res.exit_code) == (4, 2, 1)
    after = _snapshot(batch.out)
    items = _items(batch.out)
    for code in ("GM0003", "GM0014"):
        assert after[f"reports/2015/{code}.html"] == before[f"reports/2015/{code}.html"]  # kept
        assert items[code]["stale"] is True and "RuntimeError: kapot" in items[code]["stale_reason"]
    assert _summary(batch.out)["GM0003"]["status"] == "failed"
    assert_consistent(batch.out)
    batch.state["build"] = fake_build()
    res = batch(expectations_path=changed)  # stale reports are retried, the rest is up to date
    assert (res.built, res.skipped) == (2, 4) and not any(i.get("stale") for i in _items(batch.out).values())


@pytest.mark.parametrize("what", ["expectations", "survey"])
def test_truncated_shared_input_stops_the_batch_and_deletes_nothing(batch, inputs, tmp_path, what, capsys):
    survey, exp = inputs
    batch()
    before = _snapshot(batch.out)
    bad = tmp_path / ("cut.csv" if what == "expectations" else "cut.parquet")
    src = exp if what == "expectations" else survey
    raw = src.read_bytes()
    bad.write_bytes(raw[: len(raw) * 2 // 3])
    if what == "survey":  # a record that says what the data are: the truncation must be what stops the run
        mark_provenance(bad, False)
    kw = {"expectations_path": bad} if what == "expectations" else {"survey_path": bad}
    with pytest.raises(SharedInputError, match=str(bad)):
        batch(**kw)
    assert _snapshot(batch.out) == before
    argv = ["reports", "--municipality", *CODES, "--outputs", str(batch.out), "--engine", "papermill",
            "--survey", str(kw.get("survey_path", survey)), "--expectations", str(kw.get("expectations_path", exp))]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and str(bad) in err and "Traceback" not in err
    assert _snapshot(batch.out) == before


def test_expectations_missing_municipalities_is_an_error_not_a_dropped_section(inputs, tmp_path):
    from wijkteam_stats.batch.inputs import check_expectations

    _, exp = inputs
    df = pd.read_csv(exp)
    cut = tmp_path / "exp.csv"
    df[df["gm_code"] != "GM0363"].to_csv(cut, index=False)  # whole rows missing, file ends cleanly
    with pytest.raises(SharedInputError, match=r"incomplete: 1 municipalities lack rows \(e\.g\. GM0363\)"):
        check_expectations(cut, register(2015)["gm_code"].tolist())
    # an empty prediction (the models step shows the national value there) is not an error
    blank = df.copy()
    blank.loc[blank.index[:5], ["predicted", "ci_low", "ci_high"]] = float("nan")
    blank.to_csv(cut, index=False)
    assert len(check_expectations(cut, register(2015)["gm_code"].tolist())) == len(df)
    blank.loc[blank.index[3], "measure"] = None
    blank.to_csv(cut, index=False)
    with pytest.raises(SharedInputError, match=r"without municipality code or measure \(data row 4\)"):
        check_expectations(cut, register(2015)["gm_code"].tolist())


# --------------------------------------------------------------------------- signals


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_at_a_random_point_stops_cleanly(batch, inputs, tmp_path, seed, sig):
    batch()  # a complete, good set of reports
    survey, exp = inputs
    changed = tmp_path / "exp2.csv"
    changed.write_text(exp.read_text() + "2015,GM9999,1,n_teams,,1,1,1,False,0.5,2,True,True,2.96\n")
    rng = random.Random(seed)
    at = rng.choice(CODES[:4])
    batch.state["build"] = fake_build(delay=rng.uniform(0.0, 0.15),
                                      before=lambda code: code == at and os.kill(os.getpid(), sig))
    lines = []
    res = batch(expectations_path=changed, log=lines.append)
    assert res.exit_code == 128 + sig
    rows = _summary(batch.out)
    statuses = {c: r["status"] for c, r in rows.items()}
    assert set(statuses.values()) <= {"built", "not started"} and statuses[at] == "built"
    assert "not started" in statuses.values()
    items = _items(batch.out)
    for code, status in statuses.items():  # no good report deleted; the outdated ones say so
        assert items[code].get("stale", False) is (status == "not started")
    assert_consistent(batch.out)
    assert any("stopping" in line for line in lines) and "not started" in lines[-1]
    last_run = json.loads((batch.out / "manifest.json").read_text())["reports"]["2015"]["last_run"]
    assert last_run["interrupted"] is True and last_run["not_started"] == list(statuses.values()).count("not started")
    batch.state["build"] = fake_build()
    res = batch(expectations_path=changed)  # the next run builds exactly the rest
    assert res.built == list(statuses.values()).count("not started") and res.exit_code == 0


DRIVER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from wijkteam_stats.batch import executors, runner
    from wijkteam_stats.batch.build import JobResult

    def slow(payload, nb):
        print("BUILDING", payload["gm_code"], flush=True)
        time.sleep(60)
        return JobResult(payload["gm_code"], payload["name"], "built", 60.0, html="<html></html>")

    executors.build_papermill = slow
    res = runner.run_reports(sys.argv[4:], 2015, survey_path=sys.argv[1], expectations_path=sys.argv[2],
                             outputs_dir=sys.argv[3], engine="papermill", workers=1, progress=False)
    sys.exit(res.exit_code)
""")


def test_second_ctrl_c_quits_at_once_without_traceback(inputs, tmp_path):
    survey, exp = inputs
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, str(driver), str(survey), str(exp), str(out), "GM0003", "GM0005"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = ""
    while "BUILDING" not in line:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert proc.poll() is None  # the first Ctrl-C waits for the running report
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=20)
    stdout, stderr = proc.communicate()
    assert rc == 130 and time.monotonic() - t0 < 10
    assert "Traceback" not in stderr and "again: quit at once" in stderr and "stopping" in stdout
    rows = _summary(out)
    assert rows["GM0003"]["status"] == "interrupted" and rows["GM0005"]["status"] == "not started"
    assert not list(Path(tempfile.gettempdir()).glob(f"{runner.RUNTIME_PREFIX}{proc.pid}-*"))
    assert not (out / "reports" / "2015" / "GM0003.html").exists()
    assert [p for p in out.rglob("*") if p.name.endswith(".tmp")] == []


@pytest.mark.slow
def test_real_kernel_is_killed_and_its_connection_file_removed(inputs, tmp_path):
    """The warm engine with a real kernel: two Ctrl-Cs while a report runs leave no kernel and no key."""
    survey, exp = inputs
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("municipality_code = 'GM0003'", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import os, time\nprint('KERNEL', os.getpid(), flush=True)\ntime.sleep(120)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb_path = tmp_path / "sleepy.ipynb"
    nbformat.write(nb, str(nb_path))
    out = tmp_path / "out"
    code = ("import sys; from wijkteam_stats.batch import runner; sys.exit(runner.run_reports(['GM0003'], 2015, "
            f"survey_path={str(survey)!r}, expectations_path={str(exp)!r}, outputs_dir={str(out)!r}, "
            f"notebook={str(nb_path)!r}, workers=1, progress=False).exit_code)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = Path(tempfile.gettempdir())
    deadline = time.monotonic() + 120
    conn: list[Path] = []
    while not conn and time.monotonic() < deadline:
        conn = [p for d in base.glob(f"{runner.RUNTIME_PREFIX}{proc.pid}-*") for p in d.glob("*.json")]
        time.sleep(0.2)
    assert conn, "the kernel's connection file is written into the run's private folder"
    time.sleep(6)  # let the sleeping cell start (a loaded machine needs longer than an idle one)
    import psutil

    kernels = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in stderr, (stdout[-3000:], stderr[-3000:])
    assert not any(p.exists() for p in conn)
    time.sleep(0.5)

    def running(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    assert kernels and not any(running(k) for k in kernels)


# --------------------------------------------------------------------------- concurrent runs


def test_second_run_waits_or_refuses_with_a_clear_message(batch, inputs, capsys):
    started, release = threading.Event(), threading.Event()

    def hold(code):
        started.set()
        release.wait(10)

    batch.state["build"] = fake_build(before=hold)
    first = threading.Thread(target=batch, kwargs={"codes": ["GM0003"], "workers": 1})
    first.start()
    assert started.wait(10)
    with pytest.raises(lock.OutputsBusy, match=f"in use by process {os.getpid()}"):
        batch(codes=["GM0005"], wait=0.3)
    survey, exp = inputs
    rc = main(["reports", "--municipality", "GM0005", "--outputs", str(batch.out), "--wait", "0",
               "--engine", "papermill", "--survey", str(survey), "--expectations", str(exp)])
    assert rc == 1 and "is in use by" in capsys.readouterr().err
    lines: list[str] = []
    second = threading.Thread(target=lambda: lines.append(batch(codes=["GM0005"], log=lines.append)))
    batch.state["build"] = fake_build()
    second.start()
    time.sleep(0.5)
    assert any(str(line).startswith("waiting for the other run") for line in lines)
    release.set()
    first.join(10)
    second.join(10)
    assert sorted(_items(batch.out)) == ["GM0003", "GM0005"]  # neither run lost the other's record
    assert_consistent(batch.out)


def test_manifest_is_read_modified_written_per_report(batch):
    """A record written by someone else during a run (another wave's section) survives the run."""
    def meanwhile(code):
        if code == "GM0007":
            manifest.update_manifest(batch.out, lambda m: m.setdefault("reports", {}).setdefault(
                "2017", {"items": {}, "note": "other wave"}))

    batch.state["build"] = fake_build(before=meanwhile)
    batch(workers=1)  # the next build starts after the previous one is recorded
    data = json.loads((batch.out / "manifest.json").read_text())
    assert data["reports"]["2017"]["note"] == "other wave" and len(data["reports"]["2015"]["items"]) == 6


def test_another_live_runs_temporary_files_are_left_alone(batch):
    folder = batch.out / "reports" / "2015"
    folder.mkdir(parents=True)
    theirs = folder / f".GM0003.html.{os.getppid()}.x1.tmp"
    theirs.write_text("being written by a live process")
    batch()
    assert theirs.exists()


# --------------------------------------------------------------------------- read-only folders


def _read_only(monkeypatch, folder: Path):
    """Make writes below ``folder`` fail as on a read-only file system (root ignores permission bits)."""
    real = tempfile.mkstemp

    def mkstemp(*a, dir=None, **kw):
        if dir is not None and (Path(dir) == folder or folder in Path(dir).parents):
            raise OSError(errno.EROFS, "Read-only file system", str(dir))
        return real(*a, dir=dir, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def test_read_only_outputs_folder_is_one_clear_error(batch, inputs, monkeypatch, capsys):
    survey, exp = inputs
    batch()
    before = _snapshot(batch.out)
    _read_only(monkeypatch, batch.out)
    rc = main(["reports", "--municipality", *CODES, "--outputs", str(batch.out), "--survey", str(survey),
               "--expectations", str(exp), "--force"])
    err = capsys.readouterr().err
    assert rc == 1 and "not writable" in err and str(batch.out) in err and "Traceback" not in err
    assert _snapshot(batch.out) == before


def test_read_only_report_folder_fails_reports_but_keeps_good_ones(batch, monkeypatch):
    batch()
    before = _snapshot(batch.out)
    _read_only(monkeypatch, batch.out / "reports" / "2015")
    res = batch(force=True)
    assert res.failed == 6 and res.exit_code == 1
    assert all("Read-only file system" in r.error for r in res.results)
    assert _snapshot(batch.out) == {**before, "manifest.json": (batch.out / "manifest.json").read_bytes()}
    assert_consistent(batch.out)


def test_clean_into_a_read_only_folder_is_a_clear_error(tmp_path, monkeypatch, capsys):
    src = paths.synthetic_survey_file(2015)
    _read_only(monkeypatch, tmp_path / "ro")
    (tmp_path / "ro").mkdir()
    rc = main(["clean", str(src), "--wave", "2015", "--out", str(tmp_path / "ro" / "t.parquet"),
               "--log", str(tmp_path / "log.csv")])
    err = capsys.readouterr().err
    assert rc == 1 and "Read-only file system" in err and "Traceback" not in err
    assert list((tmp_path / "ro").iterdir()) == []


# --------------------------------------------------------------------------- reproducible builds


def test_builds_on_different_days_are_byte_identical(batch, monkeypatch):
    from datetime import datetime as real_datetime

    class Day2(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

    batch()
    first = _snapshot(batch.out)
    for p in batch.out.rglob("*"):
        if p.is_file():
            p.unlink()
    monkeypatch.setattr(manifest, "datetime", Day2)
    batch()
    assert _snapshot(batch.out) == first
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert manifest.build_time().startswith("2031-05-06")  # without it, the (faked) clock is used


def test_footer_and_site_date_follow_source_date_epoch_not_the_clock(inputs, monkeypatch):
    from datetime import date as real_date
    from datetime import datetime as real_datetime

    from wijkteam_stats.report import numbers as report_numbers
    from wijkteam_stats.report import profile, site

    survey, _ = inputs
    footers, dates = [], []
    for day in (1, 2):
        class FakeDate(real_date):
            @classmethod
            def today(cls, _day=day):
                return real_date(2031, 1, _day)

        class FakeDatetime(real_datetime):
            @classmethod
            def now(cls, tz=None, _day=day):
                return real_datetime(2031, 1, _day, 12, tzinfo=tz)

        monkeypatch.setattr(report_numbers, "date", FakeDate)
        monkeypatch.setattr(site, "datetime", FakeDatetime)
        footers.append(profile.footer_html({"wave": 2015, "provenance": report_numbers._provenance_info(survey)}))
        dates.append(site.build_date())
    assert footers[0] == footers[1] and "14 november 2023" in footers[0]  # SOURCE_DATE_EPOCH=1700000000
    assert dates == ["2023-11-14", "2023-11-14"]
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert site.build_date() == "2031-01-02"  # without it: the (faked) clock


def test_failed_rebuild_without_a_record_keeps_plausible_files_and_drops_broken_ones(batch):
    batch(codes=["GM0003", "GM0005"])
    (batch.out / "manifest.json").unlink()  # the record is gone, the reports are still there
    (batch.out / "reports" / "2015" / "data" / "GM0005.json").write_text("{")  # and one is broken
    good = (batch.out / "reports" / "2015" / "GM0003.html").read_bytes()
    batch.state["build"] = fake_build(fail={"GM0003", "GM0005"})
    res = batch(codes=["GM0003", "GM0005"])
    assert res.failed == 2 and res.exit_code == 1
    items = _items(batch.out)
    assert (batch.out / "reports" / "2015" / "GM0003.html").read_bytes() == good  # kept ...
    assert items["GM0003"]["stale"] is True and "match no record" in items["GM0003"]["stale_reason"]
    assert "GM0005" not in items and not (batch.out / "reports" / "2015" / "GM0005.html").exists()  # ... broken: gone
    assert_consistent(batch.out)
