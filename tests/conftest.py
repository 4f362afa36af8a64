"""Shared test fixtures."""

from __future__ import annotations

import pytest
from invented_wave import build_invented_wave  # tests/invented_wave.py (pytest puts tests/ on sys.path)

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.published import load_published


@pytest.fixture(scope="session")
def root():
    return paths.ROOT


@pytest.fixture(scope="session")
def pub():
    """The validated published figures of the 2015 wave."""
    return load_published(wave=2015)


@pytest.fixture(scope="session")
def reg():
    """The municipality register of 1 January 2015 (393 municipalities)."""
    return register(2015)


@pytest.fixture
def invented_wave(tmp_path):
    """A project root with a small invented wave (2016) added from files alone: see tests/invented_wave.py.

    Returns a dict with ``root``, ``wave``, ``env`` (environment with WIJKTEAM_ROOT set, for subprocesses)
    and the paths of the published CSV, wave settings, codebook and vocabulary of that root.
    """
    return build_invented_wave(tmp_path)
