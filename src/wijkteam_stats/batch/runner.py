"""The report batch: plan one job per municipality, skip what is up to date, build the rest, record it all.

* A job's key is the SHA-256 of the notebook, its parameters, the hashes of every input file (survey table,
  CBS register files, codebook, boundaries, model expectations), the report code and the package versions.
  A report whose key matches the manifest and whose HTML exists is skipped (``--force`` rebuilds).
* Writes are atomic; ``outputs/manifest.json`` records git commit, parameters, input hashes, package
  versions and seed; ``outputs/reports/run_summary.csv`` lists every municipality of the run with its status
  (built / skipped / failed), seconds, failing cell and error. One failing report never stops the others.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from wijkteam_stats import __version__
from wijkteam_stats.batch.build import JobResult
from wijkteam_stats.batch.executors import make_executor
from wijkteam_stats.batch.params import (
    ParameterError,
    validate_municipality,
    validate_parameters,
    validate_wave,
)
from wijkteam_stats.reference import paths, provenance
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.provenance import git_state, is_synthetic, package_versions
from wijkteam_stats.reference.waves import REPORT_SEED as SEED
from wijkteam_stats.reference.waves import register_year
from wijkteam_stats.reference.writers import atomic_write_text, remove_stale_temporaries
from wijkteam_stats.report.maps import boundary_file

REPORT_NOTEBOOK = "03_municipality_profile.ipynb"
SUMMARY_COLUMNS = ["gm_code", "name", "status", "seconds", "error_cell", "error"]
ENGINES = ("warm", "papermill")
#: Distributions whose versions go into the key and the manifest.


# =========================================================================== data types


@dataclass(frozen=True)
class Job:
    """One report to build."""

    gm_code: str
    name: str
    wave: int
    parameters: dict[str, Any]
    html_path: Path
    data_path: Path
    key: str
    title: str

    def payload(self) -> dict[str, Any]:
        """A picklable, JSON-able description (for dask workers)."""
        d = asdict(self)
        d["html_path"], d["data_path"] = str(self.html_path), str(self.data_path)
        return d


@dataclass
class RunResult:
    """What a batch run did."""

    results: list[JobResult]
    summary_path: Path
    manifest_path: Path
    seconds: float
    engine: str
    workers: int

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def built(self) -> int:
        return self.count("built")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def exit_code(self) -> int:
        """0 when nothing failed, 1 otherwise."""
        return 1 if self.failed else 0

    def line(self) -> str:
        """One-line summary (``0 rebuilt, 393 up to date, 0 failed``)."""
        return f"{self.built} rebuilt, {self.skipped} up to date, {self.failed} failed"


# =========================================================================== hashing, versions


@lru_cache(maxsize=256)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (cached per process by path, size and modification time)."""
    st = Path(path).stat()
    return _file_sha256(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def _rel(path: Path) -> str:
    path = Path(path).resolve()
    try:
        return str(path.relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def input_files(wave: int, survey_path: str | Path, expectations_path: str | Path | None) -> list[Path]:
    """Every data file a report of ``wave`` reads (survey and its provenance sidecar, CBS register files,
    codebook, boundaries, published figures, model)."""
    files = [Path(survey_path), paths.CODEBOOK, boundary_file(register_year(wave))]
    files += [p for p in provenance.sidecar_paths(survey_path) if p.is_file()]
    if paths.published_file(wave).is_file():
        files.append(paths.published_file(wave))
    files += sorted(p for p in paths.RAW_CBS.glob("*.csv"))
    if expectations_path is not None and Path(expectations_path).is_file():
        files.append(Path(expectations_path))
    return files


def input_hashes(files: Iterable[Path]) -> dict[str, str]:
    """{project-relative path: sha256} of the input files."""
    return {_rel(p): file_sha256(p) for p in files}


#: Library modules whose code shapes a report's content (the report notebook imports these, directly or not).
REPORT_MODULES = ("__init__.py", "reference/paths.py", "reference/codebook.py", "reference/municipalities.py",
                  "reference/provenance.py", "reference/figures.py", "reference/waves.py", "reference/writers.py",
                  "reproduce/estimators.py", "reference/published.py", "report/maps.py", "report/numbers.py",
                  "report/profile.py", "report/render.py", "report/notebooks.py",
                  "batch/params.py", "batch/_kernel.py", "batch/build.py")


def code_files(raw_survey: bool = False) -> list[Path]:
    """Library files a report depends on: :data:`REPORT_MODULES`, the HTML template and, when the survey is a
    raw export cleaned on the fly, the cleaning package."""
    pkg = Path(__file__).resolve().parent.parent
    files = [pkg / m for m in REPORT_MODULES]
    templates = pkg / "report" / "templates"
    files += sorted(p for sub in ("wijkteam_html", "report") for p in (templates / sub).rglob("*") if p.is_file())
    files.append(templates / "wijkteam.css")
    if raw_survey:
        files += sorted(p for p in (pkg / "clean").rglob("*.py"))
    return [p for p in files if p.is_file()]


def code_sha256(raw_survey: bool = False) -> str:
    """One hash over the library code that shapes a report (see :func:`code_files`)."""
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent.parent
    for p in code_files(raw_survey):
        h.update(str(p.relative_to(pkg)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def job_key(notebook_sha: str, parameters: dict[str, Any], inputs: dict[str, str], code_sha: str,
            versions: dict[str, str], synthetic: bool = True) -> str:
    """The incremental-build key of one report (``synthetic``: whether the survey counts as synthetic, which
    decides the banner; it may come from a sidecar file whose other fields change with every commit)."""
    blob = json.dumps({"notebook": notebook_sha, "parameters": parameters, "inputs": inputs, "code": code_sha,
                       "versions": versions, "synthetic": synthetic}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


# =========================================================================== planning


@dataclass
class Plan:
    """Jobs of a run and the shared facts behind their keys."""

    wave: int
    notebook: Path
    notebook_sha: str
    outputs_dir: Path
    reports_dir: Path
    jobs: list[Job]
    inputs: dict[str, str]
    code_sha: str
    versions: dict[str, str]
    survey_path: str
    expectations_path: str | None


def wave_codes(wave: int) -> list[str]:
    """All municipality codes of the wave's reference date (393 for 2015)."""
    return register(register_year(wave))["gm_code"].astype(str).tolist()


def plan_jobs(codes: Iterable[Any] | None, wave: int = 2015, *, survey_path: str | Path | None = None,
              expectations_path: str | Path | None = None, outputs_dir: str | Path | None = None,
              notebook: str | Path | None = None) -> Plan:
    """Validate every requested municipality (codes, numbers or names) and build the job list.

    Raises :class:`~wijkteam_stats.batch.params.ParameterError` before anything runs when one is invalid.
    """
    wave = validate_wave(wave)
    outputs_dir = Path(outputs_dir).resolve() if outputs_dir else paths.OUTPUTS
    reports_dir = outputs_dir / "reports" / str(wave)
    nb_path = Path(notebook).resolve() if notebook else paths.NOTEBOOKS / REPORT_NOTEBOOK
    if not nb_path.is_file():
        raise FileNotFoundError(f"report notebook {nb_path} does not exist")
    requested = wave_codes(wave) if codes is None else list(codes)
    resolved: list[str] = []
    errors: list[str] = []
    for c in requested:
        try:
            resolved.append(validate_municipality(c, wave))
        except ParameterError as err:
            errors.append(str(err))
    if errors:
        raise ParameterError("; ".join(errors))
    resolved = list(dict.fromkeys(resolved))  # keep the requested order (the summary is sorted by code)
    base = validate_parameters({"municipality_code": resolved[0] if resolved else "GM0363", "wave": wave,
                                "survey_path": survey_path, "output_dir": str(reports_dir),
                                "expectations_path": expectations_path})
    inputs = input_hashes(input_files(wave, base["survey_path"], base["expectations_path"]))
    versions = package_versions()
    code = code_sha256(raw_survey=Path(base["survey_path"]).suffix.lower() != ".parquet")
    synthetic = is_synthetic(base["survey_path"])
    nb_sha = file_sha256(nb_path)
    names = register(register_year(wave)).set_index("gm_code")["name"]
    jobs = []
    for code_ in resolved:
        params = {**base, "municipality_code": code_}
        name = str(names.get(code_, code_))
        jobs.append(Job(
            gm_code=code_, name=name, wave=wave, parameters=params,
            html_path=reports_dir / f"{code_}.html", data_path=reports_dir / "data" / f"{code_}.json",
            key=job_key(nb_sha, params, inputs, code, versions, synthetic),
            title=f"Gemeenteprofiel {name}: sociale (wijk)teams {wave}",
        ))
    return Plan(wave, nb_path, nb_sha, outputs_dir, reports_dir, jobs, inputs, code, versions,
                base["survey_path"], base["expectations_path"])


# =========================================================================== manifest


def manifest_path(outputs_dir: Path) -> Path:
    return Path(outputs_dir) / "manifest.json"


def read_manifest(outputs_dir: Path) -> dict[str, Any]:
    """The manifest (empty structure when absent); other sections written by other steps are kept."""
    p = manifest_path(outputs_dir)
    if not p.is_file():
        return {}
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{p} is not valid JSON ({err}); delete it to rebuild every report") from err


def _section(manifest: dict[str, Any], wave: int) -> dict[str, Any]:
    return manifest.setdefault("reports", {}).setdefault(str(wave), {"items": {}})


def up_to_date(job: Job, manifest: dict[str, Any]) -> bool:
    """Whether the job's HTML and numbers exist and were built from exactly these inputs."""
    item = manifest.get("reports", {}).get(str(job.wave), {}).get("items", {}).get(job.gm_code)
    return bool(item) and item.get("key") == job.key and job.html_path.is_file() and job.data_path.is_file()


def write_manifest(outputs_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest atomically."""
    return atomic_write_text(manifest_path(outputs_dir),
                             json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def write_summary(path: Path, results: list[JobResult]) -> Path:
    """Write ``run_summary.csv`` (one row per municipality of the run, sorted by code) atomically."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in sorted(results, key=lambda r: r.gm_code):
        w.writerow(r.row())
    return atomic_write_text(path, buf.getvalue())


# =========================================================================== the run


def default_workers() -> int:
    """Workers when none are given: the number of CPUs (at most 8)."""
    return max(1, min(os.cpu_count() or 1, 8))


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    # In a terminal the bar redraws in place; in a log file (make all > log, CI) every redraw is a new line,
    # so there it updates at most every 15 s.
    interactive = sys.stderr.isatty()
    return tqdm(total=total, unit="report", disable=not enabled, file=sys.stderr, dynamic_ncols=True,
                smoothing=0.1, desc="reports", mininterval=0.1 if interactive else 15.0)


def run_reports(codes: Iterable[Any] | None = None, wave: int = 2015, *, survey_path: str | Path | None = None,
                expectations_path: str | Path | None = None, outputs_dir: str | Path | None = None,
                notebook: str | Path | None = None, workers: int | None = None, engine: str = "warm",
                executor: str | None = None, force: bool = False, progress: bool = True,
                log: Callable[[str], None] | None = print) -> RunResult:
    """Build the reports of ``codes`` (default: every municipality of the wave); see the module docstring.

    ``engine``: ``warm`` (pool of warm kernels, default) or ``papermill`` (a fresh kernel per report).
    ``executor``: None for the local pool, or ``dask://HOST:PORT`` / ``tcp://HOST:PORT`` for an existing
    dask.distributed scheduler.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    say = log or (lambda _msg: None)
    t_start = time.perf_counter()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    plan = plan_jobs(codes, wave, survey_path=survey_path, expectations_path=expectations_path,
                     outputs_dir=outputs_dir, notebook=notebook)
    for folder in (plan.reports_dir, plan.reports_dir / "data", plan.outputs_dir / "reports", plan.outputs_dir):
        remove_stale_temporaries(folder)
    manifest = read_manifest(plan.outputs_dir)
    results: dict[str, JobResult] = {}
    todo: list[Job] = []
    for job in plan.jobs:
        if not force and up_to_date(job, manifest):
            results[job.gm_code] = JobResult(job.gm_code, job.name, "skipped")
        else:
            todo.append(job)
    n_workers = max(1, min(int(workers or default_workers()), max(1, len(todo))))
    where = f"on {executor}" if executor else f"with {n_workers} local worker(s)"
    say(f"{len(plan.jobs)} reports (wave {plan.wave}): {len(plan.jobs) - len(todo)} up to date, "
        f"{len(todo)} to build {where}, engine {engine}")

    section = _section(manifest, plan.wave)
    git = git_state()
    section.update({
        "notebook": _rel(plan.notebook), "notebook_sha256": plan.notebook_sha, "inputs": plan.inputs,
        "code_sha256": plan.code_sha, "seed": _seed(), "survey_path": _rel(Path(plan.survey_path)),
        "expectations_path": _rel(Path(plan.expectations_path)) if plan.expectations_path else None,
    })
    manifest.update({"schema": 1, "package_versions": plan.versions, "seed": _seed(), "git_commit": git["commit"],
                     "git_dirty": git["dirty"], "wijkteam_stats_version": __version__})
    items = section.setdefault("items", {})
    # every item names the exact input files it was built from (several runs may have used different ones)
    inputs_id = hashlib.sha256(json.dumps(plan.inputs, sort_keys=True).encode()).hexdigest()[:16]
    input_sets = section.setdefault("input_sets", {})
    input_sets[inputs_id] = plan.inputs
    by_code = {j.gm_code: j for j in todo}
    bar = _progress(len(todo), progress and bool(todo))
    failed = 0
    since_flush = 0

    def on_result(res: JobResult) -> None:
        nonlocal failed, since_flush
        job = by_code[res.gm_code]
        if res.status == "built" and res.html is not None:
            atomic_write_text(job.html_path, res.html)
            res.html = None
            items[job.gm_code] = {
                "name": job.name, "key": job.key, "parameters": job.parameters,
                "html": _rel_to(job.html_path, plan.outputs_dir), "data": _rel_to(job.data_path, plan.outputs_dir),
                "html_sha256": file_sha256(job.html_path),
                "data_sha256": file_sha256(job.data_path) if job.data_path.is_file() else None,
                "inputs": inputs_id, "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "seconds": round(res.seconds, 3), "git_commit": git["commit"], "engine": engine,
            }
        else:
            failed += 1
            items.pop(job.gm_code, None)
            # a report that cannot be rebuilt must not survive with outdated content
            job.html_path.unlink(missing_ok=True)
            job.data_path.unlink(missing_ok=True)
        results[job.gm_code] = res
        bar.update(1)
        bar.set_postfix_str(f"done {bar.n - failed} | failed {failed} | remaining {bar.total - bar.n}",
                            refresh=False)
        since_flush += 1
        if since_flush >= 25:
            write_manifest(plan.outputs_dir, manifest)
            since_flush = 0

    runner = make_executor(executor, engine=engine, workers=n_workers, warm_wave=plan.wave)
    interrupted = False
    try:
        if todo:
            runner.run([j.payload() for j in todo], plan.notebook, on_result)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        bar.close()
        for job in todo:
            if job.gm_code not in results:
                results[job.gm_code] = JobResult(job.gm_code, job.name, "failed", 0.0, None,
                                                 "run interrupted before this report was built")
        section["last_run"] = {
            "started": started, "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine, "executor": executor or "local", "workers": n_workers, "force": force,
            "interrupted": interrupted,
            "built": sum(r.status == "built" for r in results.values()),
            "skipped": sum(r.status == "skipped" for r in results.values()),
            "failed": sum(r.status == "failed" for r in results.values()),
        }
        used = {item.get("inputs") for item in items.values()}
        for key in [k for k in input_sets if k not in used]:
            del input_sets[key]
        write_manifest(plan.outputs_dir, manifest)
        summary = write_summary(plan.outputs_dir / "reports" / "run_summary.csv", list(results.values()))
    out = RunResult(sorted(results.values(), key=lambda r: r.gm_code), summary, manifest_path(plan.outputs_dir),
                    time.perf_counter() - t_start, engine, n_workers)
    say(f"{out.line()} in {out.seconds:.1f} s; summary {summary}")
    for r in out.results:
        if r.status == "failed":
            say(f"  FAILED {r.gm_code} {r.name}: cell {r.error_cell}: {r.error}")
    return out


def _rel_to(path: Path, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(base).resolve()))
    except ValueError:
        return str(path)


def _seed() -> int:
    return SEED
