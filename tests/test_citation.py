"""CITATION.cff: valid Citation File Format 1.2.0, in step with pyproject, LICENSE and waves.yaml; its BibTeX."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml
from test_site import _outputs as _site_outputs

from wijkteam_stats.cli import main
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.citation import CitationError, bibtex, bibtex_entry, load_citation, tex_escape
from wijkteam_stats.reference.licences import wave_publications
from wijkteam_stats.report import site

SCHEMA = Path(__file__).resolve().parent / "schemas" / "cff-1.2.0.schema.json"


def _errors(data: dict) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{e.json_path}: {e.message[:120]}" for e in validator.iter_errors(data)]


def _cff() -> dict:
    # the raw YAML, as cffconvert reads it (dates would have to be strings; the file has none)
    return yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_file_is_valid_cff_1_2_0():
    data = _cff()
    assert data["cff-version"] == "1.2.0"
    assert _errors(data) == []


def test_schema_rejects_what_cffconvert_rejects():
    data = _cff()
    no_authors = {k: v for k, v in data.items() if k != "authors"}
    bad_licence = {**data, "license": "MIT-ish"}
    bad_ref = copy.deepcopy(data)
    bad_ref["references"][0]["type"] = "pamphlet-ish"  # not a CFF reference type
    assert any("authors" in e for e in _errors(no_authors))
    assert _errors(bad_licence) and _errors(bad_ref)


def test_citation_matches_pyproject_and_licence():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    data = _cff()
    assert data["version"] == project["version"] == "0.1.0"
    assert data["license"] == project["license"] == "MIT"
    licence = (paths.ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    holder = re.search(r"Copyright \(c\) \d{4} (.+)", licence).group(1).strip()
    assert [a["name"] for a in data["authors"]] == [holder] == ["The wijkteam-stats authors"]


def test_references_name_the_publication_of_every_wave_and_the_handreiking():
    refs = _cff()["references"]
    reports = [r for r in refs if (r.get("publisher") or {}).get("name") == "Movisie"]
    assert [r["year"] for r in reports] == [2015, 2016, 2018]
    for ref, (wave, publication) in zip(reports, wave_publications().items(), strict=True):
        assert f"({ref['year']})" in publication, wave
        assert ref["title"].split(".")[0] in publication, wave
        assert ref["authors"][0] == {"name-particle": "van", "family-names": "Arum", "given-names": "S."}
    assert {a["family-names"] for a in reports[2]["authors"]} == {"Arum", "Enden"}
    lpggz = [r for r in refs if r["authors"] == [{"name": "Landelijk Platform GGZ"}]]
    assert len(lpggz) == 1 and lpggz[0]["title"].startswith("Burgerbetrokkenheid bij sociale wijkteams")
    assert "doi" not in json.dumps(_cff()).lower()  # no identifier has been assigned: none is invented


def test_bibtex_is_generated_from_the_citation_file(tmp_path):
    text = bibtex()
    entries = re.findall(r"^@(\w+)\{([^,]+),", text, flags=re.M)
    assert entries[0] == ("misc", "wijkteam_stats")
    assert ("techreport", "Arum2016Sociale") in entries and len(entries) == 1 + len(_cff()["references"])
    first = text.split("\n\n")[0]
    assert "{{The wijkteam-stats authors}}" in first and "version = {0.1.0}" in first
    assert "author      = {van Arum, S. and van den Enden, M.}" in text
    # a changed CITATION.cff changes the BibTeX: nothing is kept by hand
    changed = tmp_path / "CITATION.cff"
    changed.write_text(yaml.safe_dump({**_cff(), "version": "9.9.9", "references": []}), encoding="utf-8")
    assert "version = {9.9.9}" in bibtex(changed) and "@techreport" not in bibtex(changed)


def test_bibtex_escapes_and_refuses_an_incomplete_file(tmp_path):
    assert tex_escape("a_b & 50% #1 {x}") == r"a\_b \& 50\% \#1 \{x\}"
    entry = bibtex_entry({"title": "R&D_1", "authors": [{"name": "A & B"}], "type": "report",
                          "publisher": {"name": "X"}, "year": 2020, "month": 3}, key="k")
    assert entry.startswith("@techreport{k,") and r"{{A \& B}}" in entry and r"{{R\&D\_1}}" in entry
    assert "month       = {mar}" in entry
    bad = tmp_path / "CITATION.cff"
    bad.write_text("cff-version: 1.2.0\ntitle: x\n", encoding="utf-8")
    with pytest.raises(CitationError, match="CITATION.cff: missing 'authors'"):
        load_citation(bad)


def test_methods_page_shows_the_citation_attributions_and_the_data_package(tmp_path, capsys):
    out = _site_outputs(tmp_path, synthetic=True)
    (out / "tables").mkdir()
    (out / "tables" / "consistency_audit_2015.csv").write_text(
        "finding_id,kind,topic,description,statistic,qualifier,value,base,base_candidates,tolerance,feasible,"
        "n_solutions,check,status,reading,note,omschrijving,lezing,toelichting\n"
        "F2015-001,figure,response,n,count,exact,234,all,{234},exact,{234},1,c,consistent,,n,o,,t\n", encoding="utf-8")
    res = site.build_site(2015, outputs_dir=out)
    html = (res.site_dir / "methods.html").read_text(encoding="utf-8")
    assert "@misc{wijkteam_stats," in html and "{{The wijkteam-stats authors}}" in html
    assert (res.site_dir / "citation.bib").read_text(encoding="utf-8") == bibtex()
    assert 'href="../datapackage.json"' in html and (out / "datapackage.json").is_file()
    sources = re.findall(r'<li data-source="([a-z_0-9]+)">', html)
    assert {"cbs", "pdok", "movisie", "lpggz", "synthetic"} <= set(sources)
    assert "Van Arum, S. &amp; Van den Enden, M. (2018)" not in html  # the site shows 2015 only
    assert "Van Arum, S. &amp; Schoorl, R. (2016). Sociale (wijk)teams in beeld" in html
    # a table nobody described stops the site step, naming it
    (out / "tables" / "mystery.csv").write_text("a\n1\n", encoding="utf-8")
    assert main(["site", "--wave", "2015", "--outputs", str(out)]) == 1
    assert "tables/mystery.csv: no description" in capsys.readouterr().err
