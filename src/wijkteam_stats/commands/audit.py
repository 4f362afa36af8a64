"""``wijkteam audit``: the consistency audit of a wave's published figures (integer feasibility)."""

from __future__ import annotations

import argparse

HELP = "check the published figures against each other in whole municipalities; write the audit table"
DESCRIPTION = (
    "For every published figure, list the integer counts it allows (given its base and qualifier), then "
    "check the figures against each other (G32 split, base of the mean, G32 mean and Rotterdam, the "
    "involvement table). Writes outputs/tables/consistency_audit_<wave>.csv and prints a summary."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wave", type=int, default=2015, help="survey wave (default 2015)")
    p.add_argument("--published", default=None, help="published-figures CSV (default: the shipped file of the wave)")
    p.add_argument("--out-dir", default=None, help="folder for the table (default outputs/tables)")
    p.add_argument("--lang", choices=["nl", "en"], default="nl", help="language of the printed summary")


def run(args: argparse.Namespace) -> int:
    import sys

    from wijkteam_stats.reference.published import PublishedFileError
    from wijkteam_stats.reproduce.audit import audit_markdown, run_audit, write_audit

    try:
        path = write_audit(args.wave, args.out_dir, args.published)
        audit = run_audit(args.wave, args.published)
    except (PublishedFileError, KeyError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(audit_markdown(audit, lang=args.lang))
    print(f"audit table: {path}")
    return 1 if (audit["status"] == "inconsistent").any() else 0
