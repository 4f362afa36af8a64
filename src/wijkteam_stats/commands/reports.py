"""``wijkteam reports``: one HTML report per municipality (notebook 03), incremental and fault-tolerant."""

from __future__ import annotations

import argparse
import sys

HELP = "build the per-municipality HTML reports (all municipalities of the wave, or the ones named)"
DESCRIPTION = (
    "Build outputs/reports/<wave>/GMxxxx.html from notebooks/03_municipality_profile.ipynb. Reports whose "
    "inputs did not change are skipped (--force rebuilds); a failing municipality is recorded in "
    "outputs/reports/run_summary.csv and the others still run (exit status 1 when any failed). "
    "outputs/manifest.json records git commit, parameters, input hashes, package versions and seed. "
    "A failed rebuild keeps the last good report (marked stale). One run at a time per outputs folder: a "
    "second run waits (see --wait). Ctrl-C: no new reports start, running ones finish and are recorded; "
    "Ctrl-C again quits at once."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wijkteam_stats.commands.survey_provenance import add_provenance_arguments

    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every municipality of the wave's reference date")
    which.add_argument("--municipality", nargs="+", action="extend", metavar="CODE_OR_NAME",
                       help="CBS code (any year 2014-2025), number or name; repeatable")
    p.add_argument("--wave", type=int, default=2015)
    p.add_argument("--workers", type=int, default=None,
                   help="parallel workers (default: number of CPUs, at most 8)")
    p.add_argument("--executor", default=None, metavar="dask://HOST:PORT",
                   help="run the jobs on an existing dask.distributed scheduler (default: local pool, no server)")
    p.add_argument("--engine", choices=["warm", "papermill"], default="warm",
                   help="warm: a pool of warm kernels (default); papermill: a fresh kernel per report")
    p.add_argument("--force", action="store_true", help="rebuild reports that are up to date")
    p.add_argument("--survey", default=None, metavar="PATH",
                   help="survey file (default: data/processed/survey_<wave>.parquet)")
    add_provenance_arguments(p)
    p.add_argument("--expectations", default=None, metavar="PATH",
                   help="size-model expectations (default: outputs/tables/models/expected_by_municipality_<wave>.csv)")
    p.add_argument("--notebook", default=None, metavar="PATH",
                   help="report notebook (default: notebooks/03_municipality_profile.ipynb)")
    p.add_argument("--outputs", default=None, metavar="DIR", help="outputs folder (default: outputs/)")
    p.add_argument("--publish-free-text", default=None, metavar="REVIEWED.csv", dest="publish_free_text",
                   help="reviewed list (columns wave,gm_code,column,text) of the masked free-text answers that may be "
                        "published, cell by cell; without it no free-text answer appears in a report")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="when another run uses the outputs folder, wait at most this long (0: do not wait); "
                        "default: wait until it has finished")


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.batch.inputs import SharedInputError
    from wijkteam_stats.batch.lock import OutputsBusy, OutputsNotWritable
    from wijkteam_stats.batch.params import ParameterError
    from wijkteam_stats.batch.runner import run_reports
    from wijkteam_stats.commands.survey_provenance import survey_with_provenance
    from wijkteam_stats.reference import paths
    from wijkteam_stats.reference.provenance import ProvenanceError

    survey = args.survey
    try:
        if survey is not None:  # a file without a provenance record needs --provenance (recorded in the outputs)
            survey = str(survey_with_provenance(args, survey, args.outputs or paths.OUTPUTS))
    except (ProvenanceError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        result = run_reports(
            None if args.all else args.municipality, args.wave, survey_path=survey,
            expectations_path=args.expectations, outputs_dir=args.outputs, notebook=args.notebook,
            workers=args.workers, engine=args.engine, executor=args.executor, force=args.force,
            progress=not args.no_progress, wait=args.wait, free_text_path=args.publish_free_text,
        )
    except (ParameterError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (SharedInputError, OutputsBusy, OutputsNotWritable) as err:
        print(f"error: {err}; no report was built or deleted", file=sys.stderr)
        return 1
    return result.exit_code
