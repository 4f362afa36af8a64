"""The static site: index per wave with alias search, national pages of every wave, methods page; offline,
escaped, one copy of each report (linked, not copied) and no survey answers per municipality on synthetic data."""

from __future__ import annotations

import hashlib
import json
import re
from html import escape

import pytest
from test_profile import SCRIPT, fake_expectations, fake_tidy, mark_provenance, teams_answers

from wijkteam_stats.cli import main
from wijkteam_stats.reference import waves
from wijkteam_stats.reference.municipalities import SIZE_CLASS_LABELS
from wijkteam_stats.report import numbers, render, site

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)


def _outputs(tmp_path, synthetic: bool):
    survey = tmp_path / "survey_2015.parquet"
    fake_tidy(["GM0363", "GM0003"], overrides={"GM0363": teams_answers(30, toelichting=SCRIPT)}).to_parquet(survey)
    mark_provenance(survey, synthetic)
    exp = tmp_path / "expected.csv"
    fake_expectations().to_csv(exp, index=False)
    out = tmp_path / "outputs"
    reports = out / "reports" / "2015"
    for code in ("GM0363", "GM0010"):
        numbers.write_numbers(numbers.build_numbers(code, 2015, survey, exp), reports)
        (reports / f"{code}.html").write_text(f"<!DOCTYPE html><html><head><title>{code}</title></head>"
                                              f"<body class='jp-Notebook'><p>rapport {code}</p></body></html>")
    (out / "html").mkdir(parents=True)
    (out / "html" / "01_reproduce_movisie_2015.html").write_text("<html><body><main><h1>Reproductie</h1></main></body></html>")
    def record(code, **extra):  # a manifest record with the hashes of the files on disk (as the batch writes it)
        html, data = f"reports/2015/{code}.html", f"reports/2015/data/{code}.json"
        return {"html": html, "data": data, "html_sha256": hashlib.sha256((out / html).read_bytes()).hexdigest(),
                "data_sha256": hashlib.sha256((out / data).read_bytes()).hexdigest(), **extra}

    (out / "manifest.json").write_text(json.dumps({
        "seed": waves.REPORT_SEED, "package_versions": {"pandas": "3.1.1"},
        "reports": {"2015": {"items": {"GM0363": record("GM0363"),
                                       "GM0010": record("GM0010", stale=True, stale_reason="cel 3: KeyError")}}}}))
    return out


@pytest.fixture()
def outputs(tmp_path):
    """An outputs folder on SYNTHETIC data (by provenance): two reports, the reproduction page, a manifest."""
    return _outputs(tmp_path, synthetic=True)


def _row(html: str, name: str) -> str:
    return re.search(rf'<tr data-name="{name}".*?</tr>', html, re.S).group(0)


def test_index_lists_every_municipality_and_links_the_one_copy_of_each_report(outputs):
    res = site.build_site(2015, outputs_dir=outputs)
    assert res.index == outputs / "site" / "index.html" and (res.reports, res.municipalities) == (2, 393)
    html = res.index.read_text(encoding="utf-8")
    rows = re.findall(r"<tr data-name=\"([^\"]*)\" data-code=\"(GM\d{4})\"", html)
    assert len(rows) == 393 and len({c for _, c in rows}) == 393
    assert rows[0][0] == "Aa en Hunze"  # sorted by name
    assert '<a href="../reports/2015/GM0363.html">Amsterdam</a>' in html
    assert "Appingedam <span class=\"wt-muted\">(geen rapport)" in html
    for fid in ("f-name", "f-province", "f-size", "f-count", "f-none"):
        assert f'id="{fid}"' in html
    assert "Geen resultaten" in html
    assert html.count("<option value=") == 12 + 4 + 2
    assert all(f'<option value="{escape(s)}">' in html for s in SIZE_CLASS_LABELS)
    assert "SYNTHETISCHE" in html and "methods.html" in html and "reproduction_2015.html" in html
    assert html.count("<h1>") == 1


def test_index_on_synthetic_data_states_no_answer_per_municipality(outputs):
    html = site.build_site(2015, outputs_dir=outputs).index.read_text(encoding="utf-8")
    assert "Deelgenomen" not in html and "Sociale (wijk)teams</th>" not in html
    ams = _row(html, "Amsterdam")
    assert len(re.findall(r"<td", ams)) == 5  # name, code, province, size class, inhabitants


def test_index_on_real_data_shows_participation(tmp_path):
    out = _outputs(tmp_path, synthetic=False)
    html = site.build_site(2015, outputs_dir=out).index.read_text(encoding="utf-8")
    assert "<th scope=\"col\">Deelgenomen</th>" in html and "SYNTHETISCHE" not in html
    assert "<td>ja</td><td>ja</td>" in _row(html, "Amsterdam")
    assert "<td>nee</td>" in _row(html, "Delfzijl")  # did not take part


def test_search_keys_know_the_names_resolve_knows(outputs):
    html = site.build_site(2015, outputs_dir=outputs).index.read_text(encoding="utf-8")

    def keys(name):
        return re.search(r'data-keys="([^"]*)"', _row(html, name)).group(1).split("|")

    assert "den haag" in keys("&#39;s-Gravenhage") and "den bosch" in keys("&#39;s-Hertogenbosch")
    assert "de fryske marren" in keys("De Friese Meren")  # renamed in mid-2015
    assert "eemsdelta" in keys("Appingedam") and "eemsdelta" in keys("Delfzijl")  # merged in 2021
    assert "ljouwert" in keys("Leeuwarden")


def test_stale_reports_are_marked_verouderd(outputs):
    html = site.build_site(2015, outputs_dir=outputs).index.read_text(encoding="utf-8")
    # the manifest's reason is the batch's English one; the site says in Dutch what it means
    assert f'class="wt-stale" title="{site.FAILED_NL}">verouderd</span>' in _row(html, "Delfzijl")
    assert "verouderd" not in _row(html, "Amsterdam")


def test_site_is_offline_lean_and_free_of_local_paths(outputs):
    res = site.build_site(2015, outputs_dir=outputs)
    files = sorted(p for p in res.site_dir.rglob("*") if p.is_file())
    assert {p.relative_to(res.site_dir).as_posix() for p in files} == {
        "index.html", "methods.html", "reproduction_2015.html", "models_2015.html", "wijkteam.css", "citation.bib",
        "zelfscan.html"}
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), p
        assert str(outputs.parent) not in text, p
    assert (res.site_dir / "wijkteam.css").read_text() == render.stylesheet()
    repro = (res.site_dir / "reproduction_2015.html").read_text()
    assert repro.count('href="index.html"') == 1 and "<h1>Reproductie</h1>" in repro
    models = (res.site_dir / "models_2015.html").read_text()
    assert res.missing_pages == ["models_2015.html"] and "wijkteam models --wave 2015" in models


def test_every_wave_and_the_trends_page_are_linked(outputs):
    html_dir = outputs / "html"
    (html_dir / "01_reproduce_movisie_2017.html").write_text("<html><body><h1>Reproductie 2017</h1></body></html>")
    (html_dir / "02_involvement_vs_size_2014.html").write_text("<html><body><h1>Model 2014</h1></body></html>")
    (html_dir / "04_trends_across_waves.html").write_text("<html><body><h1>Trends</h1></body></html>")
    res = site.build_site(2015, outputs_dir=outputs)
    index = res.index.read_text(encoding="utf-8")
    for page in ("reproduction_2017.html", "trends.html", "reproduction_2015.html", "models_2015.html"):
        assert (res.site_dir / page).is_file() and f'href="{page}"' in index, page
    # 2014 did not ask the involvement grid: its models page is not published, even when a file exists
    assert not (res.site_dir / "models_2014.html").exists() and "models_2014" not in index
    assert not (res.site_dir / "models_2017.html").exists()  # no placeholders for other waves
    (html_dir / "04_trends_across_waves.html").unlink()
    site.build_site(2015, outputs_dir=outputs)
    assert not (res.site_dir / "trends.html").exists()


def test_methods_page_dutch_summary_intact_caveats_table(outputs):
    res = site.build_site(2015, outputs_dir=outputs)
    html = (res.site_dir / "methods.html").read_text(encoding="utf-8")
    for needle in ("SYNTHETISCH", "CC BY 4.0", "Bron: CBS", "PDOK", "Wilson", "Van Arum &amp; Schoorl",
                   "survey_2015.parquet", "2 van 393 gebouwd", str(waves.REPORT_SEED), "kort samengevat",
                   "voorspelinterval", "niet gepubliceerd"):
        assert needle in html, needle
    assert html.count("<h1>") == 1 and "geseede" not in html
    # the English log is summarised in Dutch from its entries and linked, not embedded
    summary = {c["name"]: c for c in site.caveats_summary()}
    assert summary["de gegevens"]["ids"][0] == "D1" and summary["de statistiek"]["n"] >= 14
    total = sum(c["n"] for c in summary.values())
    assert f"telt {total} punten" in html and f"{summary['de statistiek']['n']} over de statistiek" in html
    assert 'href="../../docs/assumptions_and_caveats.md" hreflang="en"' in html and "| S6 |" not in html
    assert "<details lang=\"en\">" not in html
    assert "De peiling\n2015 (veldwerk" in html and "393 gemeenten" in html


def test_markdown_tables_with_blank_lines_are_joined():
    md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n| 3 | 4 |\n\ntext\n"
    assert site._markdown_tables_joined(md) == "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\ntext\n"


def test_rebuild_is_idempotent_and_removes_old_report_copies(outputs):
    old = outputs / "site" / "reports"
    old.mkdir(parents=True)
    (old / "GM0363.html").write_text("old copy")
    res = site.build_site(2015, outputs_dir=outputs)
    assert not old.exists()
    before = {p: p.stat().st_mtime_ns for p in res.site_dir.rglob("*.html")}
    site.build_site(2015, outputs_dir=outputs)
    assert {p: p.stat().st_mtime_ns for p in res.site_dir.rglob("*.html")} == before
    (outputs / "reports" / "2015" / "GM0010.html").unlink()
    site.build_site(2015, outputs_dir=outputs)
    assert 'href="../reports/2015/GM0010.html"' not in res.index.read_text()


def test_a_wave_gets_no_page_or_invitation_it_cannot_have(outputs):
    """Main wave 2014 (no involvement grid): no models page and no placeholder telling to run a command that
    would fail; its reproduction page is invited. A main wave without reports offers no municipality list."""
    res = site.build_site(2014, outputs_dir=outputs)
    index = res.index.read_text(encoding="utf-8")
    assert not (res.site_dir / "models_2014.html").exists() and "wijkteam models" not in index
    assert "models_2014" not in index and 'href="reproduction_2014.html"' in index
    assert "wijkteam reproduce --wave 2014" in (res.site_dir / "reproduction_2014.html").read_text(encoding="utf-8")
    html = render.render("site/index.html.j2", title="t", page="index.html", wave=2016, synthetic=True,
                         provenance={"version": "0", "commit": None, "date": "2026-01-01"}, national=[], indexes=[],
                         rows=[], provinces=[], size_classes=SIZE_CLASS_LABELS, n_stale=0, reports=False)
    assert "Kies hieronder een gemeente" not in html and 'id="municipalities"' not in html
    assert "geen rapporten per gemeente" in html


def test_templates_escape_data():
    html = render.render("site/index.html.j2", title=SCRIPT, page="index.html", wave=2015, synthetic=False,
                         provenance={"version": "0", "commit": None, "date": "2026-01-01"}, national=[], indexes=[],
                         rows=[{"gm_code": "GM0001", "name": SCRIPT, "province": "<b>p</b>", "size_class": "< 20.000",
                                "population": "1", "participated": "ja", "has_teams": "ja", "href": None,
                                "stale": False, "stale_reason": "", "search": SCRIPT, "why": "|" + SCRIPT}],
                         provinces=["<b>p</b>"], size_classes=SIZE_CLASS_LABELS, n_stale=0, reports=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html and "<b>p</b>" not in html
    assert site.with_nav("<html><body class='x'>y</body></html>", "../").startswith(
        "<html><body class='x'><!-- wijkteam-site-nav --><nav")


def test_site_command(outputs, capsys):
    assert main(["site", "--wave", "2015", "--outputs", str(outputs)]) == 0
    assert "2 of 393 municipality reports" in capsys.readouterr().out


def test_search_keys_say_why_a_name_finds_a_municipality():
    from wijkteam_stats.report.site import search_keys
    keys = {c: dict(v) for c, v in search_keys(2015).items()}
    assert keys["GM0241"]["groesbeek"] == "" and keys["GM0241"]["ubbergen"] == "omvat het vroegere Ubbergen"
    assert keys["GM0241"]["berg en dal"] == "later opgegaan in of hernoemd tot Berg en Dal"
    assert keys["GM0518"]["den haag"] == "ook bekend als Den Haag" and keys["GM0518"]["s gravenhage"] == ""
    assert keys["GM0003"]["eemsdelta"] == "later opgegaan in of hernoemd tot Eemsdelta"
    assert len(keys) == 393 and all(k for v in keys.values() for k in v)
