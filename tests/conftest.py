"""Shared test fixtures."""

from __future__ import annotations

import pytest

from wijkteam_stats import paths


@pytest.fixture(scope="session")
def root():
    return paths.ROOT
