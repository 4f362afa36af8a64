"""The report batch: parameter validation, incremental keys, manifest, failures, warm == fresh, dask."""

from __future__ import annotations

import base64
import copy
import csv
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from test_profile import SCRIPT, fake_expectations, fake_tidy, mark_provenance, teams_answers

from wijkteam_stats.batch import build, runner
from wijkteam_stats.batch.params import ParameterError, validate_municipality, validate_parameters
from wijkteam_stats.batch.runner import JobResult, run_reports
from wijkteam_stats.cli import main
from wijkteam_stats.reference import paths, waves
from wijkteam_stats.reference import writers as atomic
from wijkteam_stats.reference.municipalities import register

NOTEBOOK = paths.NOTEBOOKS / runner.REPORT_NOTEBOOK


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A synthetic survey of about half the 2015 municipalities and an expectations table."""
    d = tmp_path_factory.mktemp("batch_inputs")
    codes = [c for i, c in enumerate(register(2015)["gm_code"]) if i % 2 == 0 or c == "GM0363"]
    codes = [c for c in codes if c != "GM0010"]  # Delfzijl does not take part
    tidy = fake_tidy(codes, seed=7, overrides={
        "GM0363": {**teams_answers(30, {"wijkbewoners": ["meedoen"]}), "toelichting": SCRIPT},
        "GM0005": {"has_teams": "nee_gepland"},
    })
    survey = d / "SYNTHETIC_test_survey_2015.parquet"
    tidy.to_parquet(survey)
    mark_provenance(survey, synthetic=True)  # synthetic by its provenance record (the name plays no part)
    exp = d / "expected_by_municipality_2015.csv"
    fake_expectations().to_csv(exp, index=False)
    return survey, exp


@pytest.fixture(scope="module", autouse=True)
def fixed_build_date():
    """Reports print their build date; pin it so runs on both sides of midnight compare equal."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    yield
    if old is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = old


# --------------------------------------------------------------------------- parameters


def test_municipality_code_is_validated_not_silently_an_integer():
    from papermill.cli import _resolve_type

    assert _resolve_type("0363") == 363  # what `papermill -p municipality_code 0363` delivers
    for value in (363, "0363", "GM0363", 363.0, "amsterdam", "Gemeente Amsterdam"):
        assert validate_municipality(value, 2015) == "GM0363"
    assert validate_municipality(3, 2015) == "GM0003"
    assert validate_municipality("den bosch", 2015) == "GM0796"
    assert validate_municipality("GM0265", 2015) == "GM0241"  # a 2014 code: merged into Groesbeek
    assert validate_municipality("De Fryske Marren", 2015) == "GM1921"
    for bad, msg in (("Bergen", "ambiguous"), ("Atlantis", "unknown"), (True, "CBS code"), ("", "CBS code"),
                     (363.5, "not a CBS code"), ("GM1979", "did not exist")):
        with pytest.raises(ParameterError, match=msg):
            validate_municipality(bad, 2015)


def test_validate_parameters(inputs, tmp_path):
    survey, exp = inputs
    p = validate_parameters({"municipality_code": 363, "wave": "2015", "survey_path": str(survey),
                             "output_dir": str(tmp_path), "expectations_path": str(exp)})
    assert p == {"municipality_code": "GM0363", "wave": 2015, "survey_path": str(survey),
                 "output_dir": str(tmp_path), "expectations_path": str(exp), "free_text_path": None}
    assert validate_parameters(p) == p  # idempotent: the notebook re-validates what the runner passes
    with pytest.raises(ParameterError, match="unknown report parameter"):
        validate_parameters({"municipality_code": 363, "municipalty": 1})
    with pytest.raises(ParameterError, match="wave 1999"):
        validate_parameters({"municipality_code": 363, "wave": 1999})
    with pytest.raises(ParameterError, match="survey_path"):
        validate_parameters({"municipality_code": 363, "survey_path": str(tmp_path / "none.parquet")})
    with pytest.raises(ParameterError, match="read-only"):
        validate_parameters({"municipality_code": 363, "survey_path": str(survey),
                             "output_dir": str(paths.RAW / "x")})


def test_report_notebook_is_committed_clean_and_parameterised():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    names = set(re.findall(r"^(\w+) =", params[0].source, flags=re.M))
    assert names == {"municipality_code", "wave", "survey_path", "output_dir", "expectations_path", "free_text_path"}
    assert "validate_parameters" in code[1].source  # validation is the first thing that runs


# --------------------------------------------------------------------------- atomic writes


def test_atomic_write_leaves_nothing_half_written(tmp_path, monkeypatch):
    target = tmp_path / "GM0363.html"
    atomic.atomic_write_text(target, "old")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.atomic_write_text(target, "new " * 1000)
    monkeypatch.undo()
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["GM0363.html"]
    # only temporaries of processes that no longer run are removed: another run's files are left alone
    import subprocess
    import sys
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f".GM0003.html.{dead}.abc123.tmp"
    alive = tmp_path / f".GM0004.html.{os.getppid()}.abc123.tmp"
    unowned = tmp_path / ".GM0005.html.abc123.tmp"
    for p in (stale, alive, unowned):
        p.write_text("half")
    assert atomic.remove_stale_temporaries(tmp_path) == [stale] and not stale.exists()
    assert alive.exists() and unowned.exists()
    os.utime(unowned, (0, 0))  # an old one without a process id counts as abandoned
    assert atomic.remove_stale_temporaries(tmp_path) == [unowned]


# --------------------------------------------------------------------------- runner logic (fake executor)


class FakeExecutor:
    """Builds instantly: writes the numbers file like the notebook would, fails for ``fail``."""

    def __init__(self, fail=()):
        self.fail = set(fail)
        self.calls: list[list[str]] = []

    def run(self, payloads, notebook, on_result, stop=None, on_start=None):
        self.calls.append([p["gm_code"] for p in payloads])
        for p in payloads:
            if p["gm_code"] in self.fail:
                on_result(JobResult(p["gm_code"], p["name"], "failed", 0.1, 4, "RuntimeError: kapot"))
                continue
            staged = Path(p["parameters"]["output_dir"]) / "data" / f"{p['gm_code']}.json"
            atomic.atomic_write_text(staged, json.dumps({"gm_code": p["gm_code"]}))
            on_result(JobResult(p["gm_code"], p["name"], "built", 0.1, html=f"<html>{p['gm_code']}</html>"))


def _summary(out: Path) -> dict[str, dict]:
    with open(out / "reports" / "run_summary.csv", encoding="utf-8") as fh:
        return {r["gm_code"]: r for r in csv.DictReader(fh)}


def test_runner_is_incremental_records_and_survives_failures(inputs, tmp_path, monkeypatch):
    survey, exp = inputs
    exp_copy = tmp_path / "expected.csv"
    exp_copy.write_bytes(exp.read_bytes())
    fake = FakeExecutor()
    monkeypatch.setattr("wijkteam_stats.batch.runner.make_executor", lambda *a, **k: fake)
    kw = {"survey_path": survey, "expectations_path": exp_copy, "outputs_dir": tmp_path / "out", "progress": False,
          "log": None}
    out = tmp_path / "out"
    codes = ["GM0363", "0003", "den bosch"]

    first = run_reports(codes, 2015, **kw)
    assert (first.built, first.skipped, first.failed, first.exit_code) == (3, 0, 0, 0)
    assert fake.calls == [["GM0363", "GM0003", "GM0796"]]
    assert (out / "reports" / "2015" / "GM0796.html").read_text() == "<html>GM0796</html>"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == waves.REPORT_SEED and manifest["package_versions"]["pandas"]
    assert re.fullmatch(r"[0-9a-f]{40}", manifest["git_commit"] or "") and "git_dirty" in manifest
    section = manifest["reports"]["2015"]
    item = section["items"]["GM0363"]
    assert item["parameters"]["municipality_code"] == "GM0363" and item["parameters"]["wave"] == 2015
    assert item["html"] == "reports/2015/GM0363.html" and len(item["key"]) == 64
    assert section["inputs"][str(survey)] == runner.file_sha256(survey)
    recorded = section["input_sets"][item["inputs"]]  # the files, plus notebook, code and package versions
    assert {k: v for k, v in recorded.items() if not k.startswith("(")} == section["inputs"]
    assert recorded["(code and templates)"] == section["code_sha256"]
    assert any(k.endswith("gemeente_2015_wgs84.geojson") for k in section["inputs"])

    second = run_reports(codes, 2015, **kw)
    assert second.line() == "0 rebuilt, 3 up to date, 0 failed" and len(fake.calls) == 1
    assert {r["status"] for r in _summary(out).values()} == {"skipped"}

    (out / "reports" / "2015" / "GM0003.html").unlink()  # a missing report is rebuilt, alone
    assert run_reports(codes, 2015, **kw).built == 1 and fake.calls[-1] == ["GM0003"]
    assert run_reports(codes, 2015, force=True, **kw).built == 3

    exp_copy.write_text(exp_copy.read_text().replace("GM0363", "GM0363", 1) + "\n")  # changed input file
    fake.fail = {"GM0003"}
    res = run_reports(codes, 2015, **kw)
    assert (res.built, res.failed, res.exit_code) == (2, 1, 1)
    rows = _summary(out)
    assert rows["GM0003"]["status"] == "failed" and rows["GM0003"]["error_cell"] == "4"
    assert rows["GM0003"]["error"] == "RuntimeError: kapot" and rows["GM0363"]["status"] == "built"
    # the last good report of older inputs is kept, marked stale (the site shows it as outdated)
    assert (out / "reports" / "2015" / "GM0003.html").read_text() == "<html>GM0003</html>"
    item = json.loads((out / "manifest.json").read_text())["reports"]["2015"]["items"]["GM0003"]
    assert item["stale"] is True and "RuntimeError: kapot" in item["stale_reason"]
    fake.fail = set()
    assert run_reports(codes, 2015, **kw).built == 1  # only the failed one is retried


def test_all_means_every_municipality_of_the_reference_date(inputs, tmp_path):
    survey, exp = inputs
    plan = runner.plan_jobs(None, 2015, survey_path=survey, expectations_path=exp, outputs_dir=tmp_path)
    assert len(plan.jobs) == 393 and len({j.key for j in plan.jobs}) == 393
    again = runner.plan_jobs(None, 2015, survey_path=survey, expectations_path=exp, outputs_dir=tmp_path)
    assert [j.key for j in again.jobs] == [j.key for j in plan.jobs]
    with pytest.raises(ParameterError, match="Atlantis"):
        runner.plan_jobs(["GM0363", "Atlantis"], 2015, survey_path=survey, outputs_dir=tmp_path)


# --------------------------------------------------------------------------- real kernels


def _outputs(html: str) -> dict[str, list[str]]:
    """Text and images of a report, separately (images are embedded as data URIs)."""
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    text = re.sub(r'src="data:image/png;base64,[^"]+"', 'src="IMG"', html)
    return {"text": [text], "images": images}


@pytest.fixture(scope="module")
def warm_a(inputs, tmp_path_factory):
    survey, exp = inputs
    out = tmp_path_factory.mktemp("warm_a")
    res = run_reports(["GM0363", "GM0010", "GM0005"], 2015, survey_path=survey, expectations_path=exp,
                      outputs_dir=out, workers=1, progress=False, log=None)
    assert res.built == 3, res.results
    return out


@pytest.mark.slow
def test_warm_kernels_equal_fresh_kernels_in_any_order(inputs, warm_a, tmp_path):
    survey, exp = inputs
    kw = {"survey_path": survey, "expectations_path": exp, "progress": False, "log": None}
    b = run_reports(["GM0005", "GM0010", "GM0363"], 2015, outputs_dir=tmp_path / "b", workers=1, **kw)
    c = run_reports(["GM0363", "GM0010", "GM0005"], 2015, outputs_dir=tmp_path / "c", workers=2,
                    engine="papermill", **kw)
    assert b.built == c.built == 3
    for code in ("GM0363", "GM0010", "GM0005"):
        reports = [Path(o) / "reports" / "2015" for o in (warm_a, tmp_path / "b", tmp_path / "c")]
        numbers = [json.loads((r / "data" / f"{code}.json").read_text()) for r in reports]
        assert numbers[0] == numbers[1] == numbers[2]
        html = [(r / f"{code}.html").read_text() for r in reports]
        a_, b_, c_ = (_outputs(h) for h in html)
        assert a_["text"] == b_["text"] == c_["text"]
        # two figures as PNG; the map is an inline SVG, part of the text compared above
        assert len(a_["images"]) == 2 and a_["images"] == b_["images"] == c_["images"]
        assert "".join(a_["text"]).count('class="wt-map"') == 1
        assert base64.b64decode(a_["images"][0])[:4] == b"\x89PNG"
    amsterdam = (Path(warm_a) / "reports" / "2015" / "GM0363.html").read_text()
    # synthetic data: the municipality's free text is never shown (not even escaped)
    assert "<script>alert" not in amsterdam and "alert(" not in amsterdam
    assert "SYNTHETISCHE gegevens" in amsterdam and "<title>Gemeenteprofiel Amsterdam" in amsterdam
    assert "validate_parameters" not in amsterdam  # no code cells
    delfzijl = (Path(warm_a) / "reports" / "2015" / "GM0010.html").read_text()
    assert "niet ingevuld" not in delfzijl and "niet deelgenomen" not in delfzijl  # no invented participation


@pytest.mark.slow
def test_second_run_rebuilds_nothing(inputs, warm_a):
    survey, exp = inputs
    lines = []
    res = run_reports(["GM0363", "GM0010", "GM0005"], 2015, survey_path=survey, expectations_path=exp,
                      outputs_dir=warm_a, progress=False, log=lines.append)
    assert res.line() == "0 rebuilt, 3 up to date, 0 failed" and res.seconds < 10
    assert lines[-1].startswith("0 rebuilt, 3 up to date")


@pytest.mark.slow
def test_one_broken_municipality_fails_alone(inputs, tmp_path):
    survey, exp = inputs
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    broken = nbformat.v4.new_code_cell('if params["municipality_code"] == "GM0005":\n'
                                       '    raise RuntimeError("deliberately broken for the test")')
    nb.cells.insert(3, broken)
    nb_path = tmp_path / "broken_profile.ipynb"
    nbformat.write(nb, str(nb_path))
    out = tmp_path / "out"
    rc = main(["reports", "--municipality", "GM0363", "GM0005", "Appingedam", "--notebook", str(nb_path),
               "--outputs", str(out), "--survey", str(survey), "--expectations", str(exp), "--workers", "1",
               "--no-progress"])
    assert rc == 1
    rows = _summary(out)
    assert {c: r["status"] for c, r in rows.items()} == {"GM0003": "built", "GM0005": "failed", "GM0363": "built"}
    assert rows["GM0005"]["error_cell"] == "3"
    assert rows["GM0005"]["error"] == "RuntimeError: deliberately broken for the test"
    assert not (out / "reports" / "2015" / "GM0005.html").exists()
    assert (out / "reports" / "2015" / "GM0003.html").is_file()
    leftovers = [p for p in (out / "reports" / "2015").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.slow
def test_dask_executor_builds_the_same_reports(inputs, warm_a, tmp_path):
    from distributed import LocalCluster

    survey, exp = inputs
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        res = run_reports(["GM0363", "GM0005"], 2015, survey_path=survey, expectations_path=exp,
                          outputs_dir=tmp_path, executor=address, progress=False, log=None)
    assert (res.built, res.failed) == (2, 0)
    for code in ("GM0363", "GM0005"):
        ours = (tmp_path / "reports" / "2015" / f"{code}.html").read_text()
        local = (Path(warm_a) / "reports" / "2015" / f"{code}.html").read_text()
        assert _outputs(ours) == _outputs(local)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["reports"]["2015"]["last_run"]["executor"] == address


def test_cli_refuses_unknown_municipality_before_running(inputs, tmp_path, capsys):
    survey, _ = inputs
    rc = main(["reports", "--municipality", "Atlantis", "--survey", str(survey), "--outputs", str(tmp_path)])
    assert rc == 2 and "Atlantis" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_copy_of_payload_is_json(inputs, tmp_path):
    survey, exp = inputs
    job = runner.plan_jobs(["GM0363"], 2015, survey_path=survey, expectations_path=exp, outputs_dir=tmp_path).jobs[0]
    payload = job.payload()
    assert json.loads(json.dumps(payload)) == copy.deepcopy(payload)
    nb = build.parameterized_notebook(NOTEBOOK.read_text(), job.parameters)
    injected = [i for i, c in enumerate(nb.cells) if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected == [2] and build.source_cell_index(nb, 4) == 3 and build.source_cell_index(nb, 1) == 1


@pytest.mark.slow
def test_warm_kernel_is_reset_between_notebooks():
    from wijkteam_stats.batch.warm import CellFailure, KernelPool

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import warnings, matplotlib, matplotlib.pyplot as plt\n"
                                  "print('secret' in dir(), len(Out), plt.get_fignums(), "
                                  "matplotlib.rcParams['lines.linewidth'])\n"
                                  "warnings.warn('elke keer')\n"
                                  "21 * 2"),
        nbformat.v4.new_code_cell("matplotlib.rcParams['lines.linewidth'] = 7\nfig = plt.figure()\nsecret = 1\nsecret"),
    ]
    dying = copy.deepcopy(nb)
    dying.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(1)"))

    def strip(executed):  # warnings name the kernel's process id: /tmp/ipykernel_<pid>/...
        return [[{k: re.sub(r"ipykernel_\d+", "ipykernel_N", v) if k == "text" else v
                  for k, v in o.items() if k != "execution_count"} | {"n": c.execution_count}
                 for o in c.outputs] for c in executed.cells]

    with KernelPool(1) as pool:
        with pool.kernel() as k:
            first = strip(k.execute(copy.deepcopy(nb)))
            second = strip(k.execute(copy.deepcopy(nb)))
            with pytest.raises(CellFailure) as err:
                k.execute(copy.deepcopy(dying))
            assert err.value.cell_index == 2 and err.value.ename == "DeadKernelError"
        with pool.kernel() as k:  # restarted by the pool
            third = strip(k.execute(copy.deepcopy(nb)))
    assert first == second == third
    printed = first[0][0]["text"]
    assert printed.startswith("False 0 [] ") and "elke keer" in first[0][1]["text"]
    assert [o["n"] for o in first[0] if "n" in o][-1] == 1 and first[1][0]["n"] == 2
