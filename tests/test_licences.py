"""Sources and licences: every file under data/raw has a licence record; pages carry the attributions that apply."""

from __future__ import annotations

import re
import subprocess

import pytest

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.licences import LicencesError, attributions_for, load_sources, source_of
from wijkteam_stats.report import profile
from wijkteam_stats.report.attributions import methods_attributions, published_findings, report_attributions


def _raw_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "data/raw"], cwd=paths.ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0 or not out.stdout.strip():
        pytest.skip("not a git checkout")
    return [line.removeprefix("data/raw/") for line in out.stdout.splitlines()]


def test_every_raw_file_has_a_source_and_every_source_names_real_files():
    files, sources = _raw_files(), load_sources()
    assert [f for f in files if source_of(f, sources) is None] == []
    stale = [(s.key, p) for s in sources for p in s.files if not any(s.covers(f) for f in files)]
    assert stale == []
    assert source_of("cbs/gemeenten_1jan_2014_2025.csv").key == "nlextract"
    assert source_of("cbs/bevolking_1jan_gemeente_2014_2024.csv").licence == "CC BY 4.0"
    assert source_of("geo/gemeente_2025_wgs84.geojson").key == "pdok"
    assert source_of("survey/SYNTHETIC_movisie_2015_reconstructed_export.csv").key == "synthetic"


def test_licences_md_lists_every_raw_file():
    text = (paths.ROOT / "LICENSES.md").read_text(encoding="utf-8")
    unlisted = [f for f in _raw_files() if f"{f.split('/')[-1]}`" not in text and f"`{f.split('/')[0]}/*`" not in text]
    assert unlisted == []
    assert "CC BY 4.0" in text and "GPL-3.0" in text and "not checked" in text


def test_report_attributions_follow_what_the_report_quotes():
    lpggz = {"source": "published", "finding_id": "F2015-105", "wave": 2015}  # the involvement table: via LPGGz
    news = {"source": "published", "finding_id": "F2015-017", "wave": 2015}  # composition: via the news article
    numbers = {"wave": 2015, "comparisons": {"involvement": [{"national": lpggz}], "composition": [{"x": news}]}}
    assert published_findings(numbers) == {"F2015-105": 2015, "F2015-017": 2015}
    got = {a["key"]: a for a in report_attributions(numbers)}
    assert list(got) == ["cbs", "nlextract", "g4_g32", "pdok", "movisie", "lpggz", "news_2016"]
    assert got["movisie"]["publications"] == [
        "Van Arum, S. & Schoorl, R. (2016). Sociale (wijk)teams in beeld. Stand van zaken na de decentralisaties. "
        "Utrecht: Movisie."]
    only_news = {a["key"] for a in report_attributions({"comparisons": {"composition": [{"x": news}]}})}
    assert "lpggz" not in only_news and "news_2016" in only_news
    assert {a["key"] for a in report_attributions({"comparisons": {}})} == {"cbs", "nlextract", "g4_g32", "pdok"}
    skipr = {"source": "published", "finding_id": "F2015-016", "wave": 2015}  # quoted by Skipr (2018) only
    other = next(a for a in report_attributions({"x": [skipr]}) if a["key"] == "other_quotes")
    assert other["publications"] == ["Skipr (2018), 'Wijkteam kampt met hoge werkdruk door zwaardere problematiek'"]
    earlier = {"source": "published", "finding_id": "F2015-004", "wave": 2014}  # a 2014 figure in the 2015 file
    movisie = next(a for a in report_attributions({"x": earlier}) if a["key"] == "movisie")
    assert movisie["publications"][0].startswith("Van Arum, S. & Schoorl, R. (2015). Sociale (wijk)teams in vogelvlucht")


def test_methods_attributions_and_the_footer_render_from_the_record():
    syn = {a["key"] for a in methods_attributions([2014, 2015, 2017], synthetic=True)}
    real = {a["key"] for a in methods_attributions([2015], synthetic=False)}
    assert syn - real == {"synthetic"} and {"cbs", "pdok", "movisie", "lpggz"} <= real
    movisie = next(a for a in methods_attributions([2014, 2017]) if a["key"] == "movisie")
    assert [p[:26] for p in movisie["publications"]] == ["Van Arum, S. & Schoorl, R.", "Van Arum, S. & Van den End"]
    numbers = {"wave": 2015, "provenance": {"synthetic": True, "survey_file": "x.csv", "data_version": "abc",
                                            "code_version": "0.1.0", "date": "2026-12-07"},
               "comparisons": {"involvement": [{"national": {"source": "published", "finding_id": "F2015-105",
                                                             "wave": 2015}}]}}
    html = profile.footer_html(numbers)
    items = re.findall(r'<li data-source="([a-z_0-9]+)">', html)
    assert items == ["cbs", "nlextract", "g4_g32", "pdok", "movisie", "lpggz"]
    assert "Bron: CBS" in html and "CBS/PDOK" in html and "Landelijk Platform GGZ" in html
    assert "Van Arum, S. &amp; Schoorl, R. (2016). Sociale (wijk)teams in beeld" in html
    assert "href=" not in html  # licence addresses as text: reports work offline


def test_a_malformed_record_is_refused_with_file_and_key(tmp_path):
    bad = tmp_path / "licences.yaml"
    bad.write_text("sources:\n  x: {name: X, licence: L, attribution_nl: A, files: [], shown_in: [footer]}\n",
                   encoding="utf-8")
    with pytest.raises(LicencesError, match=r"licences\.yaml, source 'x', shown_in: unknown places \['footer'\]"):
        load_sources(bad)
    with pytest.raises(ValueError, match="place must be"):
        attributions_for("index")
