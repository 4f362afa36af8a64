"""The 20 unseen exports (tests/data/unseen_exports, manifest.yaml): none may be silently wrong."""

from __future__ import annotations

import pytest
from unseen_exports import judge, manifest


@pytest.mark.parametrize("entry", manifest(), ids=lambda e: e["file"])
def test_unseen_export_is_read_correctly_or_refused_loudly(entry):
    verdict = judge(entry)
    assert verdict.outcome in ("correct", "loud"), verdict.detail


def test_unseen_set_scores():
    """Before the fixes of issue 18: 10 correct, 5 loud, 5 silent; now every export is read as its manifest says."""
    outcomes = [judge(e).outcome for e in manifest()]
    assert len(outcomes) == 20
    assert outcomes.count("silent") == 0
    assert outcomes.count("correct") >= 18
