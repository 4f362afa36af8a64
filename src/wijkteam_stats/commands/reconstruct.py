"""``wijkteam reconstruct``: a SYNTHETIC municipality-level export meeting every published figure of a wave."""

from __future__ import annotations

import argparse

HELP = "build the SYNTHETIC survey export from the published figures (MILP + seeded assignment)"
DESCRIPTION = (
    "Reconstruct a municipality-level survey file that meets every published figure of the wave within "
    "its tolerance. The result is SYNTHETIC, not Movisie's data. Writes the raw export (CSV as a survey "
    "tool writes it) and a .meta.json sidecar to outputs/reconstruction/ unless --out is given; "
    "--update-shipped replaces the shipped file in data/raw/survey/ (the only write into data/raw). "
    "Every wave, 2015 included, uses one engine driven by its published file, the codebook and "
    "data/raw/waves.yaml (seed from there unless --seed is given); it prints a progress line per step and "
    "stops at --time-limit seconds of solver time, saying so."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wijkteam_stats.reconstruct.generic import TIME_LIMIT

    p.add_argument("--wave", type=int, default=2015, help="survey wave (default 2015)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the wave's seed in waves.yaml)")
    p.add_argument("--time-limit", type=float, default=TIME_LIMIT,
                   help=f"seconds the solver may take (default {TIME_LIMIT:g}; reached: an error that says so)")
    p.add_argument("--out", default=None, help="CSV path or folder (default outputs/reconstruction/)")
    p.add_argument("--update-shipped", action="store_true",
                   help="write data/raw/survey/SYNTHETIC_movisie_<wave>_reconstructed_export.csv itself")
    p.add_argument("--involvement-size-effect", type=float, default=None,
                   help="retired with the detailed 2015 model (refused)")
    p.add_argument("--g32-reading", choices=["network", "network_plus_g4"], default=None,
                   help="retired with the detailed 2015 model (refused: the reading comes from waves.yaml)")


def run(args: argparse.Namespace) -> int:
    import sys

    from wijkteam_stats.reconstruct import ReconstructionError, ReconstructionParams
    from wijkteam_stats.reconstruct.shipped import write_reconstruction

    changes = {}
    if args.involvement_size_effect is not None:
        changes["involvement_size_effect"] = args.involvement_size_effect
    if args.g32_reading is not None:
        changes["g32_reading"] = args.g32_reading
    try:
        params = ReconstructionParams(**changes)
        out = write_reconstruction(args.out, wave=args.wave, seed=args.seed, params=params,
                                   update_shipped=args.update_shipped, time_limit=args.time_limit,
                                   progress=lambda msg: print(f"... {msg}", file=sys.stderr, flush=True))
    except (ReconstructionError, PermissionError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"SYNTHETIC export: {out['csv']}")
    print(f"metadata:         {out['meta']}")
    return 0
