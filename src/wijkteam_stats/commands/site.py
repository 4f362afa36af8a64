"""``wijkteam site``: the static site in outputs/site from the reports and notebook HTML that exist."""

from __future__ import annotations

import argparse

HELP = "build the static site outputs/site (index of municipalities, national reports, methods page)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wave", type=int, default=2015)
    p.add_argument("--outputs", default=None, metavar="DIR", help="outputs folder (default: outputs/)")
    p.add_argument("--site", default=None, metavar="DIR", help="site folder (default: <outputs>/site)")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="when a report run uses the outputs folder, wait at most this long (default: until done)")


def run(args: argparse.Namespace) -> int:
    import sys

    from wijkteam_stats.batch.lock import OutputsBusy, OutputsNotWritable, outputs_lock
    from wijkteam_stats.reference import paths
    from wijkteam_stats.report.datapackage import DatapackageError
    from wijkteam_stats.report.site import build_site

    try:  # not while a report run writes to the same outputs folder
        with outputs_lock(args.outputs or paths.OUTPUTS, timeout=args.wait, command="wijkteam site"):
            res = build_site(args.wave, outputs_dir=args.outputs, site_dir=args.site)
    except (OutputsBusy, OutputsNotWritable, DatapackageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"site {res.index} ({res.reports} of {res.municipalities} municipality reports)")
    for page in res.missing_pages:
        print(f"  {page}: source report not built yet; placeholder page written")
    return 0
