"""The 20 unseen exports (tests/data/unseen_exports, manifest.yaml): none may be silently wrong."""

from __future__ import annotations

import pytest
from unseen_exports import judge, manifest

VERDICTS: dict[str, object] = {}  # file -> verdict, judged once per session


def verdict(entry: dict):
    if entry["file"] not in VERDICTS:
        VERDICTS[entry["file"]] = judge(entry)
    return VERDICTS[entry["file"]]


@pytest.mark.parametrize("entry", manifest(), ids=lambda e: e["file"])
def test_unseen_export_is_read_correctly_or_refused_loudly(entry):
    v = verdict(entry)
    assert v.outcome in ("correct", "loud"), v.detail


def test_unseen_set_scores():
    """Before the fixes of issue 18: 10 correct, 5 loud, 5 silent; now every export is read as its manifest says."""
    outcomes = [verdict(e).outcome for e in manifest()]
    assert len(outcomes) == 20
    assert outcomes.count("silent") == 0
    assert outcomes.count("correct") >= 18
