"""The static site: index with filters, copied reports, national pages, methods page; offline and escaped."""

from __future__ import annotations

import json
import re
from html import escape

import pytest
from test_profile import SCRIPT, fake_expectations, fake_tidy, teams_answers

from wijkteam_stats.cli import main
from wijkteam_stats.reference import waves
from wijkteam_stats.reference.municipalities import SIZE_CLASS_LABELS
from wijkteam_stats.report import profile, site

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)


@pytest.fixture()
def outputs(tmp_path):
    """An outputs folder with two reports (numbers from a small survey), the reproduction page and a manifest."""
    survey = tmp_path / "SYNTHETIC_site_2015.parquet"
    fake_tidy(["GM0363", "GM0003"], overrides={"GM0363": teams_answers(30, toelichting=SCRIPT)}).to_parquet(survey)
    exp = tmp_path / "expected.csv"
    fake_expectations().to_csv(exp, index=False)
    out = tmp_path / "outputs"
    reports = out / "reports" / "2015"
    for code in ("GM0363", "GM0010"):
        profile.write_numbers(profile.build_numbers(code, 2015, survey, exp), reports)
        (reports / f"{code}.html").write_text(f"<!DOCTYPE html><html><head><title>{code}</title></head>"
                                              f"<body class='jp-Notebook'><p>rapport {code}</p></body></html>")
    (out / "html").mkdir(parents=True)
    (out / "html" / "01_reproduce_movisie_2015.html").write_text("<html><body><h1>Reproductie</h1></body></html>")
    (out / "manifest.json").write_text(json.dumps({"seed": waves.REPORT_SEED, "package_versions": {"pandas": "3.1.1"}}))
    return out


def test_index_lists_every_municipality_with_links_and_filters(outputs):
    res = site.build_site(2015, outputs_dir=outputs)
    assert res.index == outputs / "site" / "index.html" and (res.reports, res.municipalities) == (2, 393)
    html = res.index.read_text(encoding="utf-8")
    rows = re.findall(r"<tr data-name=\"([^\"]*)\" data-code=\"(GM\d{4})\"", html)
    assert len(rows) == 393 and len({c for _, c in rows}) == 393
    assert rows[0][0] == "Aa en Hunze"  # sorted by name
    assert '<a href="reports/GM0363.html">Amsterdam</a>' in html
    assert 'href="reports/GM0010.html"' in html and "Appingedam <span class=\"wt-muted\">(geen rapport)" in html
    delfzijl = re.search(r'<tr data-name="Delfzijl".*?</tr>', html, re.S).group(0)
    assert "<td>nee</td>" in delfzijl  # did not take part
    for fid in ("f-name", "f-province", "f-size", "f-count"):
        assert f'id="{fid}"' in html
    assert len(re.findall(r'<select id="f-province">.*?</select>', html, re.S)) == 1
    assert html.count("<option value=") == 12 + 4 + 2
    assert all(f'<option value="{escape(s)}">' in html for s in SIZE_CLASS_LABELS)
    assert "SYNTHETISCHE" in html and "methods.html" in html and "reproduction.html" in html


def test_site_is_offline_and_self_contained(outputs):
    res = site.build_site(2015, outputs_dir=outputs)
    files = sorted(p for p in res.site_dir.rglob("*") if p.is_file())
    assert {p.relative_to(res.site_dir).as_posix() for p in files} == {
        "index.html", "methods.html", "reproduction.html", "models.html", "reports/GM0363.html",
        "reports/GM0010.html"}
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), p
    report = (res.site_dir / "reports" / "GM0363.html").read_text()
    assert report.count('href="../index.html"') == 1 and "<p>rapport GM0363</p>" in report
    assert '<a href="index.html">' in (res.site_dir / "reproduction.html").read_text()
    assert "<h1>Reproductie</h1>" in (res.site_dir / "reproduction.html").read_text()
    models = (res.site_dir / "models.html").read_text()
    assert res.missing_pages == ["models.html"] and "wijkteam models --wave 2015" in models


def test_methods_page_states_sources_licences_caveats_and_synthetic(outputs):
    res = site.build_site(2015, outputs_dir=outputs)
    html = (res.site_dir / "methods.html").read_text(encoding="utf-8")
    for needle in ("SYNTHETISCH", "CC BY 4.0", "Bron: CBS", "PDOK", "Wilson", "Van Arum &amp; Schoorl",
                   "SYNTHETIC_site_2015.parquet", "2 van 393 gebouwd", str(waves.REPORT_SEED)):
        assert needle in html, needle
    if (site.paths.ROOT / "docs" / "assumptions_and_caveats.md").is_file():
        assert "D1" in html and "<table" in html


def test_rebuild_is_idempotent_and_drops_stale_reports(outputs):
    res = site.build_site(2015, outputs_dir=outputs)
    before = {p: p.stat().st_mtime_ns for p in res.site_dir.rglob("*.html")}
    site.build_site(2015, outputs_dir=outputs)
    assert {p: p.stat().st_mtime_ns for p in res.site_dir.rglob("*.html")} == before
    (outputs / "reports" / "2015" / "GM0010.html").unlink()
    site.build_site(2015, outputs_dir=outputs)
    assert not (res.site_dir / "reports" / "GM0010.html").exists()
    assert 'href="reports/GM0010.html"' not in res.index.read_text()


def test_templates_escape_data():
    html = site.render("index.html.j2", title=SCRIPT, page="index", wave=2015, synthetic=False,
                       provenance={"version": "0", "commit": None, "date": "2026-01-01"},
                       rows=[{"gm_code": "GM0001", "name": SCRIPT, "province": "<b>p</b>", "size_class": "< 20.000",
                              "population": "1", "participated": "ja", "has_teams": "ja", "href": None}],
                       provinces=["<b>p</b>"], size_classes=SIZE_CLASS_LABELS)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html and "<b>p</b>" not in html
    assert site.with_nav("<html><body class='x'>y</body></html>", "../").startswith(
        "<html><body class='x'><!-- wijkteam-site-nav --><nav")


def test_site_command(outputs, capsys):
    assert main(["site", "--wave", "2015", "--outputs", str(outputs)]) == 0
    assert "2 of 393 municipality reports" in capsys.readouterr().out
