"""The zelfscan page in headless Chromium: a fictional municipality's answers filled in (keyboard included),
routing, Dutch validation, Part B, the result at once in the page, the answers downloaded (CSV + provenance)
and loaded back identically, ``wijkteam assess`` on the download, no network request, axe at 1280 and 390 px."""

from __future__ import annotations

import json
import re

import pytest
from test_browser import ARGS, CHROMIUM, INSTRUCTION, SCREENSHOTS, _axe, _no_page_scroll

from wijkteam_stats.cli import main
from wijkteam_stats.reference import paths
from wijkteam_stats.report.render import stylesheet
from wijkteam_stats.report.zelfscan_answers import read_answers
from wijkteam_stats.report.zelfscan_page import build_zelfscan_page

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.is_file(), reason=INSTRUCTION)]

GRID = {"wijkbewoners": ["geen"], "vrijwilligers": ["meedoen", "meedenken"], "mantelzorgers": "weet_niet",
        "doelgroep": ["geen"], "ervaringsdeskundigen": ["geen"], "clientenorganisaties": ["meedenken"]}
PART_B = {"sig_signalen": "gebeurt", "uit_inlooppunt": "gedeeltelijk", "bes_benoemen": "gebeurt_niet",
          "bes_werkplan": "gebeurt_niet", "bes_evalueren": "gebeurt_niet", "crit_clientondersteuning": "gedeeltelijk",
          "vb_taken": "gebeurt_niet"}


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    site = tmp_path_factory.mktemp("zelfscan_site")
    (site / "wijkteam.css").write_text(stylesheet(), encoding="utf-8")
    return build_zelfscan_page(site, 2015)


def _fill(page) -> None:
    page.check('input[name="a-has_teams"][value="ja"]')
    page.fill("#a-n_teams", "6")
    page.check('input[name="a-team_type"][value="breed_integraal"]')
    page.check('input[name="a-problem_scope"][value="beide"]')
    for d in ("maatschappelijk_werk", "wmo_consulent"):
        page.check(f'input[name="a-discipline"][value="{d}"]')
    page.check('input[name="a-work_income_tasks"][value="false"]')
    page.check('input[name="wn-goal"]')
    page.check('input[name="a-monitors_teams"][value="false"]')
    page.check('input[name="a-needs_support_involving_residents"][value="true"]')
    for g, forms in GRID.items():
        if forms == "weet_niet":
            page.check(f'input[name="wn-involvement-{g}"]')
        else:
            for f in forms:
                page.check(f'input[name="a-involvement-{g}"][value="{f}"]')
    page.fill("#a-toelichting", "Wij werken met zes teams.")
    for item, answer in PART_B.items():
        page.check(f'input[name="b-{item}"][value="{answer}"]')
    page.fill("#note-uit_inlooppunt", "alleen in de wijk Noord")
    page.fill("#zs-date", "2026-11-02")


def test_zelfscan_page_fill_download_load_assess(page_file, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    pytest.importorskip("axe_playwright_python", reason="a dev dependency: pip install -e .[dev]")
    requests: list[str] = []
    errors: list[str] = []
    paths.ensure_dir(SCREENSHOTS)
    downloads = tmp_path / "answers"
    downloads.mkdir()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri() + "#gemeente=GM0014")
            assert page.locator("h1").count() == 1
            assert page.input_value("#zs-gemeente") == "GM0014"  # pre-set by the URL fragment
            # routing: team questions only when the municipality works with teams
            assert page.locator("#q-discipline").is_hidden() and page.locator("#q-involvement").is_hidden()
            page.check('input[name="a-has_teams"][value="nee_gepland"]')
            assert page.locator("#q-discipline").is_hidden() and page.locator("#q-has_teams_anders").is_hidden()
            page.check('input[name="a-has_teams"][value="anders"]')
            assert page.locator("#q-has_teams_anders").is_visible()
            page.check('input[name="a-has_teams"][value="ja"]')
            assert page.locator("#q-discipline").is_visible() and page.locator("#q-problem_scope").is_hidden()
            page.check('input[name="a-team_type"][value="breed_integraal"]')
            assert page.locator("#q-problem_scope").is_visible()
            # validation in Dutch: no role, a count out of range, 'geen' with another form
            page.fill("#a-n_teams", "500")
            page.check('input[name="a-involvement-wijkbewoners"][value="geen"]')
            page.check('input[name="a-involvement-wijkbewoners"][value="meedoen"]')
            page.click("#zs-show")
            errs = page.locator("#zs-errors li").all_inner_texts()
            assert "Vul uw functie in (bijvoorbeeld beleidsmedewerker); geen naam." in errs
            assert "Vraag 2.: vul een heel getal in van 0 tot en met 100." in errs
            assert "Wijkbewoners: \u2018Geen betrokkenheid\u2019 kan niet samen met een andere vorm." in errs
            assert page.locator("#zs-result").is_hidden()
            page.uncheck('input[name="a-involvement-wijkbewoners"][value="meedoen"]')
            # keyboard only: role typed, who chosen with the arrow keys
            page.focus("#zs-role")
            page.keyboard.type("Jan 0612345678")
            page.focus('input[name="who"][value="gemeente"]')
            page.keyboard.press("ArrowDown")
            assert page.is_checked('input[name="who"][value="adviesraad"]')
            page.click("#zs-show")
            assert "geen naam, e-mailadres of telefoonnummer" in page.inner_text("#zs-errors")
            page.fill("#zs-role", "")
            page.focus("#zs-role")
            page.keyboard.type("secretaris adviesraad sociaal domein")
            _fill(page)
            progress = page.inner_text("#zs-progress-text")
            assert progress == "17 van 37 vragen beantwoord"  # 10 visible questions of part A + 27 items of part B
            page.focus("#zs-show")
            page.keyboard.press("Enter")
            assert page.locator("#zs-errors").is_hidden() and page.locator("#zs-result").is_visible()
            agenda = page.locator("#zs-agenda li").evaluate_all("els => els.map(e => e.id)")
            assert agenda == ["agenda-R01", "agenda-R05", "agenda-R11", "agenda-R12", "agenda-R13"]
            result = page.inner_text("#zs-result")
            assert "Zelf ingevuld door de adviesraad (secretaris adviesraad sociaal domein) op 2026-11-02" in result
            assert "87 % (F2015-003)" in result and "niet gepubliceerd" in result
            assert "1e in de rangorde (geen percentage gepubliceerd) (F2015-014)" in result  # a rank, not 1 %
            before = page.evaluate("JSON.stringify(window.zelfscan.collect())")
            page.screenshot(path=str(SCREENSHOTS / "zelfscan_1280.png"), full_page=True)
            _no_page_scroll(page, "zelfscan at 1280 px")
            _axe(page, "zelfscan at 1280 px")
            # download: the answers CSV and its provenance record
            got = []
            page.on("download", lambda d: got.append(d))
            page.click("#zs-download")
            page.wait_for_timeout(200)
            while len(got) < 2:
                page.wait_for_event("download")
            for d in got:
                d.save_as(downloads / d.suggested_filename)
            assert sorted(x.name for x in downloads.iterdir()) == ["zelfscan_GM0014_2015.csv",
                                                                   "zelfscan_GM0014_2015.meta.json"]
            first = sorted(downloads.iterdir())
            # load back into a fresh page: the form is restored identically
            page.goto(page_file.as_uri())
            page.set_input_files("#zs-load", str(downloads / "zelfscan_GM0014_2015.csv"))
            page.wait_for_function("document.getElementById('zs-gemeente').value === 'GM0014'")
            assert page.evaluate("JSON.stringify(window.zelfscan.collect())") == before
            # a year later: one answer changed, a second answers file of the same municipality
            page.fill("#a-n_teams", "7")
            page.check('input[name="b-bes_werkplan"][value="gedeeltelijk"]')
            page.fill("#zs-date", "2027-11-05")
            got.clear()
            page.click("#zs-download")
            while len(got) < 2:
                page.wait_for_event("download")
            for d in got:
                d.save_as(downloads / d.suggested_filename.replace("_2015.", "_2015_later."))
            # at 390 px: no page scroll, axe clean
            page.set_viewport_size({"width": 390, "height": 900})
            page.click("#zs-show")
            _no_page_scroll(page, "zelfscan at 390 px")
            _axe(page, "zelfscan at 390 px")
            page.screenshot(path=str(SCREENSHOTS / "zelfscan_390.png"), full_page=False)
            # the download is a survey export that the cleaner reads, with its provenance
            meta = json.loads((downloads / "zelfscan_GM0014_2015.meta.json").read_text(encoding="utf-8"))
            assert (meta["kind"], meta["who"], meta["role"], meta["date"]) == (
                "self-reported", "adviesraad", "secretaris adviesraad sociaal domein", "2026-11-02")
            (z,) = read_answers(downloads / "zelfscan_GM0014_2015.csv", 2015)
            assert z.answers["a"]["involvement"]["mantelzorgers"] == "weet_niet"
            assert z.answers["a"]["goal"] == "weet_niet"
            assert z.answers["b"] == PART_B and z.tidy["n_teams"] == 6
            out = tmp_path / "report"
            assert main(["assess", str(downloads), "--wave", "2015", "--provenance", "self-reported",
                         "--out", str(out)]) == 0
            report = out / "zelfscan_GM0014.html"
            html = report.read_text(encoding="utf-8")
            # the report reads well at both widths and prints on A4
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(report.as_uri())
            _axe(page, "zelfscan report at 1280 px")
            page.screenshot(path=str(SCREENSHOTS / "zelfscan_report_1280.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 900})
            _no_page_scroll(page, "zelfscan report at 390 px")
            _axe(page, "zelfscan report at 390 px")
            page.emulate_media(media="print")
            assert page.locator(".zs-prov-print").is_visible() and page.locator(".zs-prov").is_hidden()
            assert len(page.pdf(format="A4")) > 20_000
        finally:
            browser.close()
    assert errors == []
    # no network request: only the page itself and the downloads made in the page (data: URLs)
    assert {u.split("#")[0] for u in requests if not u.startswith("data:")} == {
        page_file.as_uri(), (page_file.parent / "wijkteam.css").as_uri()}
    assert "Uw antwoord: <strong>7</strong>" in html and "F2015-010" in html and "F2015-105" in html
    # the later file is the report's answers; 'Wat is veranderd' compares it with the earlier one
    assert 'id="agenda-R01"' not in html and 'id="agenda-R13"' in html  # werkplan 'gedeeltelijk' now
    assert "zelf ingevuld door de adviesraad (secretaris adviesraad sociaal domein) op 5 november 2027" in html
    changes = re.sub(r' data-label="[^"]*"', "", html.split('id="veranderd"')[1])
    assert "zelfscan_GM0014_2015.csv, ingevuld 2 november 2026" in changes
    assert "<td>6</td><td>7</td>" in changes and "<td>Gebeurt niet</td><td>Gedeeltelijk</td>" in changes
    assert [p.name for p in first] == ["zelfscan_GM0014_2015.csv", "zelfscan_GM0014_2015.meta.json"]
