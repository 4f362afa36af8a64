"""No personal data published: a survey export whose free text, "Anders, namelijk" answers and personal
columns carry personal data is cleaned, reported for a few municipalities and turned into the site; no
planted string appears in any file written (processed table, cleaning log, reports, JSON, site)."""

from __future__ import annotations

import csv
import html
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from test_profile import fake_expectations, fake_tidy, teams_answers

from wijkteam_stats.batch.runner import run_reports
from wijkteam_stats.clean import clean_survey
from wijkteam_stats.cli import main
from wijkteam_stats.reconstruct.export_writer import write_export
from wijkteam_stats.report import site

WAVE = 2015
CODES = ["GM0003", "GM0005", "GM0363", "GM0479"]  # Appingedam, Bedum, Amsterdam, Zaanstad
PEOPLE = pd.DataFrame({
    "respondent_naam": ["Gerda Mulder", "Hans de Jong", "Karin Bakker", "Fatima El Amrani"],
    "respondent_email": ["g.mulder@appingedam.nl", "hdejong@bedum.nl", "k.bakker@amsterdam.nl", "f.elamrani@zaanstad.nl"],
    "respondent_telefoon": ["0596-123456", "050 301 2345", "06 1234 5678", "+31 75 681 6000"],
})
ANDERS = ("Anders, namelijk: bel Karin Bakker op 06-12345678 of mail k.bakker@zaanstad.nl; "
          "contactpersoon: J. de Vries, (030) 286 10 00")
COMMENT = ("Vragen? Bel mevrouw Fatima El Amrani, 06 - 1234 5679, of Fatima zelf op +32 2 123 45 67. "
           "BSN cliënt 123456782, IBAN NL91 ABNA 0417 1643 00, Dorpsstraat 12a, 1234 AB Zaanstad.\n"
           "Met vriendelijke groet,\nPiet Jansen")
PLANTED = [
    "Karin", "Bakker", "06-12345678", "12345678", "k.bakker@zaanstad.nl", "zaanstad.nl", "J. de Vries", "Vries",
    "286 10 00", "Fatima", "Amrani", "1234 5679", "+32 2 123 45 67", "123456782", "NL91", "0417 1643",
    "Dorpsstraat", "1234 AB", "Piet Jansen", "Jansen",
    *PEOPLE["respondent_naam"], *PEOPLE["respondent_email"], *PEOPLE["respondent_telefoon"],
    "Mulder", "Muld", "Jong", "appingedam.nl", "bedum.nl", "681 6000",
]
MONITOR = "Ja, namelijk: rapportage van de maand door Gerda Mulder"  # no column: quoted (cut) in the log


def _export(path: Path) -> Path:
    """The default CSV export of four municipalities, PII planted in the choice cell and the comment."""
    tidy = fake_tidy(CODES, seed=3, overrides={c: teams_answers(3) for c in CODES})
    base = write_export(tidy, path.with_name("base.csv"), personal=PEOPLE)
    records = list(csv.reader(io.StringIO(base.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    header, rows = records[0], records[1:]
    has = next(i for i, h in enumerate(header) if h.startswith("1. Werkt uw gemeente"))
    anders = next(i for i, h in enumerate(header) if h.startswith("1a. Anders, namelijk"))
    comment = next(i for i, h in enumerate(header) if h.startswith("12. Heeft u nog opmerkingen"))
    monitor = next(i for i, h in enumerate(header) if h.startswith("9. Monitort"))
    gm = {r[next(i for i, h in enumerate(header) if h == "Gemeente")]: k for k, r in enumerate(rows)}
    amsterdam, zaanstad = rows[gm["Amsterdam"]], rows[gm["Zaanstad"]]
    rows[gm["Appingedam"]][monitor] = MONITOR
    amsterdam[has], amsterdam[anders] = ANDERS, ""
    zaanstad[comment] = COMMENT
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def _all_text(root: Path) -> dict[Path, str]:
    """Every file under ``root`` as text: raw bytes decoded, HTML entities resolved; parquet read as CSV."""
    out = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".parquet":
            out[p] = pd.read_parquet(p).to_csv()
        else:
            text = p.read_bytes().decode("utf-8", errors="replace")
            out[p] = text + "\n" + html.unescape(text)
    return out


#: The masked texts as a reviewer read and released them (GM0363's "anders" text, GM0479's remark).
RELEASED = {
    ("GM0363", "has_teams_anders"):
        "bel [naam] op [telefoonnummer] of mail [e-mailadres]; contactpersoon: [naam], [telefoonnummer]",
    ("GM0479", "toelichting"):
        "Vragen? Bel mevrouw [naam], [telefoonnummer], of [naam] zelf op [telefoonnummer]. "
        "BSN cliënt [BSN], IBAN [IBAN], [adres] Zaanstad.\nMet vriendelijke groet,\n[naam]",
}


def _reviewed(root: Path) -> Path:
    path = root / "reviewed_free_text.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([("wave", "gm_code", "column", "text"),
                                  *((WAVE, code, col, text) for (code, col), text in RELEASED.items())])
    return path


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    (root / "raw").mkdir()
    # a file marked as real data (no synthetic provenance): only then do reports show free text at all
    export = _export(root / "raw" / "pii_export_2015.csv")
    processed = root / "data" / "processed" / "survey_2015.parquet"
    outputs = root / "outputs"
    log = outputs / "tables" / "cleaning_log_2015.csv"
    assert main(["clean", str(export), "--wave", str(WAVE), "--out", str(processed), "--log", str(log),
                 "--provenance", "real"]) == 0
    exp = root / "expected_by_municipality_2015.csv"
    fake_expectations().to_csv(exp, index=False)
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        res = run_reports(["GM0363", "GM0479"], WAVE, survey_path=processed, expectations_path=exp,
                          outputs_dir=outputs, workers=1, progress=False, log=None, free_text_path=_reviewed(root))
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    assert res.built == 2, res.results
    site.build_site(WAVE, outputs_dir=outputs)
    return root, export, processed, outputs


@pytest.mark.slow
def test_cleaning_masks_free_text_and_namelijk_and_counts_it(published):
    root, export, processed, outputs = published
    table = pd.read_parquet(processed).set_index("gm_code")
    assert table.at["GM0363", "has_teams"] == "anders"
    assert table.at["GM0363", "has_teams_anders"] == RELEASED[("GM0363", "has_teams_anders")]
    assert table.at["GM0479", "toelichting"] == RELEASED[("GM0479", "toelichting")]
    log = pd.read_csv(outputs / "tables" / "cleaning_log_2015.csv", dtype=str).set_index("gm_code")
    assert log.at["GM0363", "masked"] == "has_teams_anders: e-mailadres 1, telefoonnummer 2, naam 2"
    assert log.at["GM0479", "masked"] == "toelichting: iban 1, telefoonnummer 2, bsn 1, adres 1, naam 3"
    assert log.at["GM0003", "masked"] == "reason: naam 1"  # "Gerda Mulder": one name, one masking
    assert log.at["GM0003", "reason"] == ("cell issues: monitors_teams: the text after 'namelijk' "
                                          "('rapportage van de maand door [naam]') has no place in the "
                                          "tidy table; not kept")
    assert log["masked"].notna().sum() == 3
    summary = clean_survey(export, WAVE).summary
    assert dict(summary.masked) == {"e-mailadres": 1, "iban": 1, "telefoonnummer": 4, "bsn": 1, "adres": 1,
                                    "naam": 6}
    assert "gemaskeerd in vrije tekst / masked in free text: e-mailadres 1, iban 1, telefoonnummer 4" in str(summary)


@pytest.mark.slow
def test_masked_text_reaches_the_reports_and_the_site(published):
    _, _, _, outputs = published
    numbers = json.loads((outputs / "reports" / "2015" / "data" / "GM0363.json").read_text(encoding="utf-8"))
    assert numbers["answers"]["has_teams_anders"].startswith("bel [naam] op [telefoonnummer]")
    assert numbers["free_text"]["released"] == ["has_teams_anders"]
    assert numbers["free_text"]["release_file"] == "reviewed_free_text.csv"
    page = html.unescape((outputs / "reports" / "2015" / "GM0479.html").read_text(encoding="utf-8"))
    assert "[BSN]" in page and "[IBAN]" in page and "Bel mevrouw [naam]" in page
    assert 'href="../reports/2015/GM0479.html"' in (outputs / "site" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_no_planted_personal_data_in_any_written_file(published):
    root, export, _, _ = published
    raw = export.read_text(encoding="utf-8-sig")
    assert [s for s in PLANTED if s not in raw] == []  # every string searched for was really planted
    files = {p: t for p, t in _all_text(root).items() if p.parent != export.parent}
    assert any(p.match("site/index.html") for p in files) and any(p.suffix == ".parquet" for p in files)
    assert any(p.match("reports/2015/GM0479.html") for p in files)
    assert len(files) >= 8
    leaks = [(str(p.relative_to(root)), s) for p, text in files.items() for s in PLANTED if s in text]
    assert not leaks
