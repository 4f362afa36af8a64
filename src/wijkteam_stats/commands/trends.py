"""``wijkteam trends``: trends across survey waves (notebook 04 via papermill) and its code-free HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "trends across waves: published national figures over time, tests of each change, merger-stable panel"
DESCRIPTION = (
    "Runs notebooks/04_trends_across_waves.ipynb with papermill: every figure published for more than one wave "
    "as a national trend with Wilson intervals from the published bases, a test of each change (independent "
    "samples, with finite-population correction where the population is known), and the respondents mapped to "
    "the 2025 municipalities. Writes outputs/tables/trends/, outputs/figures/trends_*.png|svg and "
    "outputs/html/04_trends_across_waves.html. The municipality-level panel is shown only when every wave's "
    "survey file is real data (--survey WAVE=PATH); on the shipped SYNTHETIC files it is withheld."
)
NOTEBOOK = "04_trends_across_waves"


def _survey(text: str) -> tuple[int, str]:
    wave, sep, path = text.partition("=")
    if not sep or not wave.strip().isdigit() or not path.strip():
        raise argparse.ArgumentTypeError(f"expected WAVE=PATH (e.g. 2015=export.xlsx), got {text!r}")
    return int(wave), path.strip()


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wijkteam_stats.commands.survey_provenance import add_provenance_arguments

    p.add_argument("--survey", action="append", type=_survey, default=None, metavar="WAVE=PATH",
                   help="survey export of a wave (repeat per wave); default: the shipped SYNTHETIC exports")
    p.add_argument("--published-dir", default=None, metavar="DIR",
                   help="folder of the published-figures files movisie_<wave>.csv (default data/raw/published)")
    p.add_argument("--output-dir", default=None, metavar="DIR", help="output folder (default outputs/)")
    add_provenance_arguments(p)


def parameters(args: argparse.Namespace) -> dict:
    """The papermill parameters (absolute paths; survey paths as a {wave: path} dict when given)."""
    from wijkteam_stats.reference import paths

    params: dict = {
        "published_dir": str(Path(args.published_dir).expanduser().resolve() if args.published_dir
                             else paths.RAW_PUBLISHED),
        "output_dir": str(Path(args.output_dir).expanduser().resolve() if args.output_dir else paths.OUTPUTS),
        "survey_paths": None,
    }
    if args.survey:
        params["survey_paths"] = {str(w): str(Path(p).expanduser().resolve()) for w, p in args.survey}
    return params


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.commands.survey_provenance import survey_with_provenance
    from wijkteam_stats.reference.provenance import ProvenanceError
    from wijkteam_stats.report.notebooks import run_and_export
    from wijkteam_stats.reproduce.trends import build_trends

    params = parameters(args)
    try:  # a file without a provenance record needs --provenance (recorded in the outputs)
        if params["survey_paths"]:
            params["survey_paths"] = {w: str(survey_with_provenance(args, p, params["output_dir"]))
                                      for w, p in params["survey_paths"].items()}
    except (ProvenanceError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:  # check the inputs before starting a kernel: a clear error instead of a failed notebook
        result = build_trends(params["published_dir"], params["survey_paths"])
    except (FileNotFoundError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        executed, html = run_and_export(NOTEBOOK, params, Path(params["output_dir"]), stem=NOTEBOOK,
                                        title="Trends over de metingen van Movisie")
    except Exception as err:  # papermill raises PapermillExecutionError with the failing cell
        print(f"error: the trends notebook failed: {err}", file=sys.stderr)
        return 1
    n_trends = result.trends.groupby(["variable", "category", "breakdown", "statistic"]).ngroups
    tested = int(result.changes["p_value"].notna().sum())
    print(f"waves:     {', '.join(map(str, result.waves))}")
    print(f"trends:    {n_trends} figures published in more than one wave; {tested} of "
          f"{len(result.changes)} changes tested")
    print("panel:     " + ("withheld (SYNTHETIC or missing survey data)" if result.panel is None
                           else f"{result.panel['gm_code_2025'].nunique()} municipalities of 2025"))
    print(f"tables:    {Path(params['output_dir']) / 'tables' / 'trends'}")
    print(f"notebook:  {executed}")
    print(f"report:    {html}")
    return 0
