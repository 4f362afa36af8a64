"""Trust rules of the municipality report, on a synthetic and on a non-synthetic fixture.

On synthetic data (decided by the file's provenance sidecar, not its name) no sentence, table cell, figure or
JSON field states a survey answer of the named municipality: the numbers and the full HTML report do not change
at all when the municipality's own answers change. Free text is never shown. National figures are the
published ones (with source and wave) or "niet gepubliceerd". On real data the answers are shown.
"""

from __future__ import annotations

import csv
import json
import re

import pytest
from test_profile import SCRIPT, fake_expectations, fake_tidy, mark_provenance, teams_answers

from wijkteam_stats.batch.runner import run_reports
from wijkteam_stats.reference import provenance
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.report import numbers, profile

#: Keys that hold an answer of the municipality itself.
OWN_KEYS = {"participated", "answers", "own", "reported", "toelichting", "has_teams_anders"}
CODES = ["GM0363", "GM0518", "GM0599", "GM0344", "GM0014", "GM0010", "GM0003"]
MISSING_MARKERS = re.compile(r"\bnan\b|\bNaN\b|\bNone\b|&lt;NA&gt;|<NA>")


def _survey(path, synthetic: bool, own: dict) -> object:
    fake_tidy(CODES, seed=5, overrides={"GM0363": own}).to_parquet(path)
    return mark_provenance(path, synthetic)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("trust")
    exp = d / "expected.csv"
    fake_expectations().to_csv(exp, index=False)
    cb = load_codebook()
    disciplines_a = {f"discipline__{o.code}": True for o in cb.variable("discipline").options}
    disciplines_b = {f"discipline__{o.code}": False for o in cb.variable("discipline").options}
    own_a = {**teams_answers(37, {"wijkbewoners": ["meedoen"]}, toelichting=SCRIPT), **disciplines_a}
    own_b = {**teams_answers(2, {}, toelichting="Wij werken heel anders."), **disciplines_b}
    # the name says nothing: provenance decides (a real file may well be called anything)
    return {
        "synthetic_a": _survey(d / "survey_a_2015.parquet", True, own_a),
        "synthetic_b": _survey(d / "survey_b_2015.parquet", True, own_b),
        "real": _survey(d / "survey_real_2015.parquet", False, own_a),
        "expectations": exp,
    }


def _keys(obj) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


def _without_provenance(n: dict) -> dict:
    return {k: v for k, v in n.items() if k != "provenance"}


def test_provenance_decides_synthetic(inputs):
    assert provenance.is_synthetic(inputs["synthetic_a"]) and not provenance.is_synthetic(inputs["real"])


def test_synthetic_numbers_hold_no_answer_of_the_municipality(inputs):
    a = numbers.build_numbers("GM0363", 2015, inputs["synthetic_a"], inputs["expectations"])
    b = numbers.build_numbers("GM0363", 2015, inputs["synthetic_b"], inputs["expectations"])
    assert a["synthetic"] is True and not (_keys(a) & OWN_KEYS)
    # the municipality's answers differ completely between a and b; nothing in the numbers changes
    assert _without_provenance(a) == _without_provenance(b)
    text = json.dumps(a, ensure_ascii=False)
    assert SCRIPT not in text and "Wij werken" not in text
    rows = {r["key"]: r for sec in a["comparisons"].values() for r in sec}
    assert rows["maatschappelijk_werk"]["national"]["percent"] == 84
    assert rows["maatschappelijk_werk"]["national"]["source"] == "published"
    assert rows["breed_integraal"]["national"] == {"source": "not_published"}  # never the reconstruction's value
    assert rows["has_teams"]["national"]["percent"] == 87 and rows["has_teams"]["national"]["wave"] == 2015
    unpublished = [o.code for o in load_codebook().variable("discipline").options
                   if rows[o.code]["published"] is None]
    assert unpublished and all(rows[c]["national"] == {"source": "not_published"} for c in unpublished)
    assert a["teams"]["national"]["source"] == "published" and a["teams"]["national"]["mean"] == 3


def test_synthetic_expectations_show_published_national_values(inputs):
    # GM0005 lies in the fitted range; the fixture's size effect is not distinguishable for the 4th-6th group
    a = numbers.build_numbers("GM0005", 2015, inputs["synthetic_a"], inputs["expectations"])
    groups = {g["group"]: g for g in a["expected"]["groups"]}
    late = groups["ervaringsdeskundigen"]
    assert late["status"] == "national" and late["national_source"] == "published"
    assert late["national_value"] == 100 - 50  # published: 50 % geen betrokkenheid, not the model table's 60 %
    html = profile.expected_html(a)
    assert "gepubliceerd, Movisie 2015" in html and "Antwoord van" not in html
    real = numbers.build_numbers("GM0005", 2015, inputs["real"], inputs["expectations"])
    late_real = {g["group"]: g for g in real["expected"]["groups"]}["ervaringsdeskundigen"]
    assert late_real["national_source"] == "survey" and late_real["national_value"] == pytest.approx(60)


def test_synthetic_sections_show_no_answer_and_mark_every_example_value(inputs):
    n = numbers.build_numbers("GM0599", 2015, inputs["synthetic_a"], inputs["expectations"])  # Rotterdam
    html = "".join([profile.header_html(n), profile.participation_html(n), profile.comparison_html(n, "teams"),
                    profile.comparison_html(n, "composition"), profile.comparison_html(n, "involvement"),
                    profile.free_text_html(n), profile.expected_html(n), profile.footer_html(n)])
    for forbidden in ("heeft meegedaan", "niet</strong> meegedaan", "Opmerking van de gemeente", "Rotterdam antwoordde",
                      "Antwoord van Rotterdam", "niet deelgenomen", "Gerapporteerd"):
        assert forbidden not in html, forbidden
    assert html.count("<h1>") == 1 and "SYNTHETISCHE gegevens" in html
    assert "niet gepubliceerd" in html and "gepubliceerd, Movisie 2015" in html
    # every peer value (the example of the layout) carries the mark
    for table in re.findall(r"<table class=\"wt-table wt-compare\">.*?</table>", html, re.S):
        for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            assert len(cells) == 2, row  # national (published, first), peers: no column of the municipality
            assert "wt-mark" in cells[1] or cells[1] == "geen antwoorden", row
            assert "wt-mark" not in cells[0] and ("gepubliceerd" in cells[0]), row
    assert not MISSING_MARKERS.search(html)


def test_full_reports_on_synthetic_and_real_data(inputs, tmp_path):
    built = {}
    reviewed = tmp_path / "reviewed.csv"  # the reviewed list releases the (masked) remark of GM0363
    with open(reviewed, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([("wave", "gm_code", "column", "text"), (2015, "GM0363", "toelichting", SCRIPT)])
    for key in ("synthetic_a", "synthetic_b", "real"):
        out = tmp_path / key
        res = run_reports(["GM0363"], 2015, survey_path=inputs[key], expectations_path=inputs["expectations"],
                          outputs_dir=out, workers=1, progress=False, log=None, free_text_path=reviewed)
        assert res.built == 1, res.results
        built[key] = (out / "reports" / "2015" / "GM0363.html").read_text(encoding="utf-8")
    syn_a, syn_b, real = built["synthetic_a"], built["synthetic_b"], built["real"]

    def body(html: str) -> str:  # the page without the footer that names the file and its fingerprint
        return re.sub(r'<div class="wt-footer">.*?</div>', "", html, flags=re.S)

    # synthetic: the whole page, figures included, is identical whatever the municipality answered
    assert body(syn_a) == body(syn_b)
    assert "&lt;script&gt;" not in syn_a and SCRIPT not in syn_a and "Opmerking van de gemeente" not in syn_a
    assert syn_a.count("<h1") == 1 and "SYNTHETISCHE" in syn_a and "niet gepubliceerd" in syn_a
    # real data: answers, the free text (escaped) and computed national figures are shown
    assert "Amsterdam antwoordde" in real and "Opmerking van de gemeente" in real
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in real and "<script>alert" not in real
    assert "Nederland (berekend uit het enquêtebestand)" in real and "SYNTHETISCHE" not in real
    assert real.count("<h1") == 1
    for html in (syn_a, real):
        text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
        assert not MISSING_MARKERS.search(re.sub(r"<style.*?</style>", "", text, flags=re.S))
        assert str(tmp_path) not in html and "/home/" not in html
        assert len(html.encode("utf-8")) < 100_000, len(html.encode("utf-8"))
