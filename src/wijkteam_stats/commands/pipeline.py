"""``wijkteam pipeline``: the whole job on the shipped data, in order (what ``make all`` runs)."""

from __future__ import annotations

import argparse
import time

HELP = "run every step on the shipped data: data, clean, audit, reproduce, models, trends, reports, site"


#: Steps whose failure does not stop the pipeline: a failed municipality report must not keep the site
#: (and the other 392 reports) from being published; the pipeline still exits non-zero at the end.
CONTINUE_AFTER_FAILURE = {"reports"}


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


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.commands import available_commands, main

    have = available_commands()
    failed: list[str] = []
    for cmd in steps(args.wave):
        if cmd[0] not in have:
            print(f"[pipeline] step '{cmd[0]}' is not part of this version; skipped")
            continue
        print(f"[pipeline] wijkteam {' '.join(cmd)}", flush=True)
        t0 = time.perf_counter()
        rc = main(cmd)
        print(f"[pipeline] {cmd[0]}: exit {rc} in {time.perf_counter() - t0:.1f} s", flush=True)
        if rc != 0:
            failed.append(cmd[0])
            if cmd[0] not in CONTINUE_AFTER_FAILURE:
                print(f"[pipeline] stopped: step '{cmd[0]}' failed", flush=True)
                return rc
    if failed:
        print(f"[pipeline] finished with failures in: {', '.join(failed)} (see outputs/reports/run_summary.csv)")
        return 1
    return 0
