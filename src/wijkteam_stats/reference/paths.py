"""The project's absolute paths. Nothing in the package depends on the current working directory.

The root is the checkout that holds ``pyproject.toml`` (the package is installed editable); set
``WIJKTEAM_ROOT`` to point the package at another checkout.
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("WIJKTEAM_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "data" / "raw").is_dir():
            return parent
    raise RuntimeError(
        "Cannot locate the wijkteam-stats project root (a folder with pyproject.toml and data/raw/). "
        "Install the package editable from the checkout (make all) or set WIJKTEAM_ROOT."
    )


ROOT: Path = _find_root()
DATA = ROOT / "data"
RAW = DATA / "raw"
RAW_CBS = RAW / "cbs"
RAW_GEO = RAW / "geo"
RAW_PUBLISHED = RAW / "published"
RAW_SURVEY = RAW / "survey"
PROCESSED = DATA / "processed"
NOTEBOOKS = ROOT / "notebooks"
OUTPUTS = ROOT / "outputs"
FIGURES = OUTPUTS / "figures"
TABLES = OUTPUTS / "tables"
REPORTS = OUTPUTS / "reports"
SITE = OUTPUTS / "site"
CODEBOOK = RAW / "codebook_movisie.yaml"
PUBLISHED_VOCABULARY = RAW_PUBLISHED / "vocabulary.yaml"
WAVES = RAW / "waves.yaml"


def published_file(wave: int) -> Path:
    """Path of the published-figures file of a wave (``data/raw/published/movisie_<wave>.csv``)."""
    return RAW_PUBLISHED / f"movisie_{int(wave)}.csv"


def synthetic_survey_file(wave: int) -> Path:
    """Path of the shipped SYNTHETIC reconstruction of a wave's raw survey export."""
    return RAW_SURVEY / f"SYNTHETIC_movisie_{int(wave)}_reconstructed_export.csv"


def processed_survey_file(wave: int, synthetic: bool = False) -> Path:
    """Path of the cleaned, validated survey table of a wave (``SYNTHETIC_`` prefix for the reconstruction)."""
    return PROCESSED / f"{'SYNTHETIC_' if synthetic else ''}survey_{int(wave)}.parquet"


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (a folder) if needed and return it; refuses to write under ``data/raw``."""
    path = Path(path).resolve()
    if path == RAW or RAW in path.parents:
        raise PermissionError(f"data/raw is read-only input; refusing to create {path}")
    path.mkdir(parents=True, exist_ok=True)
    return path
