"""Wave and path facts every stage reads: a wave's settings (``data/raw/waves.yaml``: register year,
fieldwork, publication, reconstruction seed, breakdown definitions), its default survey file, where the size
model's expectations are written, and the seed of the per-municipality reports.

The batch runner, its parameter validation, the site and the notebooks all take these from here, so a fact
about a wave is stated once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import g4_members, g32_members_on, register
from wijkteam_stats.reference.provenance import data_fingerprint
from wijkteam_stats.reference.wave_settings import (
    G4_PLACEMENTS,
    Reading,
    WaveSettings,
    WaveSettingsError,
    load_wave_settings,
)
from wijkteam_stats.reference.writers import CorruptFileError, read_json

__all__ = [
    "G4_PLACEMENTS", "REPORT_SEED", "Reading", "WaveSettings", "WaveSettingsError", "breakdown_groups",
    "default_survey_path", "expectations_file", "invited_register", "known_waves", "register_year", "settings", "shipped_waves",
]

#: Seed of every random number generator a report could touch (reports use no randomness; belt and braces).
REPORT_SEED = 20151


def settings(wave: int) -> WaveSettings:
    """The validated settings of ``wave`` (``data/raw/waves.yaml``); KeyError naming the file if unknown."""
    all_ = load_wave_settings()
    if int(wave) not in all_:
        raise KeyError(f"wave {wave} is not in {paths.WAVES} (known: {sorted(all_)}); add its settings there")
    return all_[int(wave)]


def known_waves() -> list[int]:
    """Every wave with settings, ascending."""
    return sorted(load_wave_settings())


def shipped_waves() -> list[int]:
    """Waves with settings, a published-figures file and a shipped SYNTHETIC export (what ``--wave all`` runs)."""
    return [w for w in known_waves()
            if paths.published_file(w).is_file() and paths.synthetic_survey_file(w).is_file()]


def breakdown_groups(reg: pd.DataFrame, reading: Reading) -> pd.DataFrame:
    """Membership of each municipality of a register under a reading of the G32 breakdown.

    Columns ``gm_code``, ``group`` (``g32`` network member on the reading's date, ``g4``, ``other``),
    ``in_G32`` and ``in_non_G32`` (whether it counts in the published "G32" / "non-G32" figures).
    """
    members = set(g32_members_on(reading.membership_date))
    g4 = set(g4_members())
    group = np.where(reg["gm_code"].isin(g4), "g4", np.where(reg["gm_code"].isin(members), "g32", "other"))
    out = pd.DataFrame({"gm_code": reg["gm_code"].to_numpy(), "group": group})
    out["in_G32"] = (out["group"] == "g32") | ((out["group"] == "g4") & (reading.g4 == "in_g32"))
    out["in_non_G32"] = (out["group"] == "other") | ((out["group"] == "g4") & (reading.g4 == "in_other"))
    return out


def invited_register(wave: int) -> pd.DataFrame:
    """The register of the municipalities invited in ``wave`` (1 January of its register year)."""
    return register(register_year(wave))


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
        # a corrupt record stops here (never a silent switch to the raw export): CorruptFileError names it
        record = read_json(sidecar, "provenance record of the cleaned survey table")
        if not isinstance(record, dict):
            raise CorruptFileError(f"provenance record {sidecar} is not a JSON object; rerun `wijkteam clean`")
        source = record.get("source_sha256")
        if source == data_fingerprint(raw, length=64):
            return cleaned
    return raw


def expectations_file(wave: int) -> Path:
    """The size model's expectations per municipality (written by ``wijkteam models``)."""
    return paths.TABLES / "models" / f"expected_by_municipality_{int(wave)}.csv"


