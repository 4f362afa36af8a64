"""``wijkteam reproduce``: run the reproduction notebook (papermill) and export its code-free HTML report."""

from __future__ import annotations

import argparse
import sys
import time

HELP = "recompute every published figure of a wave: scorecard, figures, executed notebook and HTML report"
NOTEBOOK = "01_reproduce_movisie"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wijkteam_stats.commands.survey_provenance import add_provenance_arguments

    p.add_argument("--wave", type=int, default=2015, help="survey wave (default 2015)")
    p.add_argument("--survey", default=None, metavar="PATH",
                   help="raw survey export (default: the shipped SYNTHETIC reconstruction of the wave)")
    p.add_argument("--published", default=None, metavar="PATH",
                   help="published-figures file (default data/raw/published/movisie_<wave>.csv)")
    p.add_argument("--output-dir", default=None, metavar="DIR", help="output folder (default outputs/)")
    add_provenance_arguments(p)


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.commands.survey_provenance import survey_with_provenance
    from wijkteam_stats.reference import paths
    from wijkteam_stats.reference.provenance import is_synthetic
    from wijkteam_stats.report.notebooks import run_and_export
    from wijkteam_stats.reproduce.scorecard import (
        failing_targets,
        read_scorecard,
        reproduction_inputs,
        scorecard_path,
        status_counts,
    )

    try:
        survey = args.survey
        if survey is not None:  # a file without a provenance record needs --provenance (recorded in the outputs)
            survey = str(survey_with_provenance(args, survey, args.output_dir or paths.OUTPUTS))
        inputs = reproduction_inputs(args.wave, survey, args.published, args.output_dir)
    except (FileNotFoundError, ValueError) as err:  # ProvenanceError is a ValueError
        print(f"error: {err}", file=sys.stderr)
        return 2
    params = {"wave": inputs.wave, "survey_path": str(inputs.survey_path),
              "published_path": str(inputs.published_path), "output_dir": str(inputs.output_dir)}
    synthetic = is_synthetic(inputs.survey_path)
    title = f"Reproductie Movisie-cijfers, meting {inputs.wave}" + (" (SYNTHETISCHE gegevens)" if synthetic else "")
    t0 = time.perf_counter()
    try:
        executed, html = run_and_export(NOTEBOOK, params, inputs.output_dir,
                                        stem=f"{NOTEBOOK}_{inputs.wave}", title=title)
    except Exception as err:  # papermill raises PapermillExecutionError with the failing cell
        print(f"error: the reproduction notebook failed: {err}", file=sys.stderr)
        return 1
    table = scorecard_path(inputs.wave, inputs.output_dir)
    sc = read_scorecard(table)
    counts = status_counts(sc)
    print(f"survey:    {inputs.survey_path}{' (SYNTHETIC)' if synthetic else ''}")
    print(f"scorecard: {table}")
    print(f"figures:   {inputs.output_dir / 'figures'}")
    print(f"notebook:  {executed}")
    print(f"report:    {html}")
    print(f"status:    {counts['match']} match, {counts['mismatch']} mismatch, "
          f"{counts['not_reproducible']} not reproducible ({len(sc)} rows, {time.perf_counter() - t0:.1f} s)")
    bad = failing_targets(sc, inputs.wave)
    if len(bad):
        print(f"error: {len(bad)} numeric figure(s) of wave {inputs.wave} not reproduced:", file=sys.stderr)
        for r in bad.itertuples(index=False):
            print(f"  {r.finding_id}: published {r.published_value:g}, reproduced "
                  f"{'–' if r.reproduced_value != r.reproduced_value else f'{r.reproduced_value:.2f}'}; {r.reason}",
                  file=sys.stderr)
        return 1
    return 0
