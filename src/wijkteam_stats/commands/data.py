"""``wijkteam data``: validate the shipped raw data and write the municipality registers."""

from __future__ import annotations

import argparse

HELP = "validate data/raw (CBS files, published figures, codebook) and write registers to data/processed"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="folder for the registers (default data/processed)")


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.reference.rawdata import validate_raw_data, write_registers

    for line in validate_raw_data():
        print(line)
    out = write_registers(args.out)
    print(f"registers 2014-2025 written to {out}")
    return 0
