"""``wijkteam codebook suggest``: a reviewable overlay mapping a new export's headers and values to the codebook."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "propose a codebook overlay (YAML) that maps a new export's headers and answer labels to the codebook"
DESCRIPTION = (
    "Read an unknown survey export and write a reviewable overlay file: every header and every unknown answer "
    "label of a choice question mapped to a codebook variable / option by fuzzy matching of question texts and "
    "labels, with a confidence, and the unmatched ones listed. Review it, then run "
    "'wijkteam clean EXPORT --wave W --codebook-overlay FILE'."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s = sub.add_parser("suggest", help="write an overlay proposal for an export")
    s.add_argument("export", metavar="EXPORT", help="the survey export")
    s.add_argument("--wave", type=int, required=True, help="survey wave, e.g. 2015")
    s.add_argument("--out", default=None, help="overlay file to write (default: <EXPORT>.overlay.yaml)")
    s.add_argument("--sheet", default=None, help="worksheet of a workbook")
    s.add_argument("--structure", default=None, metavar="FILE.lss", help="LimeSurvey survey structure file")


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.clean import SurveyFileError
    from wijkteam_stats.clean.overlay import suggest_overlay, write_overlay

    out = Path(args.out) if args.out else Path(args.export).with_suffix(".overlay.yaml")
    try:
        proposal = suggest_overlay(args.export, args.wave, sheet=args.sheet, structure=args.structure)
    except SurveyFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyError as err:  # a wave the codebook does not know
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    write_overlay(proposal, out)
    heads = proposal["headers"]
    sure = sum(1 for h in heads.values() if h["confidence"] >= 1.0)
    print(f"overlay: {out}")
    print(f"  headers known to the codebook: {sure}; fuzzy suggestions to review: {len(heads) - sure}; "
          f"unmatched: {len(proposal['unmatched']['headers'])}")
    print(f"  answer values suggested: {sum(len(v) for v in proposal['values'].values())}; unmatched: "
          f"{sum(len(v) for v in proposal['unmatched']['values'].values())}")
    return 0
