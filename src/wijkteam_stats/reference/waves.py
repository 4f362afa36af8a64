"""Wave and path facts every stage reads: a wave's register year, its default survey file, where the size
model's expectations are written, and the seed of the per-municipality reports.

The batch runner, its parameter validation, the site and the notebooks all take these from here, so a fact
about a wave is stated once.
"""

from __future__ import annotations

import json
from pathlib import Path

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.provenance import data_fingerprint

#: Seed of every random number generator a report could touch (reports use no randomness; belt and braces).
REPORT_SEED = 20151


def register_year(wave: int) -> int:
    """The register year (1 January) of a wave's invited municipalities."""
    return load_codebook().register_year(int(wave))


def default_survey_path(wave: int) -> Path:
    """The survey file a report reads by default: the shipped SYNTHETIC export, as its cleaned table
    (``data/processed/SYNTHETIC_survey_<wave>.parquet``) when that was made from the current export.

    Like ``wijkteam reproduce`` and ``wijkteam models``; real data is always passed explicitly (``--survey``).
    """
    raw = paths.synthetic_survey_file(wave)
    cleaned = paths.processed_survey_file(wave, synthetic=True)
    sidecar = cleaned.with_name(f"{cleaned.stem}.meta.json")
    if cleaned.is_file() and raw.is_file() and sidecar.is_file():
        try:
            source = json.loads(sidecar.read_text(encoding="utf-8")).get("source_sha256")
        except (json.JSONDecodeError, UnicodeDecodeError):
            source = None
        if source == data_fingerprint(raw, length=64):
            return cleaned
    return raw


def expectations_file(wave: int) -> Path:
    """The size model's expectations per municipality (written by ``wijkteam models``)."""
    return paths.TABLES / "models" / f"expected_by_municipality_{int(wave)}.csv"


