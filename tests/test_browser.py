"""The site in headless Chromium (Debian's ``chromium``, driven by Playwright; no browser download).

Builds two real reports and the site in a temporary folder, opens them from the file system and checks:
no console errors, no request leaves the file system, the filter works, images render. A screenshot of the
index goes to ``outputs/site_screenshot.png``. Without Chromium the test is skipped with the instruction.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_profile import SCRIPT, fake_expectations, fake_tidy, teams_answers

from wijkteam_stats.batch.runner import run_reports
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.report.site import build_site

#: Debian's Chromium (``apt-get install chromium``); WIJKTEAM_CHROMIUM points elsewhere (e.g. to check the skip).
CHROMIUM = Path(os.environ.get("WIJKTEAM_CHROMIUM", "/usr/bin/chromium"))
INSTRUCTION = "Chromium not found: apt-get install chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.is_file(), reason=INSTRUCTION)]


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    d = tmp_path_factory.mktemp("browser_site")
    codes = [c for i, c in enumerate(register(2015)["gm_code"]) if i % 3 == 0 or c == "GM0363"]
    codes = [c for c in codes if c != "GM0010"]
    survey = d / "SYNTHETIC_browser_2015.parquet"
    fake_tidy(codes, seed=3, overrides={"GM0363": {**teams_answers(30), "toelichting": SCRIPT}}).to_parquet(survey)
    exp = d / "expected.csv"
    fake_expectations().to_csv(exp, index=False)
    out = d / "outputs"
    res = run_reports(["GM0363", "GM0010"], 2015, survey_path=survey, expectations_path=exp, outputs_dir=out,
                      workers=2, progress=False, log=None)
    assert res.built == 2, res.results
    return build_site(2015, outputs_dir=out).site_dir


def _browser(p):
    return p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)


def test_site_in_headless_chromium(built_site):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: pip install -e .[dev]")
    errors: list[str] = []
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = _browser(p)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})

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

            page.goto((built_site / "index.html").as_uri())
            rows = page.locator("#municipalities tbody tr")
            assert rows.count() == 393
            assert page.locator("#f-count").inner_text() == "393"
            page.fill("#f-name", "amster")
            assert page.locator("#municipalities tbody tr:not([hidden])").count() == 1
            assert page.locator("#f-count").inner_text() == "1"
            page.fill("#f-name", "")
            page.select_option("#f-province", "Groningen")
            n_groningen = int((register(2015)["province"] == "Groningen").sum())
            assert page.locator("#municipalities tbody tr:not([hidden])").count() == n_groningen
            page.select_option("#f-size", "≥ 100.000")
            visible = page.locator("#municipalities tbody tr:not([hidden])")
            assert [visible.nth(i).get_attribute("data-code") for i in range(visible.count())] == ["GM0014"]
            page.select_option("#f-province", "")
            page.select_option("#f-size", "")
            page.fill("#f-name", "GM0363")
            paths.ensure_dir(paths.OUTPUTS)
            page.screenshot(path=str(paths.OUTPUTS / "site_screenshot.png"))

            page.click("text=Amsterdam")
            page.wait_for_load_state("load")
            assert page.url.endswith("/reports/GM0363.html")
            _check_images(page, at_least=3)
            body = page.inner_text("body")
            assert "SYNTHETISCHE" in body and SCRIPT in body  # free text shown as text, not run
            assert page.evaluate("document.querySelectorAll('script').length") == 0

            page.goto((built_site / "reports" / "GM0010.html").as_uri())
            _check_images(page, at_least=3)
            assert "niet ingevuld" in page.inner_text("body")
            for extra, needle in (("methods.html", "Bron: CBS"), ("reproduction.html", "nog niet gebouwd"),
                                  ("models.html", "nog niet gebouwd")):
                page.goto((built_site / extra).as_uri())
                assert needle in page.inner_text("body"), extra
        finally:
            browser.close()
    assert errors == []
    assert outside == []
    assert (paths.OUTPUTS / "site_screenshot.png").stat().st_size > 10_000


def _check_images(page, at_least: int) -> None:
    sizes = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(sizes) >= at_least
    assert all(done and width > 0 and alt for done, width, alt in sizes), sizes
