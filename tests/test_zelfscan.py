"""The zelfscan: Part A generated from the codebook, answer files in the survey-export format read back through
the cleaner, the Excel template, and ``wijkteam assess`` reports beside the published figures."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest

from wijkteam_stats.cli import main
from wijkteam_stats.reference.zelfscan_form import columns, default_wave, questionnaire, waves_with_grid
from wijkteam_stats.report.zelfscan_answers import WN, read_answers, write_answers


def example_answers(code: str = "GM0014", **over) -> dict:
    """A fictional municipality's zelfscan (Groningen's code; the answers are invented by the test)."""
    a = {"has_teams": "ja", "n_teams": 6, "team_type": ["breed_integraal"], "problem_scope": "beide",
         "discipline": ["maatschappelijk_werk", "wmo_consulent"], "work_income_tasks": False, "goal": WN,
         "monitors_teams": False, "needs_support_involving_residents": True,
         "involvement": {"wijkbewoners": ["geen"], "vrijwilligers": ["meedenken", "meedoen"], "mantelzorgers": WN,
                         "doelgroep": ["geen"], "ervaringsdeskundigen": ["geen"],
                         "clientenorganisaties": ["meedenken"]},
         "toelichting": "Wij werken met zes teams; <b>niet</b> vet"}
    b = {"sig_signalen": "gebeurt", "uit_inlooppunt": "gedeeltelijk", "bes_benoemen": "gebeurt_niet",
         "bes_werkplan": "gebeurt_niet", "bes_evalueren": "gebeurt_niet", "crit_clientondersteuning": "gedeeltelijk",
         "vb_taken": "gebeurt_niet"}
    out = {"gm_code": code, "wave": 2015, "status": "compleet", "filled_in": "2026-11-02T09:15",
           "who": "adviesraad", "role": "secretaris adviesraad sociaal domein", "a": a, "b": b,
           "b_notes": {"uit_inlooppunt": "alleen in de wijk Noord"}}
    out.update(over)
    return out


def _norm(ans: dict) -> dict:
    def sort(v):
        if isinstance(v, list):
            return sorted(v)
        if isinstance(v, dict):
            return {k: sort(x) for k, x in sorted(v.items())}
        return v
    return sort(ans)


def test_part_a_comes_from_the_codebook_with_routing_from_the_published_universes():
    assert waves_with_grid() == [2015] and default_wave() == 2015
    qs = {q.name: q for q in questionnaire()}
    assert qs["has_teams"].number == "1." and qs["has_teams"].show_if is None and not qs["has_teams"].weet_niet
    assert qs["has_teams_anders"].show_if == {"column": "has_teams", "equals": ["anders"]}
    assert qs["discipline"].show_if["equals"] == ["ja"] and qs["involvement"].show_if["column"] == "has_teams"
    assert qs["problem_scope"].show_if == {"column": "team_type__breed_integraal", "equals": [True],
                                           "universe": "broad_integral_teams"}
    assert qs["needs_support_involving_residents"].show_if is None
    assert len(qs["involvement"].options) == 6 and [f["code"] for f in qs["involvement"].forms][-1] == "geen"
    heads = [c["header"] for c in columns()]
    assert "Wijkbewoners - Geen betrokkenheid" in heads and "Deel B: bes_werkplan" in heads
    # 2017 has no grid and other questions: its questionnaire follows its codebook
    assert "involvement" not in {q.name for q in questionnaire(2017)}


def test_answers_file_round_trips_through_the_cleaner(tmp_path):
    ans = example_answers()
    path = write_answers(ans, tmp_path)
    assert path.name == "zelfscan_GM0014_2015.csv" and path.read_bytes().startswith(b"\xef\xbb\xbf")
    meta = json.loads((tmp_path / "zelfscan_GM0014_2015.meta.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "self-reported" and meta["role"] == "secretaris adviesraad sociaal domein"
    (got,) = read_answers(path, 2015)
    assert _norm(got.answers) == _norm(ans)
    assert got.tidy["involvement__vrijwilligers__meedoen"] is True and got.tidy["goal__preventie"] is None


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    d = tmp_path_factory.mktemp("assess")
    answers = d / "answers"
    answers.mkdir()
    write_answers(example_answers(), answers, "groningen_2026")
    later = example_answers(filled_in="2027-11-05T10:00", b={**example_answers()["b"], "bes_werkplan": "gedeeltelijk"})
    later["a"] = {**later["a"], "n_teams": 7}
    write_answers(later, answers, "groningen_2027")
    out = d / "out"
    assert main(["assess", str(answers), "--wave", "2015", "--out", str(out)]) == 0
    return d, (out / "zelfscan_GM0014.html").read_text(encoding="utf-8")


def test_report_sets_own_answers_beside_published_figures(assessed):
    _, html = assessed
    assert "Zelfscan sociale (wijk)teams: Groningen" in html
    # own answer, published national figure with its finding id and the Wilson interval from the published base
    assert "Uw antwoord: <strong>Ja</strong>" in html
    assert "87 %" in html and "(95 %-interval 82–91 %; n = 234)" in html and "F2015-003" in html
    assert "F2015-007" in html and "G32-gemeenten: 96 %" in html  # Groningen is a G32 municipality
    assert "overige gemeenten (geen G32)" not in html
    assert "niet gepubliceerd" in html and "Sociale-wijkteams-in-beeld" in html
    # the grid beside the handreiking's table (62 % geen betrokkenheid of wijkbewoners, n = 189)
    assert "F2015-105" in html and "n = 189 gemeenten" in html
    # free text is escaped
    assert "&lt;b&gt;niet&lt;/b&gt;" in html and "<b>niet</b>" not in html
    assert not re.search(r"\bnan\b|\bNone\b", html)


def test_report_part_b_agenda_changes_and_provenance(assessed):
    _, html = assessed
    assert html.count("zelf ingevuld door de adviesraad (secretaris adviesraad sociaal domein) op 5 november 2027") >= 2
    # Part B with the handreiking's own local example where a gap is marked (vb_taken: Zaanstad, Arnhem)
    assert "Bewoners Bedrijven Zaanstad" in html and "Arnhem, wijk Presikhaaf (voornemen)" in html
    # gespreksagenda: the rule that produced each point is shown
    ids = re.findall(r'id="agenda-(R\d+)"', html)
    # the later file: werkplan is "gedeeltelijk" now, so no R01; three groups "geen" (R14 needs four)
    assert ids == ["R05", "R11", "R12", "R13"]
    assert "Regel R11: deel A, &#39;Monitort uw gemeente wat de sociale (wijk)teams doen?&#39;: nee" in html
    # wat is veranderd: the number of teams and the werkplan item
    changes = re.sub(r' data-label="[^"]*"', "", html.split('id="veranderd"')[1])
    assert "groningen_2026.csv" in changes and "2. Hoeveel sociale (wijk)teams" in changes
    assert "<td>6</td><td>7</td>" in changes and "<td>Gebeurt niet</td><td>Gedeeltelijk</td>" in changes
    assert "@page { size: A4" in html


def test_wat_is_veranderd_across_two_waves_links_questions_by_the_codebook(tmp_path):
    """A 2014 zelfscan and a 2015 one of the same municipality: changes only for the questions both waves
    asked (answers linked by option code, each in its own wave's wording); the others listed per wave."""
    answers = tmp_path / "answers"
    answers.mkdir()
    early = example_answers(wave=2014, filled_in="2025-10-01T10:00")
    early["a"] = {"has_teams": "ja", "team_type": ["doelgroepgericht", "breed_integraal"],
                  "neighbourhood_analysis": "ja", "agreements": ["output"], "intends_to_evaluate": True,
                  "toelichting": "Wij werken met zes teams; <b>niet</b> vet"}
    write_answers(early, answers)
    write_answers(example_answers(), answers)  # 2015: team_type only breed_integraal now
    assert main(["assess", str(answers), "--wave", "2015", "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "zelfscan_GM0014.html").read_text(encoding="utf-8")
    assert "Uw antwoord: <strong>6</strong>" in html  # the report is the 2015 file's
    changes = re.sub(r' data-label="[^"]*"', "", html.split('id="veranderd"')[1]).split('class="wt-footer"')[0]
    assert "zelfscan_GM0014_2014.csv, ingevuld 1 oktober 2025, met de vragen van de peiling 2014" in changes
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td></tr>', changes)
    assert [r[0] for r in rows] == ["3. Welk type sociale (wijk)teams heeft uw gemeente?"]  # has_teams: same
    assert rows[0][1].startswith("Breed integraal team") and "Doelgroepgericht team" in rows[0][1]
    assert "Doelgroepgericht" not in rows[0][2]
    assert '<th scope="col">Eerder (1 oktober 2025)</th><th scope="col">Nu (2 november 2026)</th>' in changes
    only = {w: re.findall(r"<li>([^<]+)</li>", block)
            for w, block in re.findall(r"<p>Alleen in de vragenlijst van (\d{4}):</p>\s*<ul[^>]*>(.*?)</ul>", changes, re.S)}
    assert only["2014"] == ["Heeft uw gemeente vooraf een cijfermatige wijkanalyse gedaan?",
                            "Over welke onderwerpen maakt uw gemeente afspraken met de sociale (wijk)teams?",
                            "Gaat uw gemeente het sociale (wijk)team evalueren?"]
    assert len(only["2015"]) == 9 and "Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?" in only["2015"]
    assert not any("Welk type" in q for qs in only.values() for q in qs)


def test_assess_refuses_answers_without_provenance(tmp_path, capsys):
    path = write_answers(example_answers(), tmp_path)
    (tmp_path / f"{path.stem}.meta.json").unlink()
    assert main(["assess", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "--provenance real|self-reported|synthetic" in capsys.readouterr().err
    assert main(["assess", str(path), "--out", str(tmp_path / "out"), "--provenance", "self-reported"]) == 0
    assert "zelf ingevuld door de adviesraad" in (tmp_path / "out" / "zelfscan_GM0014.html").read_text(encoding="utf-8")


def test_excel_template_has_dropdowns_and_an_explanation_and_is_read_back(tmp_path):
    xlsx = tmp_path / "zelfscan_2015.xlsx"
    assert main(["assess", "template", "--wave", "2015", "--out", str(xlsx)]) == 0
    assert main(["assess", "template", "--out", str(tmp_path / "again.xlsx")]) == 0  # default wave: 2015
    assert (tmp_path / "again.xlsx").read_bytes() == xlsx.read_bytes()  # byte-reproducible
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Antwoorden", "Keuzelijsten", "Uitleg"]
    ws = wb["Antwoorden"]
    heads = [c.value for c in ws[1]]
    assert heads == [c["header"] for c in columns(2015)]
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    col = openpyxl.utils.get_column_letter(heads.index("1. Werkt uw gemeente met één of meer sociale (wijk)teams?") + 1)
    values = [c.value for c in wb["Keuzelijsten"][lists[f"{col}2"].split("!")[1].replace("$", "").split(":")[0][0]]][1:]
    assert values[:2] == ["Ja", "Nee, wij kiezen nadrukkelijk niet voor een sociaal (wijk)team"]
    info = {r[1]: r for r in wb["Uitleg"].iter_rows(values_only=True)}
    assert info["3. Welk type sociale (wijk)teams heeft uw gemeente? - Anders"][4] == \
        "alleen als vraag 1 is beantwoord met: Ja"
    fill = {"CBS gemeentecode": "GM0014", "Datum en tijd van invullen": "2026-12-01",
            "1. Werkt uw gemeente met één of meer sociale (wijk)teams?": "Nee, maar het is wel gepland",
            "Deel B: sig_signalen": "Gebeurt niet", "Zelfscan: ingevuld door": "gemeente",
            "Zelfscan: functie": "beleidsmedewerker"}
    for i, h in enumerate(heads, start=1):
        if h in fill:
            ws.cell(row=2, column=i, value=fill[h])
    wb.save(tmp_path / "filled.xlsx")
    (z,) = read_answers(tmp_path / "filled.xlsx", 2015)
    assert z.answers["a"] == {"has_teams": "nee_gepland"} and z.answers["b"] == {"sig_signalen": "gebeurt_niet"}
    assert main(["assess", str(tmp_path / "filled.xlsx"), "--out", str(tmp_path / "o"), "--provenance",
                 "self-reported"]) == 0
    html = (tmp_path / "o" / "zelfscan_GM0014.html").read_text(encoding="utf-8")
    assert "zelf ingevuld door de gemeente (beleidsmedewerker) op 1 december 2026" in html
    assert "Deze vraag is niet gesteld" in html and "R03" in html
