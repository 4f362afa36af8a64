"""Published-page rules (tests/published_checks.py) on the pages made from templates: the national pages'
opening sections for any set of waves, and the checker itself (it must catch what it is meant to catch)."""

from __future__ import annotations

import pytest
from published_checks import page_problems

from wijkteam_stats.report.pages import intro_html, publication


def test_checker_catches_each_rule():
    good = '<h1>Peiling 2015</h1><p>Op 1 oktober 2014 <code>has_teams</code>.</p><img alt="Kaart van Nederland met de G32">'
    assert page_problems(good) == []
    bad = ('<h1>a</h1><h1>b</h1><p>has_teams 2014-10-01 NaN rounded</p><img alt="No description has been provided '
           'for this image"><img>')
    problems = " ".join(page_problems(bad))
    for what in ("2 h1", "code token", "ISO date", "missing/bool", "English word", "2 img without a real alt"):
        assert what in problems, what


@pytest.mark.parametrize("kind, waves", [("reproduction", [2014]), ("reproduction", [2017]), ("models", [2015]),
                                         ("trends", [2014, 2015, 2017]), ("trends", [2015, 2017])])
def test_national_page_openings_follow_the_waves_present(kind, waves):
    html = intro_html(kind, waves, synthetic=True)
    assert page_problems(html) == []
    h1 = html.split("<h1>")[1].split("</h1>")[0]
    for w in waves:
        assert str(w) in h1 and publication(w)["title"] in html
        assert f"movisie_{w}.csv" in html
    assert "standaard 2015" not in html and "403, 393, 388" not in html
    assert 'href="../../notebooks/' in html and ">notebook</a>" in html
    if kind == "trends":
        assert {2: "twee", 3: "drie"}[len(waves)] + " landelijke peilingen" in html


def test_publication_reads_the_wave_settings():
    p = publication(2014)
    assert (p["title"], p["year"], p["fieldwork"]) == ("Sociale (wijk)teams in vogelvlucht", 2015, "oktober 2014")
    with pytest.raises(ValueError, match="unknown page kind"):
        intro_html("scorecard", [2015], True)


def test_cleaning_section_in_dutch_words():
    import pandas as pd

    from wijkteam_stats.report.pages import cleaning_html
    log = pd.DataFrame({"action": ["kept"] * 220 + ["merged"] * 3 + ["dropped"]})
    html = cleaning_html(log, "export.csv")
    assert page_problems("<h1>x</h1>" + html) == []
    assert "224 rijen gelezen" in html and "<th scope=\"row\">behouden</th><td class=\"num\">220</td>" in html
    assert "<th scope=\"row\">apart gezet</th><td class=\"num\">0</td>" in html
    for english in ("kept", "merged", "dropped", "rows read"):
        assert english not in html.replace("export.csv", "")
    with pytest.raises(ValueError, match="unknown action"):
        cleaning_html(pd.DataFrame({"action": ["lost"]}), "export.csv")


def test_a_wave_without_settings_is_named_by_its_year():
    html = intro_html("trends", [2015, 2016], synthetic=False)
    assert "<h1>Trends over de peilingen 2015 en 2016</h1>" in html and "peiling 2016" in html
    assert page_problems(html) == []


def test_universe_checks_are_named_in_dutch():
    from wijkteam_stats.reproduce.audit import check_name_nl

    assert check_name_nl("X-universe-with_teams") == "populatie gemeenten met teams"
    assert check_name_nl("X-universe-work_income_tasks") == "populatie teams met taken in werk en inkomen"
    assert page_problems(f"<h1>x</h1><p>{check_name_nl('X-universe-new_universe')}</p>") == []
