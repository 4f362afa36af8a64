"""Checks on the shipped raw data and the processed municipality registers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wijkteam_stats.reference import municipalities as m
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reference.writers import atomic_write_parquet, safe_to_csv

#: Official number of municipalities on 1 January (CBS).
OFFICIAL_COUNTS = dict(zip(m.YEARS, [403, 393, 390, 388, 380, 355, 355, 352, 345, 342, 342, 342], strict=True))
#: National population on 1 January (CBS 37259, row NL01).
NATIONAL_POPULATION = {
    2014: 16_829_289, 2015: 16_900_726, 2016: 16_979_120, 2017: 17_081_507, 2018: 17_181_084,
    2019: 17_282_163, 2020: 17_407_585, 2021: 17_475_415, 2022: 17_590_672, 2023: 17_811_291,
    2024: 17_942_942,
}


class RawDataError(ValueError):
    """The shipped raw data fails a consistency check."""


def validate_raw_data() -> list[str]:
    """Check register counts, population totals, the published figures and the codebook; report lines."""
    report = []
    for year in m.YEARS:
        reg = m.register(year)
        if len(reg) != OFFICIAL_COUNTS[year] or reg["gm_code"].duplicated().any():
            raise RawDataError(f"register {year}: {len(reg)} municipalities, expected {OFFICIAL_COUNTS[year]}")
        if year in NATIONAL_POPULATION and int(reg["population"].sum()) != NATIONAL_POPULATION[year]:
            raise RawDataError(f"register {year}: population {reg['population'].sum()} != national total")
    report.append("registers 2014-2025: counts and national population totals match CBS")
    cb = load_codebook()
    for path in sorted(paths.RAW_PUBLISHED.glob("movisie_*.csv")):
        pub = load_published(path)
        report.append(f"{path.relative_to(paths.ROOT)}: {len(pub)} published figures valid")
    report.append(f"codebook: {len(cb.variables)} variables, {len(cb.tidy_columns())} tidy columns")
    return report


def write_registers(out: str | Path | None = None) -> Path:
    """Write the register of every year to ``<out>/municipalities_<year>.csv`` (default data/processed)."""
    folder = paths.ensure_dir(Path(out) if out else paths.PROCESSED)
    frames = []
    for year in m.YEARS:
        reg = m.register(year)
        safe_to_csv(reg, folder / f"municipalities_{year}.csv")
        frames.append(reg)
    atomic_write_parquet(pd.concat(frames), folder / "municipalities_2014_2025.parquet", index=False)
    return folder
