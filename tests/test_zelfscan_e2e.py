"""Real (self-reported) data through the whole pipeline: twelve zelfscan answer files, written by the writer the
page mirrors, -> ``wijkteam clean FOLDER`` (one table, each file's provenance kept) -> ``wijkteam assess`` ->
municipality reports -> site, with the answers shown as answers and the provenance saying whose they are."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_profile import fake_expectations
from test_zelfscan import example_answers

from wijkteam_stats.batch.runner import run_reports
from wijkteam_stats.cli import main
from wijkteam_stats.reference.provenance import read_provenance
from wijkteam_stats.report.numbers import build_numbers
from wijkteam_stats.report.site import build_site
from wijkteam_stats.report.zelfscan_answers import write_answers

CODES = ["GM0014", "GM0034", "GM0080", "GM0106", "GM0193", "GM0202", "GM0268", "GM0344", "GM0363", "GM0479",
         "GM0518", "GM0599"]


def _answers(i: int, code: str) -> dict:
    ans = example_answers(code, who="gemeente" if i % 2 else "adviesraad",
                          role="beleidsmedewerker sociaal domein" if i % 2 else "lid adviesraad sociaal domein",
                          filled_in=f"2026-10-{i + 1:02d}T10:00")
    if i % 4 == 3:  # a municipality without teams: the team questions are not asked
        ans["a"] = {"has_teams": "nee_bewuste_keuze", "n_teams": 0, "needs_support_involving_residents": False}
    else:
        ans["a"] = {**ans["a"], "n_teams": 2 + i}
    return ans


@pytest.mark.slow
def test_twelve_zelfscans_clean_assess_reports_and_site(tmp_path):
    folder = tmp_path / "zelfscans"
    folder.mkdir()
    for i, code in enumerate(CODES):
        write_answers(_answers(i, code), folder)
    processed = tmp_path / "data" / "survey_2015.parquet"
    log = tmp_path / "cleaning_log.csv"
    assert main(["clean", str(folder), "--wave", "2015", "--out", str(processed), "--log", str(log)]) == 0
    table = pd.read_parquet(processed)
    assert sorted(table["gm_code"]) == CODES and len(pd.read_csv(log)) == 12
    assert table.set_index("gm_code").at["GM0080", "n_teams"] == 4
    assert table.set_index("gm_code").at["GM0106", "has_teams"] == "nee_bewuste_keuze"
    rec = read_provenance(processed)
    assert (rec.kind, rec.synthetic) == ("self-reported", False)
    per = json.loads(processed.with_name("survey_2015.meta.json").read_text(encoding="utf-8"))["per_municipality"]
    assert per["GM0363"] == {"who": "adviesraad", "role": "lid adviesraad sociaal domein", "date": "2026-10-09",
                             "file": "zelfscan_GM0363_2015.csv"}
    # the zelfscan reports of all twelve
    reports = tmp_path / "zelfscan_reports"
    assert main(["assess", str(folder), "--wave", "2015", "--out", str(reports)]) == 0
    assert sorted(p.name for p in reports.iterdir()) == [f"zelfscan_{c}.html" for c in CODES]
    # municipality reports on the cleaned table: real answers, provenance per municipality
    exp = tmp_path / "expected.csv"
    fake_expectations().to_csv(exp, index=False)
    outputs = tmp_path / "outputs"
    res = run_reports(["GM0363"], 2015, survey_path=processed, expectations_path=exp,
                      outputs_dir=outputs, workers=1, progress=False, log=None)
    assert res.built == 1, res.results
    ams = (outputs / "reports" / "2015" / "GM0363.html").read_text(encoding="utf-8")
    assert "zelf ingevuld door de adviesraad (lid adviesraad sociaal domein) op 9 oktober 2026" in ams
    assert "heeft de zelfscan ingevuld" in ams and "SYNTHETISCHE" not in ams and "Amsterdam antwoordde" in ams
    assert "zelfscan invulden (12 van de 393 gemeenten" in ams
    numbers = json.loads((outputs / "reports" / "2015" / "data" / "GM0363.json").read_text(encoding="utf-8"))
    assert numbers["provenance"]["kind"] == "self-reported" and numbers["answers"]["n_teams"] == 10
    assert numbers["national"]["n_respondents"] == 12
    dev = build_numbers("GM0106", 2015, processed, exp)  # no teams: the team questions were not asked
    assert dev["answers"]["has_teams"] == "nee_bewuste_keuze" and dev["answers"]["disciplines"] is None
    assert dev["provenance"]["line"] == ("zelf ingevuld door de gemeente (beleidsmedewerker sociaal domein) op "
                                         "4 oktober 2026")
    # the site: the answers as answers, and the zelfscan page
    site = build_site(2015, outputs_dir=outputs).site_dir
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "SYNTHETISCHE" not in index and '<th scope="col">Antwoorden</th>' in index
    # whose answers these are, per municipality, never presented as Movisie's
    assert "De antwoorden van 1 gemeente(n) in deze lijst zijn <strong>zelf ingevuld</strong>" in index
    assert "Het zijn geen antwoorden uit de enquête van Movisie" in index
    assert "antwoorden van gemeenten: zelf ingevuld met de zelfscan" in index and "enquête: Movisie" not in index
    ams_row = index.split('data-code="GM0363"')[1].split("</tr>")[0]
    assert ('<small class="wt-muted zs-answered-by">Zelf ingevuld door de adviesraad (lid adviesraad sociaal domein) '
            "op 9 oktober 2026</small>") in ams_row and ams_row.endswith("<td>ja</td><td>ja</td>")
    other = index.split('data-code="GM0014"')[1].split("</tr>")[0]  # no report built: no answers, no line
    assert other.endswith("<td>–</td><td>–</td>") and "zs-answered-by" not in other
    assert (site / "zelfscan.html").is_file()
