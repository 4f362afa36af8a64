"""Wave settings in data (data/raw/waves.yaml): validated, exposed by reference.waves, G32 by reference date."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from wijkteam_stats.reference import paths, waves
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.wave_settings import Reading, WaveSettingsError, load_wave_settings


def test_shipped_settings_of_three_waves():
    assert waves.known_waves() == [2014, 2015, 2017]
    s14 = waves.settings(2014)
    assert (s14.register_year, s14.fieldwork_start, s14.reading) == (2014, dt.date(2014, 10, 1), None)
    assert waves.settings(2015).reading == Reading(dt.date(2015, 1, 1), "in_other")
    assert len(s14.candidate_readings()) == 9
    # the codebook's register years come from the wave settings
    assert load_codebook().register_year(2017) == 2017 == waves.register_year(2017)
    with pytest.raises(KeyError, match="waves.yaml"):
        waves.settings(2099)


def test_g32_membership_follows_the_reference_date():
    reg = waves.invited_register(2014)
    assert len(reg) == 403
    jan = waves.breakdown_groups(reg, Reading(dt.date(2014, 1, 1), "in_other"))
    octo = waves.breakdown_groups(reg, Reading(dt.date(2014, 10, 1), "apart"))
    assert (jan["group"] == "g32").sum() == 34 and (octo["group"] == "g32").sum() == 36  # Oss, Roosendaal joined
    assert set(octo.loc[(octo["group"] == "g32") & ~octo["gm_code"].isin(jan.loc[jan["group"] == "g32", "gm_code"]),
                        "gm_code"]) == {"GM0828", "GM1674"}
    assert (jan["group"] == "g4").sum() == 4
    assert jan["in_non_G32"].sum() == 403 - 34  # G4 among the others
    assert octo["in_non_G32"].sum() == 403 - 36 - 4 and octo["in_G32"].sum() == 36  # G4 in neither
    inside = waves.breakdown_groups(reg, Reading(dt.date(2014, 10, 1), "in_g32"))
    assert inside["in_G32"].sum() == 40


def _write(tmp_path, edit):
    raw = yaml.safe_load(paths.WAVES.read_text(encoding="utf-8"))
    edit(raw["waves"])
    path = tmp_path / "waves.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_bad_settings_name_file_wave_and_key(tmp_path):
    cases = [
        (lambda w: w[2014].pop("seed"), r"wave 2014: missing key\(s\) seed"),
        (lambda w: w[2015]["breakdowns"].__setitem__("g4", ["outside"]), r"wave 2015, breakdowns.g4"),
        (lambda w: w[2017]["fieldwork"].__setitem__("end", "2017-02-30"), r"wave 2017, fieldwork.end: '2017-02-30'"),
        (lambda w: w[2017]["fieldwork"].__setitem__("end", "2016-12-31"), r"wave 2017, fieldwork: end .* before"),
        (lambda w: w[2015]["breakdowns"].__setitem__("reading", {"membership_date": "2015-06-01", "g4": "apart"}),
         r"wave 2015, breakdowns.reading: .* not among the candidates"),
        (lambda w: w[2014].__setitem__("colour", "blue"), r"unknown key\(s\) colour"),
    ]
    for edit, pattern in cases:
        path = _write(tmp_path, edit)
        with pytest.raises(WaveSettingsError, match=pattern) as exc:
            load_wave_settings(path)
        assert str(path) in str(exc.value)
