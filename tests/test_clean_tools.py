"""Round trips through the shapes survey tools and people really write (issue 10): each gives back the tidy
table exactly, with every input row in the log once and no personal data in anything the step returns."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from tool_exports import (
    base_cells,
    google_forms,
    handmade_xlsx,
    limesurvey,
    qualtrics,
    surveymonkey,
    write_rows,
)

from wijkteam_stats.clean import SurveyFileError, clean_survey
from wijkteam_stats.reconstruct.export_writer import example_tidy

WAVE = 2015


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(WAVE, n=30, seed=41)


def no_status(tidy: pd.DataFrame) -> pd.DataFrame:
    """What a tool without a complete/partial column gives back."""
    return tidy.assign(status=pd.array([pd.NA] * len(tidy), dtype="string"))


def dumped(result) -> str:
    return "\n".join([result.table.to_csv(index=False), result.log.to_csv(index=False), str(result.summary)])


def assert_log_complete(result, n_rows: int) -> None:
    assert len(result.log) == n_rows and result.log["row"].is_unique


# --------------------------------------------------------------------------- Qualtrics


@pytest.mark.parametrize(("suffix", "delimiter", "encoding"), [
    (".csv", ",", "utf-8-sig"), (".tsv", "\t", "utf-16"),
])
def test_qualtrics_choice_text_export(tidy, tmp_path, suffix, delimiter, encoding):
    extra = [{"copy": 0, "Status": "Survey Preview", "n_teams": "99"}, {"copy": 1, "Status": "Spam"},
             {"copy": 2, "Status": "Survey Test"}]
    path, personal = qualtrics(tidy, tmp_path / f"qualtrics{suffix}", extra=extra, delimiter=delimiter,
                               encoding=encoding)
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    log = result.log
    assert_log_complete(result, len(tidy) + 3)
    assert log["row"].tolist()[:2] == [4, 5]  # three header rows
    assert log["action"].tolist()[-3:] == ["dropped"] * 3
    assert "survey preview" in log["reason"].iat[-3] and "spam" in log["reason"].iat[-2]
    assert "test response" in log["reason"].iat[-1]
    s = result.summary
    assert s.tool == "Qualtrics" and "IPAddress" not in s.ignored_columns
    assert {"IP Address", "Recipient Email", "Location Latitude"} <= set(s.personal_columns)
    assert "Response ID" in s.tool_columns
    text = dumped(result)
    assert not [p for p in personal if p in text]


def test_qualtrics_without_import_id_row_and_preview_newest(tidy, tmp_path):
    """A preview newer than the real answer must not replace it as the "latest" duplicate."""
    path, _ = qualtrics(tidy, tmp_path / "q2.csv", import_row=False,
                        extra=[{"copy": 5, "Status": "Survey Preview", "n_teams": "99"}])
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.log["row"].tolist()[0] == 3


def test_qualtrics_numeric_export_refused_then_read_with_overlay(tidy, tmp_path):
    path, _ = qualtrics(tidy, tmp_path / "num.csv")
    text = path.read_bytes().decode("utf-8-sig")
    labels = ["Ja", "Nee, wij kiezen nadrukkelijk niet voor een sociaal (wijk)team", "Nee, maar het is wel gepland",
              "Anders, namelijk"]
    recs = list(csv.reader(io.StringIO(text, newline="")))
    col = next(i for i, t in enumerate(recs[1]) if t.endswith(" - Selected Choice"))
    for r in recs[3:]:
        r[col] = str(labels.index(r[col]) + 1) if r[col] else ""
    write_rows(path, recs, encoding="utf-8-sig")
    with pytest.raises(SurveyFileError, match=r"holds answer codes \(1"):
        clean_survey(path, WAVE)
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("values:\n  has_teams: {'1': ja, '2': nee_bewuste_keuze, '3': nee_gepland, '4': anders}\n",
                       encoding="utf-8")
    pd.testing.assert_frame_equal(clean_survey(path, WAVE, overlay=overlay).table, tidy)


# --------------------------------------------------------------------------- SurveyMonkey


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_surveymonkey_expanded_export(tidy, tmp_path, suffix):
    path, personal = surveymonkey(tidy, tmp_path / f"monkey{suffix}")
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, no_status(tidy))  # SurveyMonkey has no status column
    assert result.log["row"].tolist()[0] == 3
    assert_log_complete(result, len(tidy))
    s = result.summary
    assert s.tool == "SurveyMonkey" and "Respondent ID" in s.personal_columns  # a respondent id is personal data
    assert {"IP Address", "Email Address", "First Name", "Last Name", "Custom Data 1", "Respondent ID",
            "Collector ID"} == set(s.personal_columns)
    assert not s.ignored_columns
    text = dumped(result)
    assert not [p for p in personal if p in text]


# --------------------------------------------------------------------------- LimeSurvey


def test_limesurvey_codes_with_structure_file(tidy, tmp_path):
    lss = tmp_path / "survey.lss"
    path = limesurvey(tidy, tmp_path / "lime.csv", lss)
    result = clean_survey(path, WAVE, structure=lss)
    pd.testing.assert_frame_equal(result.table, tidy)  # submitdate empty = partial
    assert result.summary.tool == "LimeSurvey"
    assert {"ipaddr", "token"} <= set(result.summary.personal_columns)
    assert_log_complete(result, len(tidy))
    assert "tok0001" not in dumped(result)


def test_limesurvey_codes_without_structure_are_refused_with_the_cause(tidy, tmp_path):
    path = limesurvey(tidy, tmp_path / "lime.csv", None)
    with pytest.raises(SurveyFileError) as info:
        clean_survey(path, WAVE)
    assert "LimeSurvey export with question codes" in str(info.value) and "--structure" in str(info.value)


def test_limesurvey_structure_file_found_next_to_the_export(tidy, tmp_path):
    path = limesurvey(tidy, tmp_path / "results-survey123456.csv", tmp_path / "limesurvey_survey_123456.lss")
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert "structure file found next to the export: limesurvey_survey_123456.lss" in str(result.summary)


# --------------------------------------------------------------------------- Google Forms


@pytest.mark.parametrize(("stamp", "first"), [("%m/%d/%Y %H:%M:%S", "Timestamp"), ("{d}-{m}-%Y %H:%M:%S", "Tijdstempel"),
                                              ("%d/%m/%Y %H:%M:%S", "Timestamp")])
def test_google_forms_export(tidy, tmp_path, stamp, first):
    path, personal = google_forms(tidy, tmp_path / "forms.csv", stamp=stamp, first=first)
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, no_status(tidy))
    assert result.summary.tool == "Google Forms" and result.summary.personal_columns == ("Email Address",)
    assert not [p for p in personal if p in dumped(result)]


def test_google_forms_ambiguous_timestamps_refused(tidy, tmp_path):
    small = tidy.head(3).copy()
    small["ingevuld_op"] = pd.to_datetime(["2015-10-03 10:00", "2015-11-05 11:00", "2015-09-02 12:00"]
                                          ).astype("datetime64[ns]")
    path, _ = google_forms(small, tmp_path / "amb.csv")
    with pytest.raises(SurveyFileError, match=r"column 1 'Timestamp': dates such as '10/03/2015 10:00:00'"):
        clean_survey(path, WAVE)


# --------------------------------------------------------------------------- Excel made by a person


@pytest.mark.parametrize("two_rows", [False, True])
def test_handmade_workbook(tidy, tmp_path, two_rows):
    path = handmade_xlsx(tidy, tmp_path / "hand.xlsx", two_row_header=two_rows)
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    first = 5 if two_rows else 4
    assert result.log["row"].tolist()[0] == first
    assert result.log["action"].tolist()[-3:] == ["dropped"] * 3  # totals, empty, note
    assert "totals" in result.log["reason"].iat[-3] and "note below" in result.log["reason"].iat[-1]
    assert "sheet 'Data 2015'" in result.summary.dialect


def test_workbook_errors_name_the_sheets(tidy, tmp_path):
    import openpyxl

    path = handmade_xlsx(tidy, tmp_path / "two.xlsx")
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["Data 2015"])
    copy.title = "Data 2014"
    wb.save(path)
    with pytest.raises(SurveyFileError) as info:
        clean_survey(path, WAVE)
    msg = str(info.value)
    assert "several sheets hold survey data" in msg and "'Data 2015'" in msg and "'Data 2014'" in msg
    assert clean_survey(path, WAVE, sheet="Data 2015").table.equals(tidy)
    del wb["Data 2015"], wb["Data 2014"]
    wb.save(path)
    with pytest.raises(SurveyFileError, match="no sheet holds a header row with a municipality column "
                                              r"\(sheets: 'Toelichting'\)"):
        clean_survey(path, WAVE)


# --------------------------------------------------------------------------- file types and encodings


def test_ods_xls_and_dta(tidy, tmp_path):
    header, rows, _ = base_cells(tidy, tmp_path)
    frame = pd.DataFrame(rows, columns=header)
    frame.to_excel(tmp_path / "export.ods", index=False, engine="odf", sheet_name="Antwoorden")
    pd.testing.assert_frame_equal(clean_survey(tmp_path / "export.ods", WAVE).table, tidy)
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Blad1")
    for j, h in enumerate(header):
        sheet.write(0, j, h)
    for k, r in enumerate(rows):
        for j, c in enumerate(r):
            if c:
                sheet.write(k + 1, j, c)
    book.save(str(tmp_path / "export.xls"))
    result = clean_survey(tmp_path / "export.xls", WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.log["row"].tolist()[0] == 2
    short, srows, _ = base_cells(tidy, tmp_path, headers="short")
    dta = pd.DataFrame(srows, columns=[f"v{j + 1}" for j in range(len(short))])
    dta.to_stata(tmp_path / "export.dta", write_index=False, version=118,
                 variable_labels={f"v{j + 1}": h for j, h in enumerate(short)})
    pd.testing.assert_frame_equal(clean_survey(tmp_path / "export.dta", WAVE).table, tidy)


@pytest.mark.parametrize("variant", ["utf-16-le", "mac_roman", "mojibake", "sep-line", "cr-only", "cp1252"])
def test_encodings_and_dialects(tidy, tmp_path, variant):
    header, rows, _ = base_cells(tidy, tmp_path)
    path = write_rows(tmp_path / "e.csv", [header, *rows], delimiter=";")
    text = path.read_bytes().decode("utf-8")
    if variant == "utf-16-le":
        data = text.encode("utf-16-le")
    elif variant == "mac_roman":
        data = text.replace("—", "-").encode("mac_roman")
    elif variant == "cp1252":
        data = text.encode("cp1252")
    elif variant == "mojibake":
        data = text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    elif variant == "sep-line":
        data = ("sep=;\r\n" + text).encode("utf-8")
    else:
        data = text.replace("\r\n", "\r").encode("utf-8")
    path.write_bytes(data)
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    notes = " ".join(result.summary.notes)
    if variant == "mojibake":
        assert "mojibake" in notes
    if variant == "mac_roman":
        assert "mac_roman" in result.summary.dialect
    if variant == "sep-line":
        assert result.log["row"].tolist()[0] == 3 and "sep=;" in notes
