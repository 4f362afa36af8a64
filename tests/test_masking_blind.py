"""The masking measured on the blind corpus (tests/data/masking_blind.yaml, written by someone who had not
read the code; see its README): even ids tuned the rules, odd ids are held out. The goal (no leak, at most
5 % of harmless texts changed) holds on the tuning half; on the held-out half the measured figures are
asserted as a floor (4 of 85 spans leaked, 2 of 40 harmless texts changed when first measured after tuning)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wijkteam_stats.clean.deidentify import mask

BLIND = Path(__file__).parent / "data" / "masking_blind.yaml"


def _score(items: list[dict]) -> dict[str, int]:
    out = {"spans": 0, "leaks": 0, "harmless": 0, "changed": 0, "kept_lost": 0}
    for it in items:
        masked = mask(it["text"])
        spans = it.get("must_mask") or []
        out["spans"] += len(spans)
        out["leaks"] += sum(s in masked for s in spans)
        if not spans:
            out["harmless"] += 1
            out["changed"] += masked != it["text"]
        else:
            out["kept_lost"] += sum(k not in masked for k in it.get("must_keep") or [])
    return out


@pytest.fixture(scope="module")
def halves():
    items = yaml.safe_load(BLIND.read_text(encoding="utf-8"))["items"]
    tune = [i for i in items if int(i["id"].rsplit("-", 1)[1]) % 2 == 0]
    held = [i for i in items if int(i["id"].rsplit("-", 1)[1]) % 2 == 1]
    return _score(tune), _score(held)


def test_blind_corpus_shape():
    items = yaml.safe_load(BLIND.read_text(encoding="utf-8"))["items"]
    assert len(items) == 200
    assert sum(not i.get("must_mask") for i in items) == 80
    assert sum(len(i.get("must_mask") or []) for i in items) == 176


def test_tuning_half_meets_the_goal(halves):
    tune, _ = halves
    assert (tune["spans"], tune["harmless"]) == (91, 40)
    assert tune["leaks"] == 0
    assert tune["changed"] <= 0.05 * tune["harmless"]
    assert tune["kept_lost"] == 0


def test_held_out_half_no_worse_than_measured(halves):
    _, held = halves
    assert (held["spans"], held["harmless"]) == (85, 40)
    assert held["leaks"] <= 4  # floor, not the goal: see the module docstring and D7
    assert held["changed"] <= 2  # 5 % of 40
