"""Consistency audit of the published figures and the shared qualifier tolerances."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from wijkteam_stats.reference import paths
from wijkteam_stats.reproduce import tolerances
from wijkteam_stats.reproduce.audit import (
    AUDIT_COLUMNS,
    audit_markdown,
    audit_published,
    audit_table_nl,
    fmt_set,
    g32_feasible,
    run_audit,
    write_audit,
)


@pytest.fixture(scope="module")
def audit(pub, reg):
    return audit_published(pub, reg, wave=2015)


def _row(audit, fid):
    rows = audit[audit["finding_id"] == fid]
    assert len(rows) == 1, fid
    return rows.iloc[0]


# --------------------------------------------------------------------------- tolerances


def test_feasible_counts_of_rounded_percentages():
    assert list(tolerances.feasible_counts(87, "rounded", "percent", 234)) == [203, 204]
    assert list(tolerances.feasible_counts(12, "rounded", "percent", 234)) == [27, 28, 29]
    assert list(tolerances.feasible_counts(60, "rounded", "percent", 393)) == [234, 235, 236, 237]
    assert list(tolerances.feasible_counts(1, "rounded", "percent", 189)) == [1, 2]
    assert list(tolerances.feasible_counts(96, "rounded", "percent", 25)) == [24]
    assert list(tolerances.feasible_counts(96, "rounded", "percent", 22)) == []  # 21/22 = 95.45 %


def test_feasible_counts_of_approximate_figures_and_counts():
    # 'de helft' of 204: 47.5-52.5 % -> 97..107
    assert list(tolerances.feasible_counts(50, "approximate", "percent", 204)) == list(range(97, 108))
    # 'gemiddeld drie' over 234 respondents: totals 585..819
    r = tolerances.feasible_counts(3, "approximate", "mean", 234)
    assert (r.start, r.stop - 1) == (585, 819)
    assert list(tolerances.feasible_counts(603, "exact", "count", None)) == [603]
    with pytest.raises(ValueError):
        tolerances.feasible_counts(40, "approximate", "percent", None)


def test_tolerance_boundaries_are_closed_and_exact():
    # 173/200 = 86.5 % exactly: halfway, accepted for 86 and 87 (rounding rule unknown)
    assert tolerances.share_within(173, 200, 86, "rounded")
    assert tolerances.share_within(173, 200, 87, "rounded")
    assert not tolerances.share_within(174, 200, 86, "rounded")
    assert tolerances.within(Fraction(603, 234), 3, "approximate", "mean")
    assert not tolerances.within(Fraction(603, 170), 3, "approximate", "mean")  # 3.547
    assert tolerances.within(64.5, 67, "approximate", "percent")
    assert not tolerances.within(64.49, 67, "approximate", "percent")
    assert tolerances.describe("rounded", "percent") == "±0.5 pp (rounded)"
    with pytest.raises(ValueError, match="unknown qualifier"):
        tolerances.tolerance("roughly", "percent")


def test_competition_ranks_and_shared_ranks():
    counts = {"a": 10, "b": 10, "c": 8, "d": 5, "e": 5, "f": 1}
    assert tolerances.competition_ranks(counts) == {"a": 1, "b": 1, "c": 3, "d": 4, "e": 4, "f": 6}
    assert tolerances.rank_holds(counts, "d", 4, shared=True)
    assert not tolerances.rank_holds(counts, "c", 3, shared=True)
    assert tolerances.rank_holds(counts, "c", 3, shared=False)
    assert tolerances.small_share_holds([5_000] * 9 + [30_000])
    assert not tolerances.small_share_holds([5_000] * 8 + [30_000] * 2 + [25_000])


# --------------------------------------------------------------------------- the audit


def test_audit_table_shape_and_statuses(audit, pub):
    assert list(audit.columns) == AUDIT_COLUMNS
    figures = audit[audit["kind"] == "figure"]
    assert set(figures["finding_id"]) == set(pub["finding_id"])
    assert set(audit["status"]) <= {"consistent", "ambiguous", "inconsistent", "reference"}
    assert (audit["status"] == "inconsistent").sum() == 0
    assert _row(audit, "F2015-004")["status"] == "reference"  # the 2014 trend value is no target
    assert _row(audit, "F2015-003")["feasible"] == "base 234: {203, 204} municipalities"


def test_g32_split_feasible_sets(audit):
    # 96 % of g with g <= 37 (or <= 41 with the G4) and 86 % of the rest: only g = 23..28
    assert g32_feasible(audit, "A") == [23, 24, 25, 26, 27, 28]
    assert g32_feasible(audit, "B") == [23, 24, 25, 26, 27, 28]
    row = _row(audit, "X-G32-split-A")
    assert "K=203: g ∈ {23–27}" in row["feasible"] and "K=204: g ∈ {23–28}" in row["feasible"]
    assert "without teams: {1}" in row["feasible"]  # always exactly one G32 respondent without teams
    assert "K=203: g ∈ {23–26}" in _row(audit, "X-G32-split-C")["feasible"]
    reading = _row(audit, "X-G32-reading")
    assert reading["status"] == "ambiguous" and reading["feasible"] == "feasible under A, B, C"


def test_mean_base_and_g32_mean(audit):
    mb = _row(audit, "X-mean-base")
    assert mb["status"] == "ambiguous"
    assert "603/234 = 2.58" in mb["feasible"] and "603/204 = 2.96" in mb["feasible"]
    a = _row(audit, "X-G32-mean-A")
    assert a["status"] == "consistent" and "g=25 (all): {188–212}" in a["feasible"]
    b = _row(audit, "X-G32-mean-B")
    assert b["status"] == "consistent" and "inside the G32" in b["description"]
    assert _row(audit, "X-rotterdam-max")["status"] == "consistent"


def test_involvement_rows(audit):
    vr = _row(audit, "X-involvement-vrijwilligers")
    assert vr["status"] == "consistent"
    assert "geen {81, 82}" in vr["feasible"] and "≥ 2 forms {2–6}" in vr["feasible"]
    assert "{14, 15}" in vr["note"]  # item non-response among 203/204 with teams
    dg = _row(audit, "X-involvement-doelgroep")
    assert "≥ 2 forms {0–2}" in dg["feasible"] and "one form per municipality" in dg["note"]
    assert _row(audit, "X-work-income")["feasible"] == "K=203: W ∈ {97, 99–106}; K=204: W ∈ {97, 99–107}"


def test_audit_detects_inconsistent_figures(pub, reg):
    bad = pub.copy()
    bad.loc[bad["finding_id"] == "F2015-007", "value"] = 99.0  # 99 % of at most 41 G32 respondents
    bad.loc[bad["finding_id"] == "F2015-128", "value"] = 90.0  # meedenken 90 % with 19 % geen
    out = audit_published(bad, reg, wave=2015)
    assert _row(out, "X-G32-split-A")["status"] == "inconsistent"
    assert _row(out, "X-G32-split-A")["feasible"].startswith("g ∈ {}")
    assert _row(out, "X-involvement-clientenorganisaties")["status"] == "inconsistent"
    assert "X-G32-split-A" in audit_markdown(out, lang="en")


def test_fmt_set():
    assert fmt_set([23, 24, 25, 26]) == "{23–26}"
    assert fmt_set([203, 204]) == "{203, 204}"
    assert fmt_set([97, 99, 100, 101]) == "{97, 99–101}"
    assert fmt_set([]) == "{}"


def test_markdown_summary(audit):
    nl = audit_markdown(audit)
    assert "{23–28} responderende G32-gemeenten" in nl and "0 inconsistent" in nl
    en = audit_markdown(audit, lang="en")
    assert "No figure contradicts another" in en
    with pytest.raises(ValueError):
        audit_markdown(audit, lang="de")


def test_dutch_text_columns(audit):
    assert AUDIT_COLUMNS[-3:] == ["omschrijving", "lezing", "toelichting"]
    assert AUDIT_COLUMNS[:16] == [
        "finding_id", "kind", "topic", "description", "statistic", "qualifier", "value", "base",
        "base_candidates", "tolerance", "feasible", "n_solutions", "check", "status", "reading", "note"]
    for en, nl in (("description", "omschrijving"), ("reading", "lezing"), ("note", "toelichting")):
        assert ((audit[en] != "") == (audit[nl] != "")).all(), en  # a Dutch text exactly where an English one is
    assert _row(audit, "F2015-004")["toelichting"] == ("niet gereproduceerd: de gegevens van 2015 kunnen een cijfer "
                                                       "van 2014 niet controleren; klopt met F2014-006 uit het "
                                                       "bestand van 2014")
    assert _row(audit, "X-mean-base")["lezing"] == "alle respondenten en respondenten met teams passen allebei"
    assert _row(audit, "X-G32-reading")["lezing"].startswith("A (de gedocumenteerde lezing van dit project, D4)")
    assert "binnen de G32 (lezing B)" in _row(audit, "X-G32-mean-B")["omschrijving"]
    vr = _row(audit, "X-involvement-vrijwilligers")["toelichting"]
    assert "{14, 15}" in vr and "minstens 2 gemeenten kruisten meerdere vormen aan" in vr
    assert "minstens 1 gemeente kruiste" in _row(audit, "X-involvement-wijkbewoners")["toelichting"]
    nl = audit_markdown(audit)
    assert "basis gemiddelde (alle respondenten en respondenten met teams passen allebei)" in nl and "both fit" not in nl
    assert "alle respondenten: 603/234 = 2,58; respondenten met teams: 603/203 = 2,97, 603/204 = 2,96" in nl
    assert "both fit" in audit_markdown(audit, lang="en")
    table = audit_table_nl(audit)
    assert table.columns.tolist() == ["Controle", "Omschrijving", "Mogelijke waarden", "Status", "Lezing",
                                      "Toelichting"]
    assert len(table) == int((audit["kind"] == "cross-check").sum())
    assert set(table["Status"]) == {"consistent", "meerduidig"}
    assert not table["Controle"].str.startswith("X-").any() and "lezing 1" in set(table["Controle"])
    assert table.loc[table["Controle"] == "basis ondersteuning", "Lezing"].item() == (
        "aandeel van alle responderende gemeenten ('van de gemeenten')")


def test_write_audit(tmp_path):
    path = write_audit(2015, tmp_path)
    assert path == tmp_path / "consistency_audit_2015.csv"
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(back.columns) == AUDIT_COLUMNS and len(back) == len(run_audit(2015))
    with pytest.raises(PermissionError):
        write_audit(2015, paths.RAW / "tables")


def test_audit_command(tmp_path, capsys):
    from wijkteam_stats.cli import main

    assert main(["audit", "--wave", "2015", "--out-dir", str(tmp_path), "--lang", "en"]) == 0
    assert (tmp_path / "consistency_audit_2015.csv").is_file()
    assert "responding G32 municipalities" in capsys.readouterr().out


def test_dutch_audit_table_has_no_english_fragments_or_set_notation():
    from wijkteam_stats.reproduce.audit import feasible_nl

    assert feasible_nl("with teams {203, 204}, nadrukkelijk niet {27–29}, rest {1–4}") == \
        "met teams 203 of 204, nadrukkelijk niet 27–29, overig 1–4"
    assert feasible_nl("base 203: {97, 99–106} municipalities") == "basis 203: 97 of 99–106 gemeenten"
    assert feasible_nl("all respondents: 603/234 = 2.58") == "alle respondenten: 603/234 = 2,58"
    assert feasible_nl("the other K − 1 municipalities share 561 teams, 1–41 each; fits for K ∈ {203, 204}") == \
        "de overige K − 1 gemeenten delen 561 teams, 1–41 per gemeente; past bij K = 203 of 204"
    assert feasible_nl("125 municipalities < 20.000 inhabitants invited").endswith("20.000 inwoners uitgenodigd")


def test_dutch_audit_summary_and_notes_have_no_english_set_notation():
    from wijkteam_stats.reference.municipalities import register
    from wijkteam_stats.reference.published import load_published
    from wijkteam_stats.reproduce.audit import audit_markdown, audit_published, audit_table_nl

    audit = audit_published(load_published(wave=2017), register(2017), wave=2017)
    text = audit_markdown(audit) + " ".join(audit_table_nl(audit, kind=None)["Toelichting"].astype(str))
    assert "responding G32 members" not in text and "{" not in text
