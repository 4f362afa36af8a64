"""``wijkteam pipeline``: the whole job on the shipped data, in order (what ``make all`` runs).

The terminal shows one line per step, the progress bar of the long step (the reports) and a closing
summary; what each step prints goes to ``outputs/logs/pipeline_<wave>.log`` (with ``--verbose`` it stays on
the terminal). Warnings and errors on stderr are never hidden; a failing step's last log lines are shown.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

HELP = "run every step on the shipped data: data, clean, audit, reproduce, models, trends, reports, site"


#: Steps whose failure does not stop the pipeline: a failed municipality report must not keep the site
#: (and the other 392 reports) from being published; the pipeline still exits non-zero at the end.
CONTINUE_AFTER_FAILURE = {"reports"}
#: Steps that draw a progress bar (on stderr): their line is printed before they start.
LONG_STEPS = {"reports"}
#: Lines of a failing step's output shown on the terminal.
TAIL_LINES = 15


def steps(wave: int) -> list[list[str]]:
    """The pipeline as a list of ``wijkteam`` command lines."""
    from wijkteam_stats.reference import paths

    survey = str(paths.synthetic_survey_file(wave))
    return [
        ["data"],
        ["clean", survey, "--wave", str(wave)],
        ["audit", "--wave", str(wave)],
        ["reproduce", "--wave", str(wave)],
        ["models", "--wave", str(wave)],
        ["trends"],
        ["reports", "--all", "--wave", str(wave)],
        ["site", "--wave", str(wave)],
    ]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wave", type=int, default=2015)
    p.add_argument("--verbose", action="store_true", help="show every step's own output instead of logging it")


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{seconds:.1f} s"


def _run_step(cmd: list[str], log: io.TextIOBase | None) -> int:
    """Run one ``wijkteam`` command; its stdout goes to ``log`` (None: the terminal)."""
    from wijkteam_stats.commands import main

    if log is None:
        return main(cmd)
    log.write(f"$ wijkteam {' '.join(cmd)}\n")
    log.flush()
    with contextlib.redirect_stdout(log):
        try:
            return main(cmd)
        finally:
            sys.stdout.flush()


def _tail(path: Path, start: int) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")[start:]
    return "\n".join("    " + line for line in text.splitlines()[-TAIL_LINES:])


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.commands import available_commands
    from wijkteam_stats.reference import paths

    have = available_commands()
    todo = [cmd for cmd in steps(args.wave) if cmd[0] in have]
    skipped = [cmd[0] for cmd in steps(args.wave) if cmd[0] not in have]
    log_path = paths.ensure_dir(paths.OUTPUTS / "logs") / f"pipeline_{args.wave}.log"
    failed: list[str] = []
    t_all = time.perf_counter()
    with contextlib.ExitStack() as stack:
        log = None if args.verbose else stack.enter_context(log_path.open("w", encoding="utf-8"))
        for i, cmd in enumerate(todo, 1):
            label = f"[{i}/{len(todo)}] {cmd[0]}"
            long = cmd[0] in LONG_STEPS
            print(f"{label} ..." if long or log is None else f"{label:<16}", end="\n" if long or log is None
                  else "", flush=True)
            start = log.tell() if log is not None else 0
            t0 = time.perf_counter()
            rc = _run_step(cmd, log)
            took = _duration(time.perf_counter() - t0)
            status = "ok" if rc == 0 else f"FAILED (exit {rc})"
            print(f"{label:<16}{status}, {took}" if long or log is None else f"{status}, {took}", flush=True)
            if rc != 0:
                failed.append(cmd[0])
                if log is not None:
                    log.flush()
                    print(_tail(log_path, start), file=sys.stderr, flush=True)
                if cmd[0] not in CONTINUE_AFTER_FAILURE:
                    print(f"Stopped: step '{cmd[0]}' failed; full output in {log_path}", flush=True)
                    return rc
    out = paths.OUTPUTS
    print(f"Done in {_duration(time.perf_counter() - t_all)}: {len(todo) - len(failed)} of {len(todo)} steps ok"
          + (f", skipped (not in this version): {', '.join(skipped)}" if skipped else "") + ".")
    print(f"  reports: {out / 'reports' / str(args.wave)}   site: {out / 'site' / 'index.html'}")
    print(f"  figures: {out / 'figures'}   tables: {out / 'tables'}")
    if log is not None:
        print(f"  log of every step: {log_path}")
    if failed:
        print(f"Failures in: {', '.join(failed)} (see outputs/reports/run_summary.csv and the log)")
        return 1
    return 0
