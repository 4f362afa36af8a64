"""Panel figures recomputed from the data: how many of a wave's respondents also answered an earlier wave.

The earlier wave's respondents come from its default survey file (the shipped export, or its cleaned table; see
:func:`wijkteam_stats.reference.waves.default_survey_path`); municipalities are linked through the CBS crosswalk
(:func:`wijkteam_stats.reference.panel.linked`). Used by the scorecard (a ``panel`` derived variable) and the
trends (the known overlap of two waves).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reference import waves
from wijkteam_stats.reference.panel import linked


@lru_cache(maxsize=8)
def _codes_of(path: str, wave: int, stamp: float) -> tuple[str, ...]:
    p = Path(path)
    table = pd.read_parquet(p) if p.suffix.lower() == ".parquet" else clean_survey(p, int(wave)).table
    return tuple(sorted(table["gm_code"].astype(str)))


def earlier_respondents(wave: int, survey_path: str | Path | None = None) -> list[str]:
    """The CBS codes of a wave's respondents from its default survey file (or ``survey_path``)."""
    p = Path(survey_path) if survey_path is not None else waves.default_survey_path(int(wave))
    if not p.is_file():
        raise FileNotFoundError(f"wave {wave}: no survey file to link the panel with ({p}); reconstruct it with "
                                f"'wijkteam reconstruct --wave {wave} --update-shipped' or pass the real export")
    return list(_codes_of(str(p.resolve()), int(wave), p.stat().st_mtime))


def panel_overlap(codes: list[str], year: int, earlier_wave: int, earlier_year: int,
                  earlier_codes: list[str] | None = None) -> tuple[int, int]:
    """(k, n): of the ``n`` respondents ``codes`` (CBS codes of register ``year``), ``k`` also answered
    ``earlier_wave`` (codes of register ``earlier_year``; default: that wave's default survey file)."""
    before = earlier_codes if earlier_codes is not None else earlier_respondents(earlier_wave)
    return len(linked(codes, int(year), before, int(earlier_year))), len(set(codes))
