"""More shapes of issue 10: LimeSurvey full-text headings, Qualtrics as XLSX, an index column without header,
timestamps with time zones, notes in merged cells."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from tool_exports import base_cells, handmade_xlsx, qualtrics, write_rows

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.clean.answers import parse_timestamp
from wijkteam_stats.clean.fold import strip_numbering
from wijkteam_stats.reconstruct.export_writer import example_tidy

WAVE = 2015


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(WAVE, n=22, seed=61)


def test_limesurvey_full_text_headings(tidy, tmp_path):
    header, rows, targets = base_cells(tidy, tmp_path)
    ts, st = header.index("Datum en tijd van invullen"), header.index("Status van de respons")
    keep = [i for i, t in enumerate(targets) if t.variable not in ("status", "ingevuld_op")]
    head = ["Response ID", "Date submitted", "Last page", "Start language", "Seed", "Date started",
            "Date last action", "IP address", "Referrer URL"]
    for i in keep:
        t = targets[i]
        text = strip_numbering(header[i])
        if t.kind == "tick":
            question, option = text.rsplit(" - ", 1)
            text = f"{question} [{option}]"
        elif t.kind == "grid_tick":
            group, form = text.rsplit(" - ", 1)
            text = f"{group} [{form}]"
        head.append(text)
    body = []
    for k, r in enumerate(rows):
        iso = pd.to_datetime(r[ts], format="%d-%m-%Y %H:%M:%S").strftime("%Y-%m-%d %H:%M:%S")
        done = r[st] == "Compleet"
        body.append([str(k + 1), iso if done else "", "4", "nl", "123", iso, iso, f"10.0.0.{k}",
                     f"https://intranet.example/?user={k}"] + [r[i] for i in keep])
    path = write_rows(tmp_path / "lime_full.csv", [head, *body])
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.summary.tool == "LimeSurvey"
    assert {"IP address", "Referrer URL"} <= set(result.summary.personal_columns)
    assert "intranet.example" not in result.log.to_csv() + str(result.summary)


def test_qualtrics_xlsx(tidy, tmp_path):
    path, personal = qualtrics(tidy, tmp_path / "q.csv", extra=[{"copy": 3, "Status": "1"}])
    records = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig").values.tolist()
    xlsx = write_rows(tmp_path / "q.xlsx", records)
    result = clean_survey(xlsx, WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.log["row"].iat[0] == 4 and result.log["action"].iat[-1] == "dropped"
    assert "survey preview (Status = 1)" in result.log["reason"].iat[-1]
    assert not [p for p in personal if p in result.log.to_csv()]


def test_qualtrics_spss_file(tidy, tmp_path):
    import re

    import pyreadstat

    path, personal = qualtrics(tidy, tmp_path / "q.csv", extra=[{"copy": 2, "Status": "Survey Preview"}])
    recs = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig").values.tolist()
    names = [re.sub(r"\W", "_", x) for x in recs[0]]
    frame = pd.DataFrame(recs[3:], columns=names)
    pyreadstat.write_sav(frame, str(tmp_path / "q.sav"), column_labels=recs[1])
    result = clean_survey(tmp_path / "q.sav", WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.summary.tool == "Qualtrics" and "survey preview" in result.log["reason"].iat[-1]
    assert "IPAddress" in result.summary.personal_columns and not result.summary.ignored_columns
    assert not [p for p in personal if p in result.log.to_csv() + str(result.summary)]


def test_index_column_without_header_is_ignored(tidy, tmp_path):
    header, rows, _ = base_cells(tidy, tmp_path)
    frame = pd.DataFrame(rows, columns=header)
    frame.to_excel(tmp_path / "pandas.xlsx")  # index in column A, header cell empty
    result = clean_survey(tmp_path / "pandas.xlsx", WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.summary.ignored_columns == ("(column 1 without header)",)


@pytest.mark.parametrize(("raw", "want"), [
    ("2015/10/03 2:22:10 PM GMT+2", pd.Timestamp(2015, 10, 3, 14, 22, 10)),
    ("2015/10/03 14:22:10 CEST", pd.Timestamp(2015, 10, 3, 14, 22, 10)),
    ("2015/10/03 8:22:10 a.m. GMT-4", pd.Timestamp(2015, 10, 3, 14, 22, 10)),
    ("10/3/2015 2:22:10 PM", pd.Timestamp(2015, 10, 3, 14, 22, 10)),
    ("2015/13/03", None), ("10/3/2015 13:22:10 PM", None),
])
def test_timestamps_with_zones_and_am_pm(raw, want):
    assert parse_timestamp(raw, "mdy") == want


def test_note_in_merged_cells_below_the_data(tidy, tmp_path):
    path = handmade_xlsx(tidy, tmp_path / "hand.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Data 2015"]
    last = ws.max_row
    ws.merge_cells(start_row=last, start_column=1, end_row=last, end_column=12)
    wb.save(path)
    result = clean_survey(path, WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert "note below the data" in result.log["reason"].iat[-1]
