"""The consistency audit is wave-generic: 2014's G32 reading found by exhaustive search, sentences from the
wave's own figures, conflicting rows named."""

from __future__ import annotations

import pytest

from wijkteam_stats.reference import waves
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reproduce.audit import audit_markdown, audit_published
from wijkteam_stats.reproduce.readings import Split, choose_reading, evaluate_readings


@pytest.fixture(scope="module")
def pub14():
    return load_published(wave=2014)


@pytest.fixture(scope="module")
def audit14(pub14):
    return audit_published(pub14, waves.invited_register(2014), wave=2014)


def _row(audit, fid):
    return audit.loc[audit["finding_id"] == fid].iloc[0]


def test_2014_reading_found_by_exhaustive_search(pub14):
    results = evaluate_readings(pub14, waves.invited_register(2014), waves.settings(2014))
    # three member sets x three G4 placements, dates with the same members merged: 2 x 3
    assert len(results) == 6
    feasible = [r for r in results if r.feasible]
    assert len(feasible) == 1
    r = feasible[0]
    assert r.sizes["g32"] == 36 and r.reading.g4 == "apart" and r.dates == ("2014-10-01", "2014-10-31")
    assert r.splits == [Split(g32=28, g4=1, other=195)]  # 28/36 = 77.8 %, 195/363 = 53.7 %, one G4
    # 78 % of 34 members (1 January, before Oss and Roosendaal joined) is impossible in whole municipalities
    jan = [x for x in results if x.sizes["g32"] == 34]
    assert len(jan) == 3 and all(x.failed == ["F2014-003"] for x in jan)
    # G4 among the 'kleinere gemeenten': 196 of 367 = 53.4 % is not 54 %
    other = next(x for x in results if x.sizes["g32"] == 36 and x.reading.g4 == "in_other")
    assert "F2014-004" in other.failed
    chosen, why = choose_reading(results, waves.settings(2014))
    assert chosen is r and why == "the only reading under which all figures fit"


def test_2014_audit_states_its_reading_and_no_2015_sentence(audit14):
    assert not (audit14["status"] == "inconsistent").any()
    verdict = _row(audit14, "X-readings")
    assert verdict["status"] == "consistent"
    assert verdict["lezing"] == (
        "G32 = de 36 netwerkleden op 1 oktober 2014 / 31 oktober 2014; de G4 in geen van beide groepen")
    assert (audit14["status"] == "rejected").sum() == 5
    md = audit_markdown(audit14)
    assert "1 van de 6 onderzochte lezingen" in md and "5 verworpen lezing(en)" in md
    for text in ("603", "87", "176", "37 netwerkleden", "Rotterdam"):
        assert text not in md
    assert _row(audit14, "X-base-sizes")["feasible"] == "all within"


def test_2017_audit_uses_its_declared_reading_and_own_figures():
    pub = load_published(wave=2017)
    audit = audit_published(pub, waves.invited_register(2017), wave=2017)
    assert (audit["status"] == "reference").sum() == 5
    assert not (audit["status"] == "inconsistent").any()
    assert _row(audit, "X-readings")["status"] == "ambiguous"  # no G32 figure: every reading fits
    assert "38 netwerkleden op 1 januari 2017" in _row(audit, "X-readings")["lezing"]
    md = audit_markdown(audit, lang="en")
    assert "242/388" in _row(audit, "X-response")["feasible"]
    assert "603" not in md and "176" not in md and "Involvement" not in md


def test_conflicting_figures_are_named(pub14):
    bad = pub14.copy()
    bad.loc[bad["finding_id"] == "F2014-004", "value"] = 60.0  # 60 % of the smaller municipalities
    audit = audit_published(bad, waves.invited_register(2014), wave=2014)
    verdict = _row(audit, "X-readings")
    assert verdict["status"] == "inconsistent" and verdict["note"] == "no reading fits all figures"
    assert "F2014-004" in _row(audit, "X-reading-6")["note"]
    assert "Geen van de 6 onderzochte lezingen" in audit_markdown(audit)
