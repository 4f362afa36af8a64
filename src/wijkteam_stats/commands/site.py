"""``wijkteam site``: the static site in outputs/site from the reports and notebook HTML that exist.

Whoever publishes checks what is current: every report's recorded inputs are hashed again (the same check as
``wijkteam reports``, :func:`wijkteam_stats.batch.runner.report_status`); a report whose inputs changed,
whose record is gone or whose files were edited is shown "verouderd" with the reason.
"""

from __future__ import annotations

import argparse

HELP = "build the static site outputs/site (index of municipalities, national reports, methods page)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wave", type=int, default=2015)
    p.add_argument("--outputs", default=None, metavar="DIR", help="outputs folder (default: outputs/)")
    p.add_argument("--site", default=None, metavar="DIR", help="site folder (default: <outputs>/site)")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="when a report run uses the outputs folder, wait at most this long (0: refuse at once; "
                        "default: until done)")


def run(args: argparse.Namespace) -> int:
    import contextlib
    import sys
    from pathlib import Path

    from wijkteam_stats.batch.inputs import SharedInputError, check_codebook, check_register
    from wijkteam_stats.batch.lock import OutputsBusy, OutputsNotWritable, outputs_lock
    from wijkteam_stats.batch.manifest import journal_path, update_manifest
    from wijkteam_stats.batch.runner import report_status
    from wijkteam_stats.reference import paths
    from wijkteam_stats.report.datapackage import DatapackageError
    from wijkteam_stats.report.site import build_site

    outputs = Path(args.outputs).resolve() if args.outputs else paths.OUTPUTS
    try:  # not while a report run writes to the same outputs folder
        with outputs_lock(outputs, timeout=args.wait, command="wijkteam site"):
            if journal_path(outputs).is_file():  # records of a run that was killed: fold them in first
                update_manifest(outputs, lambda _m: None, say=print)
            reports = outputs / "reports"
            waves = sorted(int(p.name) for p in reports.iterdir() if p.is_dir() and p.name.isdigit()) \
                if reports.is_dir() else []
            check_codebook()  # the registers the index lists: complete, or one clear message
            for w in sorted({args.wave, *waves}):
                with contextlib.suppress(KeyError):  # a wave the codebook does not know has no register
                    check_register(w)
            status = {w: s for w in waves if (s := report_status(w, outputs)) is not None}
            res = build_site(args.wave, outputs_dir=args.outputs, site_dir=args.site, status=status)
    except (OutputsBusy, OutputsNotWritable, DatapackageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except SharedInputError as err:
        print(f"error: {err}; the site was not changed", file=sys.stderr)
        return 1
    stale = sum(len(s) for s in status.values())
    print(f"site {res.index} ({res.reports} of {res.municipalities} municipality reports"
          + (f"; {stale} shown as verouderd" if stale else "") + ")")
    for page in res.missing_pages:
        print(f"  {page}: source report not built yet; placeholder page written")
    return 0
