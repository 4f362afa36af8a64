"""``wijkteam models``: resident involvement against municipality size (notebook 02 via papermill)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "model resident involvement against municipality size (tables, figures, code-free HTML)"
DESCRIPTION = (
    "Runs notebooks/02_involvement_vs_size.ipynb with papermill: logistic, count, ordinal and negative-"
    "binomial models of resident involvement on municipality size, non-response weights, a design analysis "
    "and a known-truth recovery check. Writes outputs/tables/models/, outputs/figures/ and "
    "outputs/html/02_involvement_vs_size_<wave>.html. Without --survey the shipped SYNTHETIC reconstruction "
    "is used; pass the real export with --survey and nothing else changes."
)
NOTEBOOK = "02_involvement_vs_size"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wijkteam_stats.commands.survey_provenance import add_provenance_arguments

    p.add_argument("--wave", type=int, default=2015, help="survey wave (default 2015)")
    p.add_argument("--survey", default=None, metavar="PATH",
                   help="survey export (CSV/XLSX/SAV) or cleaned .parquet; default: the shipped synthetic file")
    p.add_argument("--output-dir", default=None, metavar="DIR", help="output folder (default outputs/)")
    p.add_argument("--replications", type=int, default=None, metavar="N",
                   help="known-truth recovery replications (default 200, at least 200 for the 93-97 %% check)")
    p.add_argument("--power-replications", type=int, default=None, metavar="N",
                   help="simulations per point of the power curve (default 500)")
    p.add_argument("--hc-type", default=None, choices=["HC0", "HC1", "HC2", "HC3"],
                   help="robust standard errors (default HC3)")
    p.add_argument("--seed", type=int, default=None, help="seed of the simulations (default 2015)")
    add_provenance_arguments(p)


def parameters(args: argparse.Namespace) -> dict:
    """The papermill parameters for the notebook (absolute paths; only options given are passed)."""
    from wijkteam_stats.reference import paths

    params: dict = {"wave": int(args.wave)}
    survey = Path(args.survey).expanduser().resolve() if args.survey else paths.synthetic_survey_file(args.wave)
    params["survey_path"] = str(survey)
    params["output_dir"] = str(Path(args.output_dir).expanduser().resolve()) if args.output_dir else str(paths.OUTPUTS)
    for name, key in (("replications", "n_replications"), ("power_replications", "power_replications"),
                      ("hc_type", "hc_type"), ("seed", "seed")):
        value = getattr(args, name, None)
        if value is not None:
            params[key] = value
    return params


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.report import notebooks

    params = parameters(args)
    survey = Path(params["survey_path"])
    if not survey.is_file():
        print(f"error: survey file not found: {survey}", file=sys.stderr)
        return 1
    if args.survey:  # a file without a provenance record needs --provenance (recorded in the outputs)
        from wijkteam_stats.commands.survey_provenance import survey_with_provenance
        from wijkteam_stats.reference.provenance import ProvenanceError

        try:
            params["survey_path"] = str(survey_with_provenance(args, survey, params["output_dir"]))
        except ProvenanceError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    if args.replications is not None and args.replications < 1:
        print("error: --replications must be at least 1", file=sys.stderr)
        return 2
    stem = f"{NOTEBOOK}_{args.wave}"
    title = f"Bewonersbetrokkenheid en gemeentegrootte ({args.wave})"
    try:
        executed, html = notebooks.run_and_export(NOTEBOOK, params, Path(params["output_dir"]), stem=stem,
                                                  title=title)
    except Exception as err:  # papermill raises PapermillExecutionError naming the failing cell
        if type(err).__name__ != "PapermillExecutionError":
            raise
        print(f"error: notebook {NOTEBOOK} failed: {err}", file=sys.stderr)
        return 1
    print(f"notebook: {executed}")
    print(f"html:     {html}")
    print(f"tables:   {Path(params['output_dir']) / 'tables' / 'models'}")
    print(f"figures:  {Path(params['output_dir']) / 'figures'}")
    return 0
