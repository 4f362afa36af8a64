"""Sizes of what the pipeline published: the whole outputs folder, the municipality reports and the site.

Prints the figures next to the targets (outputs/ under 60 MB for 393 reports; a report page under 100 kB of
HTML). A measurement, not a test: run it after ``make all`` (``.venv/bin/python benchmarks/output_sizes.py``).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from wijkteam_stats.reference import paths

MB = 1_000_000
TARGET_OUTPUTS_MB = 60
TARGET_REPORT_KB = 100


def folder_bytes(folder: Path) -> int:
    """Total size of the files under ``folder`` (0 when it does not exist)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=Path, default=paths.OUTPUTS, help="outputs folder (default: outputs/)")
    args = parser.parse_args(argv)
    out = args.outputs.resolve()
    total = folder_bytes(out)
    print(f"outputs/ total: {total / MB:.1f} MB (target < {TARGET_OUTPUTS_MB} MB)")
    for sub in sorted(p for p in out.iterdir() if p.is_dir()) if out.is_dir() else []:
        print(f"  {sub.name + '/':<12} {folder_bytes(sub) / MB:8.2f} MB")
    reports_root = out / "reports"
    for wave_dir in sorted(p for p in reports_root.iterdir() if p.is_dir()) if reports_root.is_dir() else []:
        sizes = sorted(p.stat().st_size for p in wave_dir.glob("GM*.html"))
        if not sizes:
            continue
        over = sum(s >= TARGET_REPORT_KB * 1000 for s in sizes)
        print(f"reports {wave_dir.name}: {len(sizes)} pages, HTML min {sizes[0] / 1000:.1f} kB, "
              f"median {statistics.median(sizes) / 1000:.1f} kB, max {sizes[-1] / 1000:.1f} kB; "
              f"{over} at or over {TARGET_REPORT_KB} kB")
        data = folder_bytes(wave_dir / "data")
        print(f"  numbers JSON: {data / MB:.2f} MB")
    site = out / "site"
    if site.is_dir():
        pages = sorted(site.glob("*.html"))
        print(f"site: {len(pages)} pages, {folder_bytes(site) / MB:.2f} MB "
              f"(reports are linked, not copied: {len(list(site.rglob('GM*.html')))} copies)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
