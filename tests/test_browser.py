"""The site in headless Chromium (Debian's ``chromium``, driven by Playwright; no browser download).

Builds two real reports, a national page (the exporter of the notebooks, with a wide table) and the site in a
temporary folder, opens them from the file system and checks: search with the names people type (aliases of
``resolve``) and "geen resultaten"; no horizontal page scroll at 1280 px and at 390 px; no console errors; no
request leaves the file system; images render; axe-core (bundled with axe-playwright-python, injected into the
page: works offline) finds no serious or critical violation on the index, a report, the national pages and the
methods page. Screenshots go to ``outputs/screenshots/`` for review. Without Chromium the test is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from published_checks import page_problems
from test_profile import SCRIPT, fake_expectations, fake_tidy, mark_provenance, teams_answers

from wijkteam_stats.batch.runner import run_reports
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.report.notebooks import export_html
from wijkteam_stats.report.page_tables import Col, table_html
from wijkteam_stats.report.site import build_site

#: Debian's Chromium (``apt-get install chromium``); WIJKTEAM_CHROMIUM points elsewhere (e.g. to check the skip).
CHROMIUM = Path(os.environ.get("WIJKTEAM_CHROMIUM", "/usr/bin/chromium"))
INSTRUCTION = "Chromium not found: apt-get install chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = paths.OUTPUTS / "screenshots"
#: Pages held to the published-page rules (tests/published_checks.py). Not yet the methods page (it embeds the
#: English assumptions document) nor the real notebook-made national pages (see tests/test_published_pages.py).
PUBLISHED_RULES = ("index", "report", "reproduction", "models", "methods", "zelfscan")

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.is_file(), reason=INSTRUCTION)]


def _national_page(path: Path) -> None:
    """A national page made by the notebooks' exporter: a heading, text and a wide table."""
    nb = nbformat.v4.new_notebook()
    wide = "<table><thead><tr>" + "".join(f"<th>Kolom {i}</th>" for i in range(16)) + "</tr></thead><tbody>"
    wide += "".join("<tr>" + "".join(f"<td>waarde {r},{i} met wat tekst</td>" for i in range(16)) + "</tr>"
                    for r in range(5)) + "</tbody></table>"
    out = nbformat.v4.new_output("display_data", data={"text/html": wide})
    nb.cells = [nbformat.v4.new_markdown_cell("# Landelijke reproductie 2015\n\nDe scorekaart."),
                nbformat.v4.new_code_cell("show()", outputs=[out])]
    export_html(nb, path, title="Landelijke reproductie 2015")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    d = tmp_path_factory.mktemp("browser_site")
    codes = [c for i, c in enumerate(register(2015)["gm_code"]) if i % 3 == 0 or c == "GM0363"]
    codes = [c for c in codes if c != "GM0010"]
    survey = d / "browser_2015.parquet"
    fake_tidy(codes, seed=3, overrides={"GM0363": {**teams_answers(30), "toelichting": SCRIPT}}).to_parquet(survey)
    mark_provenance(survey, synthetic=True)
    exp = d / "expected.csv"
    fake_expectations().to_csv(exp, index=False)
    out = d / "outputs"
    res = run_reports(["GM0363", "GM0010"], 2015, survey_path=survey, expectations_path=exp, outputs_dir=out,
                      workers=2, progress=False, log=None)
    assert res.built == 2, res.results
    _national_page(out / "html" / "01_reproduce_movisie_2015.html")
    _models_page(out)
    return build_site(2015, outputs_dir=out).site_dir


def _models_page(out: Path) -> None:
    """A models page as the notebook makes it: an H1, and a table rendered from its numbers with its CSV."""
    frame = pd.DataFrame({"groep": ["Wijkbewoners", "Cliëntenorganisaties, -raden of wijkraden"],
                          "model": ["logit_size", "logit_size_network"], "estimate": [0.937, float("nan")],
                          "ci_low": [0.75, 0.49], "ci_high": [1.17, 0.98], "p_value": [0.0004, 0.038],
                          "p_adj": [0.416, 1.0], "converged": [True, False]})
    table = table_html(frame, [Col("groep", "Groep", "text"), Col("model", "Model", "code"),
                               Col("estimate", "OR per verdubbeling"), Col(("ci_low", "ci_high"), "95 %-interval",
                                                                        "interval"),
                               Col("p_value", "p", "p"), Col("p_adj", "p na Holm", "p"),
                               Col("converged", "Geconvergeerd", "yesno")], "Odds ratio per verdubbeling", out,
                       "models_2015_odds_ratios")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Betrokkenheid en gemeentegrootte 2015\n\nDe modellen."),
                nbformat.v4.new_code_cell("show()", outputs=[nbformat.v4.new_output("display_data",
                                                                                    data={"text/html": table})])]
    export_html(nb, out / "html" / "02_involvement_vs_size_2015.html", title="Betrokkenheid 2015")


def _browser(p):
    return p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)


def _visible(page) -> list[str]:
    rows = page.locator("#municipalities tbody tr:not([hidden])")
    return [rows.nth(i).get_attribute("data-code") for i in range(rows.count())]


def _no_page_scroll(page, where: str) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{where}: page is {width[0]} px wide in a {width[1]} px window"


def _axe(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    # preload off: axe would fetch the stylesheet with XMLHttpRequest, which Chromium refuses on file:// pages
    results = Axe().run(page, options={"resultTypes": ["violations"], "preload": False})
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{where}: {bad}"


def test_site_in_headless_chromium(built_site):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: pip install -e .[dev]")
    pytest.importorskip("axe_playwright_python", reason="a dev dependency: pip install -e .[dev]")
    errors: list[str] = []
    outside: list[str] = []
    paths.ensure_dir(SCREENSHOTS)
    pages = {"index": built_site / "index.html", "report": built_site.parent / "reports" / "2015" / "GM0363.html",
             "reproduction": built_site / "reproduction_2015.html", "models": built_site / "models_2015.html",
             "methods": built_site / "methods.html", "zelfscan": built_site / "zelfscan.html"}
    # every page of the site is checked (a new page cannot slip past), the report beside them
    assert {p.stem.split("_")[0] for p in built_site.glob("*.html")} <= set(pages), sorted(built_site.glob("*.html"))
    with sync_api.sync_playwright() as p:
        browser = _browser(p)
        try:
            for width in (1280, 390):
                context = browser.new_context(viewport={"width": width, "height": 900})

                def route(r):
                    if r.request.url.startswith(("file://", "data:")):
                        r.continue_()
                    else:
                        outside.append(r.request.url)
                        r.abort()

                context.route("**/*", route)
                page = context.new_page()
                page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
                page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
                for name, path in pages.items():
                    page.goto(path.as_uri())
                    page.wait_for_load_state("load")
                    assert page.locator("h1").count() == 1, name
                    _no_page_scroll(page, f"{name} at {width} px")
                    if name == "report":
                        _check_images(page, at_least=2)
                        _check_map(page)
                    page.screenshot(path=str(SCREENSHOTS / f"{name}_{width}.png"), full_page=name != "index")
                    _axe(page, f"{name} at {width} px")
                    if name in PUBLISHED_RULES:
                        assert page_problems(page.content()) == [], name
                    for href in page.eval_on_selector_all("a[download]", "els => els.map(e => e.href)"):
                        assert Path(href.removeprefix("file://")).is_file(), f"{name}: CSV {href} missing"
                context.close()

            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file://", "data:"))
                          else (outside.append(r.request.url), r.abort()))
            page = context.new_page()
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.goto(pages["index"].as_uri())
            assert page.locator("#municipalities tbody tr").count() == 393
            assert page.locator("#f-count").inner_text() == "393"
            for typed, expected in (("amster", ["GM0363"]), ("Den Haag", ["GM0518"]), ("den bosch", ["GM0796"]),
                                    ("De Fryske Marren", ["GM1921"]), ("Ljouwert", ["GM0080", "GM0081"]),
                                    ("gm0363", ["GM0363"]), ("Súdwest Fryslân", ["GM1900"])):
                page.fill("#f-name", typed)
                assert _visible(page) == expected, typed
                assert page.locator("#f-none").is_hidden()
            page.fill("#f-name", "Eemsdelta")  # merged in 2021: finds the three municipalities of 2015
            assert sorted(_visible(page)) == ["GM0003", "GM0010", "GM0024"]
            # typos: ranked by similarity, with "Bedoelt u …?"
            for typed, first in (("Amsterdm", "GM0363"), ("Utreht", "GM0344"), ("Groningn", "GM0014")):
                page.fill("#f-name", typed)
                assert _visible(page)[:1] == [first], typed
                assert page.locator("#f-suggest").is_visible() and page.locator("#f-none").is_hidden()
                assert "Bedoelt u" in page.locator("#f-suggest").inner_text()
            page.click("#f-suggest-list button >> nth=0")
            assert page.input_value("#f-name") == "Groningen" and page.locator("#f-suggest").is_hidden()
            # an alias says why it matches
            page.fill("#f-name", "Bergen")
            row = page.locator('#municipalities tbody tr[data-code="GM0241"]')
            assert row.is_visible() and "— omvat het vroegere Ubbergen" in row.inner_text()
            page.fill("#f-name", "Den Haag")
            assert "ook bekend als Den Haag" in page.locator('tr[data-code="GM0518"]').inner_text()
            page.fill("#f-name", "Atlantis")
            assert _visible(page) == [] and page.locator("#f-none").is_visible()
            assert page.locator("#f-suggest").is_hidden()
            assert "Geen resultaten" in page.locator("#f-none").inner_text()
            page.fill("#f-name", "")
            page.select_option("#f-province", "Groningen")
            n_groningen = int((register(2015)["province"] == "Groningen").sum())
            assert len(_visible(page)) == n_groningen
            page.select_option("#f-size", "≥ 100.000")
            assert _visible(page) == ["GM0014"]
            page.select_option("#f-province", "")
            page.select_option("#f-size", "")
            page.fill("#f-name", "Amsterdam")
            page.click("text=Amsterdam")
            page.wait_for_load_state("load")
            assert page.url.endswith("/reports/2015/GM0363.html")
            body = page.inner_text("body")
            assert "SYNTHETISCHE" in body and "alert(" not in body  # free text never shown on synthetic data
            assert page.evaluate("document.querySelectorAll('script').length") == 0
            page.click("text=Alle gemeenten")
            page.wait_for_load_state("load")
            assert page.url.endswith("/site/index.html")
        finally:
            browser.close()
    assert errors == []
    assert outside == []
    assert (SCREENSHOTS / "index_1280.png").stat().st_size > 10_000


def _check_map(page) -> None:
    """The map is one inline SVG, drawn at a visible size and named for screen readers by its <title>."""
    maps = page.evaluate("Array.from(document.querySelectorAll('svg.wt-map')).map(s => "
                         "[s.getBoundingClientRect().width, s.getBoundingClientRect().height, "
                         "s.querySelector('title') && s.querySelector('title').textContent])")
    assert len(maps) == 1 and maps[0][0] > 200 and maps[0][1] > 200, maps
    assert maps[0][2].startswith("Kaart van Nederland waarop"), maps


def _check_images(page, at_least: int) -> None:
    sizes = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(sizes) >= at_least
    assert all(done and width > 0 and alt for done, width, alt in sizes), sizes
