"""The audit reads what it is given: quotes, the other waves' own files, implied bases, several readings."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reference.quotes import mentions, quote_values, says_unchanged
from wijkteam_stats.reference.waves import settings as wave_settings
from wijkteam_stats.reproduce.audit import audit_markdown, audit_published, other_waves_rows, run_audit
from wijkteam_stats.reproduce.base_check import base_conflicts
from wijkteam_stats.reproduce.readings import choose_reading, evaluate_readings


def _row(audit, fid):
    rows = audit[audit["finding_id"] == fid]
    assert len(rows) == 1, fid
    return rows.iloc[0]


def test_dutch_numbers_in_quotes():
    assert [(m.value, m.role) for m in quote_values("gestegen van 69 procent naar 87 procent", "percent", 2015,
                                                    2015)] == [(87.0, "to")]
    assert [m.value for m in quote_values("van 69 procent naar 87 procent", "percent", 2014, 2015)] == [69.0]
    q = "62% in 2017, 60% in 2015 en 56% in 2014"
    assert [m.value for m in quote_values(q, "percent", 2014, 2017)] == [56.0]
    assert [m.value for m in quote_values("gemiddeld drie per gemeente", "mean", 2015, 2015)] == [3.0]
    assert round(quote_values("Twee derde van deze teams", "percent", 2015, 2015)[0].value, 2) == 66.67
    assert [m.value for m in quote_values("de helft van de gemeenten", "percent", 2015, 2015)] == [50.0]
    # G-32, G4 and years are not values; "een derde landelijke peiling" is an ordinal
    assert [m.value for m in mentions("Van de G-32 gemeenten werkt 96 procent, eind 2014 en de G4")] == [96.0]
    assert [m.value for m in mentions("Uit een derde landelijke peiling onder 242 gemeenten")] == [242.0]
    assert says_unchanged("Het aandeel blijft gelijk") and not says_unchanged("gestegen naar 87 procent")


def test_shipped_quotes_all_agree():
    for wave in (2014, 2015, 2017):
        a = audit_published(load_published(wave=wave), register(wave), wave=wave)
        assert _row(a, "X-quotes")["status"] == "consistent", wave
        assert (a["status"] != "inconsistent").all(), a.loc[a["status"] == "inconsistent", ["finding_id", "note"]]


def test_planted_quote_reference_and_base_contradictions_are_found(pub, reg):
    bad = pub.copy()
    # 1. a figure against its own quote ("12 procent van de gemeenten kiest nadrukkelijk niet")
    bad.loc[bad["finding_id"] == "F2015-005", "value"] = 15.0
    # 2. a reference row whose quote agrees but the 2014 file itself says 69 %
    ref = bad["finding_id"] == "F2015-004"
    bad.loc[ref, "value"] = 72.0
    bad.loc[ref, "quote"] = "flink gestegen van 72 procent naar 87 procent"
    # 3. an impossible base: 210 municipalities with teams answered, but 87 % of 234 allows at most 204
    extra = bad[bad["finding_id"] == "F2015-101"].copy()
    extra["finding_id"] = "F2015-199"
    extra["base_n"] = 210
    bad = pd.concat([bad, extra], ignore_index=True)
    out = audit_published(bad, reg, wave=2015)
    r5 = _row(out, "F2015-005")
    assert r5["status"] == "inconsistent" and "the quote says 12 procent, not 15" in r5["note"]
    assert "het citaat noemt 12 procent, niet 15" in r5["toelichting"]
    r4 = _row(out, "F2015-004")
    assert r4["status"] == "inconsistent" and "2014's own file publishes 69 (F2014-006)" in r4["note"]
    q = _row(out, "X-quotes")
    assert q["status"] == "inconsistent" and q["feasible"] == "F2015-004, F2015-005"
    u = _row(out, "X-universe-with_teams")
    assert u["status"] == "inconsistent" and u["feasible"] == "{}"
    assert "rows F2015-003, F2015-199 imply no common size" in u["note"]
    # the same pre-check runs without any solver, for the reconstruction
    assert base_conflicts(bad, load_codebook(), 2015, 234, 393) == [
        "universe with_teams: rows F2015-003, F2015-199 imply no common size "
        "(F2015-003: 87 % -> {203–204}; F2015-199: base 210 -> size >= 210)"]


def test_unchanged_means_the_previous_waves_value(reg):
    pub17 = load_published(wave=2017)
    row = pub17[pub17["finding_id"] == "F2017-003"].copy()
    row["finding_id"] = "F2017-011"
    row["quote"] = "Het aandeel gemeenten met wijkteams blijft gelijk"
    ok = audit_published(pd.concat([pub17, row], ignore_index=True), register(2017), wave=2017)
    assert _row(ok, "F2017-011")["status"] == "inconsistent"  # 83 % in 2017, 87 % in 2015
    assert "differs from 87 in 2015 (F2015-003)" in _row(ok, "F2017-011")["note"]
    row["value"] = 87.0
    same = audit_published(pd.concat([pub17[pub17["finding_id"] != "F2017-003"], row], ignore_index=True),
                           register(2017), wave=2017)
    assert _row(same, "F2017-011")["status"] != "inconsistent"


def test_reference_row_agreeing_with_its_own_file_says_so(pub, reg):
    out = audit_published(pub, reg, wave=2015)
    r = _row(out, "F2015-004")
    assert r["status"] == "reference" and "agrees with F2014-006 of the 2014 file" in r["note"]
    assert set(other_waves_rows(2015)["wave"]) == {2014, 2017}


def test_several_fitting_readings_without_a_declared_one_is_an_error(pub, reg):
    s = dataclasses.replace(wave_settings(2015), reading=None)
    results = evaluate_readings(pub, reg, s, 2015)
    assert sum(r.feasible for r in results) == 3
    chosen, why = choose_reading(results, s)
    assert chosen is None
    assert why.startswith("3 readings fit and the figures cannot tell them apart (G32 = the 37 network members")
    assert "declare one under breakdowns.reading" in why
    out = audit_published(pub, reg, wave=2015, settings=s)
    assert _row(out, "X-readings")["status"] == "inconsistent"


def test_a_group_count_names_its_group():
    a = audit_published(load_published(wave=2014), register(2014), wave=2014)
    assert _row(a, "F2014-005")["note"] == "1 of the 4 G4 municipalities invited"
    assert _row(a, "F2014-005")["toelichting"] == "1 van de 4 G4-gemeenten"


@pytest.mark.parametrize("wave", [2014, 2017])
def test_other_waves_rows_are_own_rows_only(wave):
    o = other_waves_rows(wave)
    assert wave not in set(o["wave"])
    assert all(str(f).startswith(f"F{w}-") for f, w in zip(o["finding_id"], o["wave"], strict=True))


def test_reconstruction_names_impossible_bases_before_any_solver():
    from wijkteam_stats.reconstruct.feasibility import ReconstructionError
    from wijkteam_stats.reconstruct.generic import reconstruct_generic

    pub17 = load_published(wave=2017)
    row = pub17[pub17["finding_id"] == "F2017-004"].copy()
    row["finding_id"], row["base_n"] = "F2017-012", 230  # 83 % of 242 allows at most 202 with teams
    with pytest.raises(ReconstructionError, match=r"rows F2017-003, F2017-012 imply no common size"):
        reconstruct_generic(2017, published=pd.concat([pub17, row], ignore_index=True))


def test_mean_base_text_is_generated_from_the_row_not_fixed():
    audit = run_audit(2015)
    md = audit_markdown(audit)
    assert "**Gemiddeld 3 teams.** Beide noemers ronden af op 3; welke bedoeld is, blijft open" in md
    one = audit.copy()
    sel = one["finding_id"] == "X-mean-base"
    one.loc[sel, ["value", "status", "lezing", "reading"]] = ["4.5", "consistent", "alle respondenten",
                                                               "all respondents"]
    assert "**Gemiddeld 4,5 teams.** Alleen de noemer alle respondenten geeft dat gemiddelde" in audit_markdown(one)
    assert "**About 4.5 teams on average.** Only the base all respondents gives that mean" in audit_markdown(one, "en")
    assert "drie" not in audit_markdown(one).split("**Gemiddeld")[1].split("\n")[0]
