"""The report batch: plan one job per municipality, skip what is up to date, build the rest, record it all.

* One run at a time per outputs folder (:mod:`.lock`), taken before any planning; a second run waits (or
  gives up after ``wait`` s; ``0``: at once).
* Shared inputs (codebook, CBS files, boundaries, published figures, survey table and provenance,
  expectations) are checked once before any report runs (:mod:`.inputs`); an unusable one stops the run
  before anything is built, recorded or deleted.
* A job's key is the SHA-256 of the notebook, its parameters, the hashes of every input file (survey table,
  CBS register files, codebook, boundaries, published figures, model expectations), the report code and
  templates and the package versions, each input hashed once per run (:mod:`wijkteam_stats.reference.freshness`,
  the one module for "up to date" decisions, shared with the pipeline's stamps). A report is skipped only when
  its record has this key and its HTML and JSON on disk still have the recorded hashes (``--force``
  rebuilds); :func:`report_status` makes the same decision for ``wijkteam site``.
* A report is its HTML and its JSON together: the notebook writes the numbers to a staging folder; only when
  the HTML exists too are both moved into place and then recorded (:mod:`.manifest`: one journal line per
  report, folded into ``manifest.json`` at the end). A report that fails keeps its last good files; if they
  are outdated its record is marked ``stale`` with the reason. The run then exits non-zero.
* SIGINT/SIGTERM: no new report starts, running ones finish and are recorded, the summary lists the rest as
  ``not started``; a second signal exits at once (kernels killed, their connection files removed).
* ``outputs/manifest.json`` records git commit, parameters, input hashes, package versions and seed;
  ``outputs/reports/run_summary.csv`` lists every municipality of the run with the run id and its status
  (built / skipped / failed / not started / interrupted), seconds, failing cell and error; it is written
  when the run starts (``pending``), so it never describes an earlier run, also after a kill or a full disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wijkteam_stats import __version__
from wijkteam_stats.batch.build import JobResult
from wijkteam_stats.batch.executors import make_executor
from wijkteam_stats.batch.inputs import (
    SharedInputError,
    check_codebook,
    check_register,
    validate_shared_inputs,
)
from wijkteam_stats.batch.lock import OutputsNotWritable, outputs_lock
from wijkteam_stats.batch.manifest import (
    SCHEMA,
    build_time,
    load_manifest,
    manifest_path,
    record_item,
    recover_items,
    section,
    sha256_of,
    update_manifest,
    verify_item,
)
from wijkteam_stats.batch.params import (
    ParameterError,
    validate_municipality,
    validate_parameters,
    validate_wave,
)
from wijkteam_stats.batch.warm import kill_live_kernels
from wijkteam_stats.reference import freshness, paths, provenance
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.provenance import git_state, is_synthetic, package_versions
from wijkteam_stats.reference.waves import REPORT_SEED as SEED
from wijkteam_stats.reference.waves import register_year
from wijkteam_stats.reference.writers import (
    CorruptFileError,
    pid_alive,
    read_json,
    remove_stale_temporaries,
    safe_to_csv,
    write_temporary,
)
from wijkteam_stats.report.free_text import ReleaseListError, load_release
from wijkteam_stats.report.maps import boundary_file

REPORT_NOTEBOOK = "03_municipality_profile.ipynb"
#: Folder (inside the wave's report folder) where a report's numbers are written while it is built; they
#: are moved beside the HTML only when both exist, so a report is its HTML and its JSON together.
STAGING = ".staging"
SUMMARY_COLUMNS = ["run_id", "gm_code", "name", "status", "seconds", "error_cell", "error"]
#: Status of a report in the summary written when a run starts (still so after a kill or a full disk).
PENDING = "pending"
PENDING_NOTE = "this run had not finished this report (still running, or it was killed)"
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
    signum: int | None = None

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
        """0 when nothing failed, 1 when a report failed, 128 + signal number when a signal stopped it."""
        if self.signum is not None:
            return 128 + self.signum
        return 1 if self.failed else 0

    def line(self) -> str:
        """One-line summary (``0 rebuilt, 393 up to date, 0 failed``; ``, 12 not started`` after a stop)."""
        text = f"{self.built} rebuilt, {self.skipped} up to date, {self.failed} failed"
        stopped = self.count("not started") + self.count("interrupted")
        return text + (f", {stopped} not started" if stopped else "")


# =========================================================================== hashing, versions


#: SHA-256 of a file, cached per process by path, size and modification time (:mod:`.freshness`).
file_sha256 = freshness.file_sha256


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
                  "report/profile.py", "report/render.py", "report/notebooks.py", "report/figure_cache.py",
                  "clean/deidentify.py", "clean/deduce_finder.py", "report/free_text.py", "batch/params.py",
                  "batch/_kernel.py", "batch/build.py")


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


def input_set(inputs: dict[str, str], notebook_sha: str, code_sha: str, versions: dict[str, str],
              synthetic: bool) -> dict[str, str]:
    """Everything a report is built from, as one ``{name: sha256}`` record (data files, notebook, library code
    and templates, package versions, the synthetic flag): what the manifest records and
    :func:`~wijkteam_stats.reference.freshness.changes` compares with what is on disk now."""
    return {**inputs, "(notebook)": notebook_sha, "(code and templates)": code_sha,
            "(package versions)": freshness.digest(versions), "(synthetic)": freshness.text_sha256(str(synthetic))}


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
    #: everything the reports are built from (:func:`input_set`), recorded per item in the manifest
    sources: dict[str, str] | None = None


def wave_codes(wave: int) -> list[str]:
    """All municipality codes of the wave's reference date (393 for 2015)."""
    return register(register_year(wave))["gm_code"].astype(str).tolist()


def plan_jobs(codes: Iterable[Any] | None, wave: int = 2015, *, survey_path: str | Path | None = None,
              expectations_path: str | Path | None = None, outputs_dir: str | Path | None = None,
              notebook: str | Path | None = None, validate: bool = True,
              free_text_path: str | Path | None = None) -> Plan:
    """Validate every requested municipality (codes, numbers or names) and (``validate``) every shared input,
    hash the inputs once and build the job list.

    ``free_text_path``: the reviewed list that releases free-text answers (checked here; its hash is an input).

    Raises :class:`~wijkteam_stats.batch.params.ParameterError` or
    :class:`~wijkteam_stats.batch.inputs.SharedInputError` before anything runs when one is invalid.
    """
    freshness.forget()  # hash what is on disk now, once for this run
    check_codebook()
    wave = validate_wave(wave)
    if validate:
        check_register(wave)  # before the register is used to resolve codes
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
    try:
        base = validate_parameters({"municipality_code": resolved[0] if resolved else "GM0363", "wave": wave,
                                    "survey_path": survey_path, "output_dir": str(reports_dir),
                                    "expectations_path": expectations_path,
                                    "free_text_path": free_text_path})
    except CorruptFileError as err:  # e.g. the cleaned table's provenance record
        raise SharedInputError(str(err)) from None
    if validate:
        validate_shared_inputs(wave, base["survey_path"], base["expectations_path"])
    inputs = input_hashes(input_files(wave, base["survey_path"], base["expectations_path"]))
    if base["free_text_path"] is not None:
        try:
            load_release(base["free_text_path"])
        except ReleaseListError as err:
            raise ParameterError(f"--publish-free-text: {err}") from None
        inputs.update(input_hashes([Path(base["free_text_path"])]))
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
                base["survey_path"], base["expectations_path"],
                input_set(inputs, nb_sha, code, versions, synthetic))


# =========================================================================== manifest helpers


def read_manifest(outputs_dir: Path, say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The manifest (empty when absent; repaired when corrupt, see :mod:`.manifest`)."""
    return load_manifest(outputs_dir, say)


def up_to_date(job: Job, manifest: dict[str, Any], outputs_dir: Path | None = None) -> bool:
    """Whether the job's record has its key, is not stale, and its HTML and JSON on disk have the recorded
    hashes (a report whose files or inputs differ from its record is never skipped)."""
    item = manifest.get("reports", {}).get(str(job.wave), {}).get("items", {}).get(job.gm_code)
    if not item or item.get("key") != job.key or item.get("stale"):
        return False
    base = outputs_dir if outputs_dir is not None else job.html_path.parent.parent.parent
    return verify_item(item, base) is None


def new_run_id() -> str:
    """A run's id: UTC start time (the real clock), process id and a random part, e.g.
    ``20261207T081500Z-4242-9f3a1c`` (two runs of one process within a second differ too)."""
    from datetime import UTC, datetime

    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}-{secrets.token_hex(3)}"


def write_summary(path: Path, results: list[JobResult], run_id: str = "") -> Path:
    """Write ``run_summary.csv`` (one row per municipality of the run, sorted by code, each with the run id),
    atomically and formula-safe."""
    rows = [{"run_id": run_id, **r.row()} for r in sorted(results, key=lambda r: r.gm_code)]
    return safe_to_csv(pd.DataFrame(rows, columns=SUMMARY_COLUMNS), path)


def start_summary(path: Path, jobs: list[Job], skipped: set[str], run_id: str) -> Path:
    """The summary of a run that has just started: the old one is removed first (it never describes an
    earlier run), then every report is ``skipped`` or ``pending`` (so after a kill or a full disk the file
    still describes this run, and claims nothing was built). :class:`OutputsNotWritable` when it cannot be
    written."""
    try:
        path.unlink(missing_ok=True)
        paths.ensure_dir(path.parent)
        return write_summary(path, [JobResult(j.gm_code, j.name, "skipped") if j.gm_code in skipped
                                    else JobResult(j.gm_code, j.name, PENDING, 0.0, None, PENDING_NOTE)
                                    for j in jobs], run_id)
    except OSError as err:
        raise OutputsNotWritable(f"cannot write the run summary {path} ({err.strerror or err}); nothing was "
                                 "built") from None


# =========================================================================== signals


class _Stop:
    """SIGINT/SIGTERM while a run is going: the first stops launching reports (running ones finish), the
    second exits at once (after a quick summary and removing kernel files), never during a report's commit."""

    def __init__(self, say: Callable[[str], None], on_hard_exit: Callable[[int], None]):
        self.event = threading.Event()
        self.signum: int | None = None
        self.committing = False
        self.exit_pending: int | None = None
        self._say = say
        self._on_hard_exit = on_hard_exit
        self._old: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.event.is_set():
            if self.committing:
                self.exit_pending = signum
                return
            self.hard_exit(signum)
        self.signum = signum
        self.event.set()
        name = signal.Signals(signum).name
        with contextlib.suppress(RuntimeError):  # a print interrupted by the signal cannot be re-entered
            self._say(f"\n{name}: stopping; no new reports start, running ones finish and are recorded "
                      "(press Ctrl-C again to quit at once)")

    def hard_exit(self, signum: int) -> None:
        try:
            self._on_hard_exit(signum)
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.write(f"\n{signal.Signals(signum).name} again: quit at once\n")
                sys.stderr.flush()
            os._exit(128 + signum)

    def end_commit(self) -> None:
        self.committing = False
        if self.exit_pending is not None:
            self.hard_exit(self.exit_pending)


RUNTIME_PREFIX = "wijkteam-run-"


def _remove_dead_runtime_dirs(base: Path) -> None:
    """Remove private temporary folders (kernel connection files) of runs that no longer run."""
    for d in base.glob(f"{RUNTIME_PREFIX}*"):
        try:
            pid = int(d.name[len(RUNTIME_PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(d, ignore_errors=True)


@contextmanager
def private_tempdir() -> Iterator[Path]:
    """A private (0700) temporary folder for the run, used as the process's temp dir meanwhile: kernel
    connection files (they hold the kernel's HMAC key) land there and are removed with it at the end."""
    base = Path(tempfile.gettempdir())
    _remove_dead_runtime_dirs(base)
    old = tempfile.tempdir
    d = Path(tempfile.mkdtemp(prefix=f"{RUNTIME_PREFIX}{os.getpid()}-", dir=base))
    tempfile.tempdir = str(d)
    try:
        yield d
    finally:
        tempfile.tempdir = old
        shutil.rmtree(d, ignore_errors=True)


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
                log: Callable[[str], None] | None = print, wait: float | None = None,
                handle_signals: bool = True, free_text_path: str | Path | None = None) -> RunResult:
    """Build the reports of ``codes`` (default: every municipality of the wave); see the module docstring.

    ``engine``: ``warm`` (pool of warm kernels, default) or ``papermill`` (a fresh kernel per report).
    ``executor``: None for the local pool, or ``dask://HOST:PORT`` / ``tcp://HOST:PORT`` for an existing
    dask.distributed scheduler. ``wait``: seconds to wait for another run on the same outputs folder (None:
    as long as it takes; then :class:`~wijkteam_stats.batch.lock.OutputsBusy`). Raises
    :class:`~wijkteam_stats.batch.inputs.SharedInputError` (nothing built or deleted) when a shared input
    is unusable. ``free_text_path``: reviewed list releasing free-text answers (default: none is published).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    say = log or (lambda _msg: None)
    out_dir = Path(outputs_dir).resolve() if outputs_dir else paths.OUTPUTS
    summary = out_dir / "reports" / "run_summary.csv"
    # the lock first (``wait=0`` refuses before any planning), then the plan and the input checks under it
    with outputs_lock(out_dir, timeout=wait, command=f"wijkteam reports --wave {wave}", say=say):
        run_id = new_run_id()
        try:
            plan = plan_jobs(codes, wave, survey_path=survey_path, expectations_path=expectations_path,
                             outputs_dir=out_dir, notebook=notebook,
                             free_text_path=free_text_path)
        except (SharedInputError, ParameterError, FileNotFoundError):
            with contextlib.suppress(OSError):
                summary.unlink(missing_ok=True)  # this run built nothing: no summary of an earlier run stays
            raise
        return _run_locked(plan, engine=engine, executor=executor, workers=workers, force=force,
                           progress=progress, say=say, handle_signals=handle_signals, run_id=run_id)


def _run_locked(plan: Plan, *, engine: str, executor: str | None, workers: int | None, force: bool,
                progress: bool, say: Callable[[str], None], handle_signals: bool, run_id: str = "") -> RunResult:
    t_start = time.perf_counter()
    started = build_time()
    out_dir = plan.outputs_dir
    for folder in (plan.reports_dir, plan.reports_dir / "data", out_dir / "reports", out_dir):
        remove_stale_temporaries(folder)
    run_id = run_id or new_run_id()
    manifest = read_manifest(out_dir, say)
    items = section(manifest, plan.wave)["items"]
    results: dict[str, JobResult] = {}
    todo: list[Job] = []
    for job in plan.jobs:
        if not force and up_to_date(job, manifest, out_dir):
            results[job.gm_code] = JobResult(job.gm_code, job.name, "skipped")
        else:
            todo.append(job)
            item = items.get(job.gm_code)
            problem = verify_item(item, out_dir) if item and item.get("key") == job.key else None
            if problem and not force:
                say(f"  {job.gm_code}: rebuilt because {problem}")
    n_workers = max(1, min(int(workers or default_workers()), max(1, len(todo))))
    where = f"on {executor}" if executor else f"with {n_workers} local worker(s)"
    say(f"{len(plan.jobs)} reports (wave {plan.wave}): {len(plan.jobs) - len(todo)} up to date, "
        f"{len(todo)} to build {where}, engine {engine}")

    summary_path = out_dir / "reports" / "run_summary.csv"
    start_summary(summary_path, plan.jobs, {j.gm_code for j in plan.jobs} - {j.gm_code for j in todo}, run_id)
    git = git_state()
    # every item names exactly what it was built from (several runs may have used different inputs)
    sources = plan.sources or input_set(plan.inputs, plan.notebook_sha, plan.code_sha, plan.versions, True)
    inputs_id = freshness.digest(sources)[:16]

    def run_facts(m: dict[str, Any]) -> None:
        sec = section(m, plan.wave)
        sec.update({
            "notebook": _rel(plan.notebook), "notebook_sha256": plan.notebook_sha, "inputs": plan.inputs,
            "code_sha256": plan.code_sha, "seed": _seed(), "survey_path": _rel(Path(plan.survey_path)),
            "expectations_path": _rel(Path(plan.expectations_path)) if plan.expectations_path else None,
        })
        sec["input_sets"][inputs_id] = sources
        m.update({"schema": SCHEMA, "package_versions": plan.versions, "seed": _seed(),
                  "git_commit": git["commit"], "git_dirty": git["dirty"], "wijkteam_stats_version": __version__})

    update_manifest(out_dir, run_facts, say)
    staging = plan.reports_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)  # ours: the lock is held
    by_code = {j.gm_code: j for j in todo}
    running: set[str] = set()

    def final_results(abandoned: str) -> list[JobResult]:
        out = dict(results)
        for job in todo:
            if job.gm_code not in out:
                status = "interrupted" if job.gm_code in running else "not started"
                out[job.gm_code] = JobResult(job.gm_code, job.name, status, 0.0, None,
                                             abandoned if job.gm_code in running else "")
        return list(out.values())

    private: list[Path] = []

    def on_hard_exit(signum: int) -> None:
        kill_live_kernels()
        with contextlib.suppress(Exception):  # fold the journal of the reports built so far
            update_manifest(out_dir, lambda _m: None)
        for d in private:  # kernel connection files (HMAC keys)
            shutil.rmtree(d, ignore_errors=True)
        write_summary(summary_path, final_results("abandoned: the run was stopped at once"), run_id)
        shutil.rmtree(staging, ignore_errors=True)

    stop = _Stop(say, on_hard_exit)
    bar = _progress(len(todo), progress and bool(todo))
    failed = 0

    def commit(job: Job, res: JobResult) -> JobResult:
        """Publish HTML and JSON together, then record them; a failure returns a failed result."""
        staged = staging / "data" / f"{job.gm_code}.json"
        tmp_html = None
        try:
            numbers = read_json(staged, "report numbers")
            if not isinstance(numbers, dict) or numbers.get("gm_code") != job.gm_code:
                raise CorruptFileError(f"report numbers {staged} are not those of {job.gm_code}")
            tmp_html = write_temporary(job.html_path, res.html.encode("utf-8"))
            paths.ensure_dir(job.data_path.parent)
            stop.committing = True
            os.replace(staged, job.data_path)
            os.replace(tmp_html, job.html_path)
            tmp_html = None
            record = {
                "name": job.name, "key": job.key, "parameters": job.parameters,
                "html": _rel_to(job.html_path, out_dir), "data": _rel_to(job.data_path, out_dir),
                "html_sha256": sha256_of(job.html_path), "data_sha256": sha256_of(job.data_path),
                "inputs": inputs_id, "built_at": build_time(), "git_commit": git["commit"], "engine": engine,
            }
            record_item(out_dir, plan.wave, job.gm_code, record)  # one appended line, not a manifest rewrite
            return res
        except (OSError, CorruptFileError) as err:
            if tmp_html is not None:
                tmp_html.unlink(missing_ok=True)
            detail = err if isinstance(err, CorruptFileError) else f"{type(err).__name__}: {err}"
            return JobResult(job.gm_code, job.name, "failed", res.seconds, None,
                             f"could not publish the report: {detail}")
        finally:
            stop.end_commit()

    def on_result(res: JobResult) -> None:
        nonlocal failed
        job = by_code[res.gm_code]
        running.discard(job.gm_code)
        if res.status == "built" and res.html is not None:
            t0 = time.perf_counter()
            res = commit(job, res)
            res.stages["publish"] = time.perf_counter() - t0
            res.html = None
        if res.status != "built":
            failed += 1
            keep_last_good([job], f"rebuild failed on {build_time()[:10]}: {res.error}")
        results[job.gm_code] = res
        bar.update(1)
        bar.set_postfix_str(f"done {bar.n - failed} | failed {failed} | remaining {bar.total - bar.n}",
                            refresh=False)

    def keep_last_good(jobs: list[Job], reason: str) -> None:
        """Reports that were not rebuilt keep their last good files; outdated ones are marked stale."""
        def change(m: dict[str, Any]) -> None:
            its = section(m, plan.wave)["items"]
            for job in jobs:
                item = its.get(job.gm_code)
                if item is not None and verify_item(item, out_dir) is None:
                    if item.get("key") != job.key or item.get("stale"):
                        item.update({"stale": True, "stale_reason": reason})
                    continue
                its.pop(job.gm_code, None)
                if recover_items(out_dir, m, f"{reason}; these files match no record", plan.wave, [job.gm_code]):
                    continue  # plausible files without a (matching) record: kept, marked stale
                for p in (job.html_path, job.data_path):  # emptied or unreadable: not a report to publish
                    p.unlink(missing_ok=True)
        if not jobs:
            return
        try:
            update_manifest(out_dir, change)
        except OSError as err:
            say(f"  could not update the manifest for {', '.join(j.gm_code for j in jobs[:5])}: {err}")

    def on_start(code: str) -> None:
        running.add(code)

    exec_ = make_executor(executor, engine=engine, workers=n_workers, warm_wave=plan.wave)
    if handle_signals:
        stop.install()
    try:
        with private_tempdir() as tmp:
            private.append(tmp)
            if todo:
                payloads = []
                for j in todo:
                    p = j.payload()
                    p["parameters"] = {**p["parameters"], "output_dir": str(staging)}
                    payloads.append(p)
                exec_.run(payloads, plan.notebook, on_result, stop=stop.event, on_start=on_start)
    finally:
        stop.restore()
        bar.close()
        interrupted = stop.signum is not None
        final = final_results("interrupted")
        keep_last_good([by_code[r.gm_code] for r in final if r.status in ("not started", "interrupted")],
                       "not rebuilt: the run was stopped before this report")
        counts = {s: sum(r.status == s for r in final) for s in ("built", "skipped", "failed", "not started")}

        def last_run(m: dict[str, Any]) -> None:
            sec = section(m, plan.wave)
            sec["last_run"] = {
                "started": started, "finished": build_time(), "engine": engine, "executor": executor or "local",
                "workers": n_workers, "force": force, "interrupted": interrupted,
                **{k.replace(" ", "_"): v for k, v in counts.items()},
            }
            used = {item.get("inputs") for item in sec["items"].values()}
            for key in [k for k in sec["input_sets"] if k not in used]:
                del sec["input_sets"][key]

        try:
            summary = write_summary(summary_path, final, run_id)
        except OSError as err:  # full disk: the summary written at the start (this run, pending) stays
            say(f"could not write the run summary {summary_path} ({err.strerror or err}); it still lists this "
                f"run ({run_id}) as unfinished")
            summary = summary_path
        update_manifest(out_dir, last_run)
        shutil.rmtree(staging, ignore_errors=True)
    out = RunResult(sorted(final, key=lambda r: r.gm_code), summary, manifest_path(out_dir),
                    time.perf_counter() - t_start, engine, n_workers, stop.signum)
    say(f"{out.line()} in {out.seconds:.1f} s; summary {summary}")
    for r in out.results:
        if r.status == "failed":
            say(f"  FAILED {r.gm_code} {r.name}: cell {r.error_cell}: {r.error}")
    if interrupted:
        say(f"stopped by {signal.Signals(stop.signum).name}: {out.count('not started')} report(s) not started; "
            "the reports already built are recorded, earlier reports are kept")
    return out


# =========================================================================== is a published report current?

#: Dutch reasons shown on the site beside "verouderd".
STALE_NL = {
    "failed": "de laatste herbouw is mislukt of niet gedaan; dit is de laatste goede versie",
    "edited": "het rapport is gewijzigd na de bouw of onvolledig",
    "unknown": "niet bekend waaruit dit rapport is gebouwd",
    "unchecked": "de invoer kon niet worden gecontroleerd",
}
#: Dutch names of the entries of :func:`input_set` that are not files.
SOURCE_LABELS_NL = {"(notebook)": "het rapportnotebook", "(code and templates)": "de code en sjablonen",
                    "(package versions)": "de pakketversies", "(synthetic)": "de herkomst van de gegevens"}


def report_status(wave: int, outputs_dir: str | Path | None = None) -> dict[str, str] | None:
    """{code: Dutch reason} of every report of ``wave`` on disk that is *not* current: no usable record, files
    that differ from the record, a record marked stale, or inputs (code, templates, notebook, survey table,
    published figures, registers, boundaries, expectations, provenance) that hash differently now than when
    it was built. Codes of current reports are absent. None when the manifest cannot be read (the site names
    the file)."""
    out_dir = Path(outputs_dir).resolve() if outputs_dir else paths.OUTPUTS
    reports_dir = out_dir / "reports" / str(wave)
    try:
        data = read_json(manifest_path(out_dir), "manifest") if manifest_path(out_dir).is_file() else {}
    except CorruptFileError:
        return None
    sec = (data.get("reports") or {}).get(str(wave)) if isinstance(data, dict) else None
    items = sec.get("items") if isinstance(sec, dict) and isinstance(sec.get("items"), dict) else {}
    input_sets = sec.get("input_sets") if isinstance(sec, dict) and isinstance(sec.get("input_sets"), dict) else {}
    status: dict[str, str] = {}
    for html in sorted(reports_dir.glob("GM*.html")):
        if html.stem not in items:
            status[html.stem] = STALE_NL["unknown"]
    groups: dict[tuple[Any, Any], list[str]] = {}
    for code, item in items.items():
        if not isinstance(item, dict) or verify_item(item, out_dir) is not None:
            status[code] = STALE_NL["edited"]
        elif item.get("stale") or not item.get("key"):
            status[code] = STALE_NL["failed"] if item.get("key") else STALE_NL["unknown"]
        else:
            params = item.get("parameters") if isinstance(item.get("parameters"), dict) else {}
            groups.setdefault((params.get("survey_path"), params.get("expectations_path")), []).append(code)
    for (survey, expectations), codes in groups.items():
        try:
            plan = plan_jobs(codes, wave, survey_path=survey, expectations_path=expectations, outputs_dir=out_dir,
                             validate=False)
        except Exception:  # noqa: BLE001 - an input that cannot be read or hashed: nothing can be called current
            status.update({c: STALE_NL["unchecked"] for c in codes})
            continue
        for job in plan.jobs:
            item = items[job.gm_code]
            if item.get("key") != job.key:
                recorded = input_sets.get(item.get("inputs")) if isinstance(input_sets.get(item.get("inputs")),
                                                                            dict) else None
                status[job.gm_code] = (freshness.reason_nl(freshness.changes(recorded, plan.sources or {}),
                                                           SOURCE_LABELS_NL)
                                       or "gewijzigd sinds de bouw: de parameters van het rapport")
    return status


def _rel_to(path: Path, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(base).resolve()))
    except ValueError:
        return str(path)


def _seed() -> int:
    return SEED
