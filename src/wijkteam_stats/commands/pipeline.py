"""``wijkteam pipeline``: the whole job on the shipped data, in order (what ``make all`` runs).

``--wave all`` runs every shipped wave (settings, published figures and a SYNTHETIC export: 2014, 2015, 2017):
data; per wave clean, audit and reproduce; models and municipality reports for the waves whose questions
support them (the resident-involvement grid: 2015); trends across waves; the site.

Every step is skipped when the hashes of its inputs are unchanged since it last succeeded: the input files
(raw data it reads, or the outputs of earlier steps it builds on), the code it runs (its sub-packages and
notebook) and its command line. The hashes are kept in one small JSON stamp per step under
``outputs/.stamps/`` (written atomically, only after the step succeeded), and a step whose outputs are gone
runs again. ``--force`` ignores the stamps. Hashing and the "up to date" decision are those of
:mod:`wijkteam_stats.reference.freshness`, the module the report manifest uses too. The site step always runs:
it checks itself which reports are current. The whole pipeline holds the outputs lock (``--wait``), so a
second pipeline waits or refuses instead of running every step at the same time.

The terminal shows one line per step, the progress bar of the long step (the reports) and a closing
summary; what each step prints goes to ``outputs/logs/pipeline_<wave>.log`` (with ``--verbose`` it stays on
the terminal). Warnings and errors on stderr are never hidden, and a failing step's last log lines are shown.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HELP = "run every step on the shipped data: data, clean, audit, reproduce, models, trends, reports, site"

#: Steps whose failure does not stop the pipeline: a failed municipality report must not keep the site
#: (and the other 392 reports) from being published; the pipeline still exits non-zero at the end.
CONTINUE_AFTER_FAILURE = {"reports"}
#: Steps that always run: the site decides itself which reports are current (it hashes their inputs again), so
#: it is never skipped on a stamp (cheap: a few seconds).
ALWAYS_RUN = {"site"}
#: Steps that draw a progress bar (on stderr): their line is printed before they start.
LONG_STEPS = {"reports"}
#: Lines of a failing step's output shown on the terminal.
TAIL_LINES = 15

#: Sub-packages (code) each step runs, besides ``reference`` and ``commands`` (always).
STEP_CODE = {
    "data": (),
    "clean": ("clean",),
    "audit": ("reproduce",),
    "reproduce": ("clean", "reproduce", "report"),
    "models": ("clean", "reproduce", "reconstruct", "models", "report"),
    "trends": ("clean", "reproduce", "report"),
    "reports": ("clean", "reproduce", "reconstruct", "models", "report", "batch"),
    "site": ("report", "batch"),
}


@dataclass(frozen=True)
class Step:
    """One pipeline step: its command line, the files it reads, the notebook it runs and what it writes."""

    argv: tuple[str, ...]
    inputs: tuple[Path, ...]
    outputs: tuple[Path, ...]

    @property
    def name(self) -> str:
        return self.argv[0]

    @property
    def key(self) -> str:
        wave = next((a for a in self.argv if a.isdigit()), "all")
        return f"{self.name}_{wave}"


def _waves(wave: str) -> list[int]:
    from wijkteam_stats.reference.waves import shipped_waves

    if wave == "all":
        return shipped_waves()
    return [int(wave)]


def _asks_grid(wave: int) -> bool:
    """Whether the wave asked the resident-involvement grid (what the models and reports are about)."""
    from wijkteam_stats.reference.codebook import load_codebook

    return any(v.type == "grid" for v in load_codebook().for_wave(wave).variables)


def plan(wave: str | int, free_text: str | Path | None = None) -> list[Step]:
    """The pipeline of one wave or of ``all`` shipped waves, as steps with their inputs and outputs
    (``free_text``: the reviewed list passed to the reports as ``--publish-free-text``)."""
    from wijkteam_stats.reference import paths

    waves = _waves(str(wave))
    raw_common = (paths.CODEBOOK, paths.WAVES, paths.RAW_CBS)
    html, tables = paths.OUTPUTS / "html", paths.TABLES
    steps = [Step(("data",), (paths.RAW_CBS, paths.RAW_PUBLISHED, paths.CODEBOOK, paths.WAVES),
                  (paths.PROCESSED / "municipalities_2015.csv",))]
    for w in waves:
        survey = paths.synthetic_survey_file(w)
        cleaned = paths.processed_survey_file(w, synthetic=True)
        published = paths.published_file(w)
        steps += [
            Step(("clean", str(survey), "--wave", str(w)), (survey, *raw_common), (cleaned,)),
            Step(("audit", "--wave", str(w)), (published, paths.PUBLISHED_VOCABULARY, *raw_common),
                 (tables / f"consistency_audit_{w}.csv",)),
            Step(("reproduce", "--wave", str(w)), (survey, cleaned, published, paths.PUBLISHED_VOCABULARY,
                                                   *raw_common, paths.NOTEBOOKS / "01_reproduce_movisie.ipynb"),
                 (html / f"01_reproduce_movisie_{w}.html", tables / f"reproduction_scorecard_{w}.csv")),
        ]
        if _asks_grid(w):
            steps.append(Step(("models", "--wave", str(w)), (survey, cleaned, *raw_common,
                                                            paths.NOTEBOOKS / "02_involvement_vs_size.ipynb"),
                              (html / f"02_involvement_vs_size_{w}.html",)))
    report_waves = [w for w in waves if _asks_grid(w)]
    steps.append(Step(("trends",), (paths.RAW_PUBLISHED, paths.RAW_SURVEY, paths.PROCESSED, *raw_common,
                                    paths.NOTEBOOKS / "04_trends_across_waves.ipynb"),
                      (html / "04_trends_across_waves.html",)))
    release = () if free_text is None else (Path(free_text).resolve(),)
    for w in report_waves:
        steps.append(Step(("reports", "--all", "--wave", str(w),
                           *(("--publish-free-text", str(release[0])) if release else ())),
                          (*release, paths.synthetic_survey_file(w), paths.processed_survey_file(w, synthetic=True),
                           tables / "models" / f"expected_by_municipality_{w}.csv", *raw_common, paths.RAW_GEO,
                           paths.RAW_PUBLISHED,
                           paths.NOTEBOOKS / "03_municipality_profile.ipynb"),
                          (paths.OUTPUTS / "manifest.json", paths.REPORTS / "run_summary.csv")))
    # the site's main index (index.html) is always the latest wave with reports of all shipped waves: a
    # one-wave pipeline (--wave 2014) adds index_2014.html and never turns index.html into another wave's
    site_wave = site_main_wave()
    cite_inputs = (paths.TABLES, paths.PROCESSED, paths.RAW / "datapackage_fields.yaml", paths.RAW / "licences.yaml",
                   paths.ROOT / "CITATION.cff")  # the methods page's citation and outputs/datapackage.json
    steps.append(Step(("site", "--wave", str(site_wave)), (html, paths.OUTPUTS / "manifest.json", *raw_common,
                                                           paths.RAW_PUBLISHED, paths.RAW / "zelfscan", *cite_inputs),
                      (paths.SITE / "index.html", paths.SITE / "zelfscan.html", paths.OUTPUTS / "datapackage.json")))
    return steps


def site_main_wave() -> int:
    """The wave of the site's ``index.html``: the latest shipped wave whose questions support reports."""
    shipped = _waves("all")
    with_reports = [w for w in shipped if _asks_grid(w)]
    return (with_reports or shipped)[-1]


def steps(wave: int | str) -> list[list[str]]:
    """The pipeline as a list of ``wijkteam`` command lines."""
    return [list(s.argv) for s in plan(wave)]


# --------------------------------------------------------------------------- input hashes


def input_hashes(step: Step) -> dict[str, str]:
    """sha256 of every input file, of the code the step runs and of its command line (keys are relative;
    hashed by :mod:`wijkteam_stats.reference.freshness`, the one module for "up to date" decisions)."""
    from wijkteam_stats.reference import freshness, paths

    pkg = Path(__file__).resolve().parents[1]
    code = [pkg / "reference", pkg / "commands", pkg / "cli.py", *(pkg / p for p in STEP_CODE.get(step.name, ()))]
    freshness.forget()  # steps write files that later steps read: hash what is on disk now
    out = freshness.hash_files((*step.inputs, *code), [("package/", pkg), ("", paths.ROOT)])
    out["argv"] = hashlib.sha256("\0".join(step.argv).encode()).hexdigest()
    return dict(sorted(out.items()))


def stamp_path(step: Step) -> Path:
    from wijkteam_stats.reference import paths

    return paths.OUTPUTS / ".stamps" / f"{step.key}.json"


def up_to_date(step: Step, hashes: dict[str, str]) -> bool:
    """True when the step's stamp records exactly these input hashes and its outputs still exist."""
    from wijkteam_stats.reference.freshness import stamp_changes

    return not stamp_changes(stamp_path(step), hashes, step.outputs)


def write_stamp(step: Step, hashes: dict[str, str]) -> Path:
    from wijkteam_stats.reference import freshness

    return freshness.write_stamp(stamp_path(step), hashes, step=list(step.argv))


# --------------------------------------------------------------------------- command


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wave", default="2015", help="a wave (2014, 2015, 2017) or 'all' shipped waves (default 2015)")
    p.add_argument("--force", action="store_true", help="run every step even when its inputs are unchanged")
    p.add_argument("--verbose", action="store_true", help="show every step's own output instead of logging it")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="when another run uses the outputs folder, wait at most this long (0: refuse at once); "
                        "default: wait until it has finished")
    p.add_argument("--publish-free-text", default=None, metavar="REVIEWED.csv", dest="publish_free_text",
                   help="reviewed list of masked free-text answers the reports may show (passed to `reports`); "
                        "without it no free-text answer is published")


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{seconds:.1f} s"


def _run_step(argv: list[str], log: io.TextIOBase | None) -> int:
    """Run one ``wijkteam`` command; its stdout goes to ``log`` (None: the terminal)."""
    from wijkteam_stats.commands import main

    if log is None:
        return main(argv)
    log.write(f"$ wijkteam {' '.join(argv)}\n")
    log.flush()
    with contextlib.redirect_stdout(log):
        try:
            return main(argv)
        finally:
            sys.stdout.flush()


def _tail(path: Path, start: int) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")[start:]
    return "\n".join("    " + line for line in text.splitlines()[-TAIL_LINES:])


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.batch.lock import OutputsBusy, OutputsNotWritable, outputs_lock
    from wijkteam_stats.reference import paths

    wave = str(args.wave).strip().lower()
    if wave != "all" and not wave.isdigit():
        print(f"error: --wave must be a year or 'all', not {args.wave!r}", file=sys.stderr)
        return 2
    try:  # one writer at a time: the whole pipeline (all its steps) holds the outputs lock, taken first
        with outputs_lock(paths.OUTPUTS, timeout=getattr(args, "wait", None),
                          command=f"wijkteam pipeline --wave {wave}"):
            return _run_locked(args, wave)
    except (OutputsBusy, OutputsNotWritable) as err:
        print(f"error: {err}; no step was run", file=sys.stderr)
        return 1


def _run_locked(args: argparse.Namespace, wave: str) -> int:
    from wijkteam_stats.commands import available_commands
    from wijkteam_stats.reference import paths

    try:
        free_text = getattr(args, "publish_free_text", None)
        todo = plan(wave) if free_text is None else plan(wave, free_text)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    have = available_commands()
    missing = [step.name for step in todo if step.name not in have]
    todo = [step for step in todo if step.name in have]
    verbose = getattr(args, "verbose", False)
    log_path = paths.ensure_dir(paths.OUTPUTS / "logs") / f"pipeline_{wave}.log"
    failed: list[str] = []
    skipped = 0
    t_all = time.perf_counter()
    with contextlib.ExitStack() as stack:
        log = None if verbose else stack.enter_context(log_path.open("w", encoding="utf-8"))
        for i, step in enumerate(todo, 1):
            label = f"[{i}/{len(todo)}] {' '.join(a for a in step.argv if not a.startswith('/'))}"
            label = label if len(label) <= 40 else label[:39] + "…"
            hashes = input_hashes(step)
            if not getattr(args, "force", False) and step.name not in ALWAYS_RUN and up_to_date(step, hashes):
                print(f"{label:<40} skipped (inputs unchanged)", flush=True)
                skipped += 1
                continue
            own_line = step.name in LONG_STEPS or log is None
            print(f"{label} ..." if own_line else f"{label:<40} ", end="\n" if own_line else "", flush=True)
            start = log.tell() if log is not None else 0
            t0 = time.perf_counter()
            rc = _run_step(list(step.argv), log)
            took = _duration(time.perf_counter() - t0)
            status = "ok" if rc == 0 else f"FAILED (exit {rc})"
            print(f"{label:<40} {status}, {took}" if own_line else f"{status}, {took}", flush=True)
            if rc != 0:
                failed.append(step.name)
                stamp_path(step).unlink(missing_ok=True)
                if log is not None:
                    log.flush()
                    print(_tail(log_path, start), file=sys.stderr, flush=True)
                if rc >= 128:  # stopped by Ctrl-C / SIGTERM: the user wants the pipeline to stop too
                    print(f"Stopped: step '{step.name}' was interrupted", flush=True)
                    return rc
                if step.name not in CONTINUE_AFTER_FAILURE:
                    print(f"Stopped: step '{step.name}' failed" + ("" if log is None else f"; its output is in "
                                                                   f"{log_path}"), flush=True)
                    return rc
                continue
            write_stamp(step, input_hashes(step))
    out = paths.OUTPUTS
    done = len(todo) - len(failed) - skipped
    print(f"Done in {_duration(time.perf_counter() - t_all)}: {done} of {len(todo)} steps run"
          + (f", {skipped} skipped (inputs unchanged)" if skipped else "")
          + (f", {len(failed)} failed" if failed else "")
          + (f"; not in this version: {', '.join(missing)}" if missing else "") + ".")
    print(f"  reports: {out / 'reports'}   site: {out / 'site' / 'index.html'}")
    print(f"  figures: {out / 'figures'}   tables: {out / 'tables'}   html: {out / 'html'}")
    if not verbose:
        print(f"  log of every step: {log_path}")
    if failed:
        print(f"Failures in: {', '.join(failed)} (see outputs/reports/run_summary.csv and the log)")
        return 1
    return 0
