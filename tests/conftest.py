"""Shared test fixtures."""

from __future__ import annotations

import pytest

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
