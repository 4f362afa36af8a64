"""The CBS register, name resolution and the crosswalk to 2025."""

from __future__ import annotations

import pandas as pd
import pytest

from wijkteam_stats.reference import municipalities as m
from wijkteam_stats.reference.rawdata import NATIONAL_POPULATION, OFFICIAL_COUNTS

EXPECTED_COUNTS = [403, 393, 390, 388, 380, 355, 355, 352, 345, 342, 342, 342]


@pytest.mark.parametrize(("year", "count"), list(zip(range(2014, 2026), EXPECTED_COUNTS, strict=True)))
def test_register_counts(year, count):
    reg = m.register(year)
    assert len(reg) == count == OFFICIAL_COUNTS[year]
    assert reg["gm_code"].is_unique
    assert reg["gm_code"].str.fullmatch(r"GM\d{4}").all()
    assert reg["province"].nunique() == 12


@pytest.mark.parametrize("year", range(2014, 2025))
def test_population_totals_equal_national_totals(year):
    reg = m.register(year)
    assert reg["population"].notna().all()
    assert int(reg["population"].sum()) == NATIONAL_POPULATION[year]


def test_register_2015_columns_and_networks():
    reg = m.register(2015).set_index("gm_code")
    assert reg.loc["GM0599", "name"] == "Rotterdam" and reg.loc["GM0599", "g4"]
    assert not reg.loc["GM0599", "g32"]  # the G4 are not counted in the G32 network
    assert reg["g32"].sum() == 37 and reg["g4"].sum() == 4
    assert reg.loc["GM0363", "size_class_cbs"] == 8
    assert reg.loc["GM0363", "size_class"] == "≥ 100.000"
    assert reg.loc["GM0599", "population"] == 623_652 and reg.loc["GM0363", "population"] == 821_752
    assert reg.loc["GM0599", "density"] == 2986
    assert list(reg["size_class"].cat.categories) == m.SIZE_CLASS_LABELS
    assert reg["size_class"].value_counts().sum() == 393
    assert reg.loc["GM1921", "name"] == "De Friese Meren"


def test_g32_membership_over_time():
    assert m.register(2014)["g32"].sum() == 34  # Oss, Roosendaal and Alphen joined during 2014
    assert m.register(2017)["g32"].sum() == 38  # Hoorn joined on 2016-12-02
    assert m.register(2018)["g32"].sum() == 40
    assert m.register(2023)["g32"].sum() == 41


def test_size_classes_bounds():
    pop = pd.Series([4_999, 5_000, 19_999, 20_000, 49_999, 50_000, 99_999, 100_000, 250_000])
    assert m.size_class_cbs(pop).tolist() == [1, 2, 3, 4, 4, 5, 5, 6, 8]
    assert m.size_class(pop).astype(str).tolist() == [
        "< 20.000", "< 20.000", "< 20.000", "20.000–50.000", "20.000–50.000", "50.000–100.000",
        "50.000–100.000", "≥ 100.000", "≥ 100.000",
    ]


RESOLVE_CASES = [
    # codes and numbers
    ("GM0363", None, None, "GM0363"),
    ("gm0363", 2015, None, "GM0363"),
    ("0363", None, None, "GM0363"),
    ("363", 2015, None, "GM0363"),
    (363, 2015, None, "GM0363"),
    ("599", 2015, None, "GM0599"),
    # case, spaces, diacritics, prefix
    ("AMSTERDAM", 2015, None, "GM0363"),
    ("  rotterdam  ", 2015, None, "GM0599"),
    ("gemeente Utrecht", 2015, None, "GM0344"),
    ("Gemeente  Súdwest-Fryslân", 2015, None, "GM1900"),
    ("sudwest fryslan", 2015, None, "GM1900"),
    ("Sudwest-Fryslan", 2015, None, "GM1900"),
    # alternative names
    ("Den Haag", 2015, None, "GM0518"),
    ("'s-Gravenhage", 2015, None, "GM0518"),
    ("s Gravenhage", None, None, "GM0518"),
    ("Den Bosch", 2015, None, "GM0796"),
    ("'s-Hertogenbosch", 2015, None, "GM0796"),
    ("Nuenen", 2015, None, "GM0820"),
    ("Alphen a/d Rijn", 2015, None, "GM0484"),
    ("Capelle a/d IJssel", 2015, None, "GM0502"),
    # Dutch and Frisian spellings
    ("Tietjerksteradeel", 2015, None, "GM0737"),
    ("Tytsjerksteradiel", 2015, None, "GM0737"),
    ("Ljouwert", 2015, None, "GM0080"),
    ("De Fryske Marren", 2015, None, "GM1921"),  # renamed with a new code on 2015-07-01
    ("De Friese Meren", 2020, None, "GM1940"),
    # CBS suffixes and province
    ("Hengelo", 2023, None, "GM0164"),
    ("Hengelo (O.)", 2023, None, "GM0164"),
    ("Bergen", 2015, "Limburg", "GM0893"),
    ("Bergen", 2015, "Noord-Holland", "GM0373"),
    ("Bergen (NH.)", 2023, None, "GM0373"),
    ("Bergen", 2015, "PV31", "GM0893"),
    # merged since: resolved for the year
    ("Haaren", 2015, None, "GM0788"),
    ("Bedum", 2020, None, "GM1966"),
    ("Weesp", 2023, None, "GM0363"),
    ("Schijndel", 2017, None, "GM1948"),
    ("Littenseradiel", 2017, None, "GM0140"),
]


@pytest.mark.parametrize(("text", "year", "province", "expected"), RESOLVE_CASES)
def test_resolve(text, year, province, expected):
    assert m.resolve(text, year=year, province=province) == expected


def test_resolve_ambiguous_lists_candidates():
    with pytest.raises(m.AmbiguousMunicipalityError) as exc:
        m.resolve("Bergen", year=2015)
    assert isinstance(exc.value, LookupError)
    assert len(exc.value.candidates) == 2
    assert any("GM0373" in c for c in exc.value.candidates) and any("GM0893" in c for c in exc.value.candidates)


def test_resolve_split_municipality_is_ambiguous_after_the_split():
    with pytest.raises(m.AmbiguousMunicipalityError) as exc:
        m.resolve("Haaren", year=2022)
    assert set(exc.value.candidates) == {"GM0865", "GM0824", "GM0855", "GM0757"}


def test_resolve_unknown_suggests_closest():
    with pytest.raises(m.UnknownMunicipalityError) as exc:
        m.resolve("Amsterdm", year=2015)
    assert isinstance(exc.value, LookupError)
    assert exc.value.candidates[0] == "Amsterdam"


@pytest.mark.parametrize("text", ["Gemeente Test", "", "   ", "GM9999"])
def test_resolve_rejects_non_municipalities(text):
    with pytest.raises(m.MunicipalityLookupError):
        m.resolve(text, year=2015)


def test_resolve_not_yet_existing():
    with pytest.raises(m.UnknownMunicipalityError, match="did not exist yet"):
        m.resolve("Meierijstad", year=2015)


def test_crosswalk_muiden_split():
    cw = m.to_2025("GM0424", 2015)
    shares = dict(zip(cw["gm_code_2025"], cw["area_share"], strict=True))
    assert set(shares) == {"GM1942", "GM0363"}  # Gooise Meren; Amsterdam through Weesp
    assert shares["GM1942"] == pytest.approx(0.867)
    assert cw.loc[cw["main"], "name_2025"].item() == "Gooise Meren"
    assert sum(shares.values()) == pytest.approx(1.0)


def test_crosswalk_haaren_four_successors():
    cw = m.to_2025("GM0788", 2015)
    assert cw["gm_code_2025"].tolist() == ["GM0865", "GM0824", "GM0855", "GM0757"]
    assert cw["area_share"].sum() == pytest.approx(1.0)
    assert cw["main"].sum() == 1 and cw.iloc[0]["name_2025"] == "Vught"


def test_crosswalk_littenseradiel_three_successors():
    cw = m.to_2025("GM0140", 2015)
    assert set(cw["name_2025"]) == {"Súdwest-Fryslân", "Leeuwarden", "Waadhoeke"}
    assert cw.iloc[0]["gm_code_2025"] == "GM1900"


def test_crosswalk_existing_code_maps_to_itself():
    cw = m.to_2025("GM0363")
    assert cw["gm_code_2025"].tolist() == ["GM0363"] and cw["area_share"].tolist() == [1.0]


@pytest.mark.parametrize("year", [2014, 2015, 2016])
def test_every_register_code_reaches_2025(year):
    for code in m.register(year)["gm_code"]:
        assert m.to_2025(code, year)["area_share"].sum() == pytest.approx(1.0, abs=1e-6)


def test_successors_on_follow_chains():
    assert m.successors_on("GM0424", 2023) == pytest.approx({"GM1942": 0.849 / 0.979, "GM0363": 0.13 / 0.979})


def test_code_with_two_periods_is_valid_in_both():
    """GM0620 Vianen moved province in 2002 (two periods for one code) and merged into Vijfheerenlanden in 2019."""
    assert m.resolve("Vianen", year=2015) == "GM0620"
    assert m.resolve("GM0620", year=2015) == "GM0620"
    assert m.resolve("Vianen", year=2020) == "GM1961"
