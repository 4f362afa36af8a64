""""Never silently wrong": every rule of issue 10 that turns a silent misreading into an error or a logged issue."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from wijkteam_stats.clean import SurveyFileError, clean_survey
from wijkteam_stats.clean.answers import Answers, ColumnError, date_order, parse_ticks
from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export
from wijkteam_stats.reference.codebook import load_codebook

WAVE = 2015
CB = load_codebook()


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(WAVE, n=24, seed=31)


def cells_of(tidy: pd.DataFrame, tmp_path: Path, **kw) -> tuple[list[str], list[list[str]]]:
    path = write_export(tidy, tmp_path / "base.csv", **kw)
    records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    return records[0], records[1:]


def write(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ";") -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def error_of(path: Path, **kw) -> str:
    with pytest.raises(SurveyFileError) as info:
        clean_survey(path, WAVE, **kw)
    assert str(path) in str(info.value)
    return str(info.value)


# --------------------------------------------------------------------------- tick marks


@pytest.mark.parametrize("mark", ["✓", "✔", "☑", "x", "X", "•", "*", "+", "1", "ja", "Ja", "yes", "waar", "true",
                                  "TRUE", "Aangevinkt"])
def test_tick_marks_count_as_ticked(mark):
    ticks, issues = parse_ticks(pd.Series([mark, "", "0", "Nee"]), set(), Answers(CB), "goal__preventie")
    assert ticks == [True, False, False, False] and issues == []


def test_unknown_tick_mark_is_an_issue_not_unticked(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path)
    cols = [i for i, h in enumerate(header) if h.startswith("8. Wat zijn de belangrijkste doelstellingen")]
    answered = next(k for k, r in enumerate(rows) if sum(r[i] == "Ja" for i in cols) >= 2)
    on = [i for i in cols if rows[answered][i] == "Ja"]
    rows[answered][on[0]] = "?"  # unknown: that option missing, the other ticks stand
    lonely = next(k for k, r in enumerate(rows) if k != answered and sum(r[i] == "Ja" for i in cols) == 1)
    only = next(i for i in cols if rows[lonely][i] == "Ja")
    rows[lonely][only] = "ok"  # the only tick unknown: the question is not answered (all missing)
    result = clean_survey(write(tmp_path / "ticks.csv", header, rows), WAVE)
    table = result.table.set_index("gm_code")
    code = result.log.at[answered, "gm_code"]
    option = header[on[0]].rsplit(" - ", 1)[1]
    want = next(o.code for o in CB.variable("goal").options if o.label == option)
    assert pd.isna(table.at[code, f"goal__{want}"])
    assert table.loc[code].filter(like="goal__").sum() == len(on) - 1
    assert "is not a tick mark" in result.log.at[answered, "reason"]
    assert table.loc[result.log.at[lonely, "gm_code"]].filter(like="goal__").isna().all()
    assert any(i.column == f"goal__{want}" for i in result.summary.cell_issues)


def test_unknown_option_in_a_list_cell_makes_the_question_missing(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path, multi_shape="list")
    i = header.index("8. Wat zijn de belangrijkste doelstellingen van de sociale (wijk)teams?")
    k = next(k for k, r in enumerate(rows) if r[i])
    rows[k][i] = rows[k][i] + "; Betere samenwerking met huisartsen"
    result = clean_survey(write(tmp_path / "list.csv", header, rows), WAVE)
    code = result.log.at[k, "gm_code"]
    assert result.table.set_index("gm_code").loc[code].filter(like="goal__").isna().all()
    assert "names unknown option(s) 'Betere samenwerking met huisartsen'" in result.log.at[k, "reason"]
    others = result.table[result.table["gm_code"] != code].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, tidy[tidy["gm_code"] != code].reset_index(drop=True))


# --------------------------------------------------------------------------- wave column


@pytest.mark.parametrize("head", ["Jaar", "year", "Meetjaar"])
def test_wave_column_headed_jaar_is_respected(tidy, tmp_path, head):
    header, rows = cells_of(tidy, tmp_path)
    header.append(head)
    for k, r in enumerate(rows):
        r.append({1: "2014", 2: "najaar 2015", 3: "vorig jaar"}.get(k, "2015"))
    result = clean_survey(write(tmp_path / "jaar.csv", header, rows), WAVE)
    log = result.log
    assert log.at[1, "action"] == "set_aside" and "wave 2014, not 2015" in log.at[1, "reason"]
    assert log.at[2, "action"] == "kept"  # "najaar 2015" names the wave
    assert log.at[3, "action"] == "set_aside" and "not a year" in log.at[3, "reason"]
    assert len(result.table) == len(tidy) - 2


# --------------------------------------------------------------------------- duplicates


def test_disagreeing_duplicate_logs_the_conflicting_cells(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path)
    n, d = header.index("2. Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?"), \
        header.index("Datum en tijd van invullen")
    k = next(k for k, r in enumerate(rows) if r[n] and r[n] != "7")
    old = list(rows[k])
    old[n] = "7"
    old[d] = "14-09-2015 00:00:00"  # older (the first minute of the fieldwork): dropped
    result = clean_survey(write(tmp_path / "dup.csv", header, [old, *rows]), WAVE)
    reason = result.log.at[0, "reason"]
    assert result.log.at[0, "action"] == "merged"
    assert f"n_teams = 7 (kept: {rows[k][n]})" in reason
    assert "ingevuld_op = 2015-09-14 00:00:00 (kept: " in reason


# --------------------------------------------------------------------------- dates


def test_us_dates_detected_from_the_whole_column(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path, date_format="%m/%d/%Y %I:%M:%S %p")
    result = clean_survey(write(tmp_path / "us.csv", header, rows), WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert date_order(["10/3/2015", "10/13/2015"], "x") == "mdy"
    assert date_order(["3/10/2015", "13/10/2015"], "x") == "dmy"
    assert date_order(["03-10-2015"], "x") == "dmy"  # dashes: the Dutch convention


def test_ambiguous_slash_dates_are_refused(tidy, tmp_path):
    small = tidy.head(4).copy()
    small["ingevuld_op"] = pd.to_datetime(["2015-10-03 10:00", "2015-11-05 11:00", "2015-10-02 12:00",
                                           "2015-10-03 13:00"]).astype("datetime64[ns]")
    header, rows = cells_of(small, tmp_path, date_format="%d/%m/%Y %H:%M:%S")
    msg = error_of(write(tmp_path / "amb.csv", header, rows))
    assert "column 2 'Datum en tijd van invullen'" in msg and "day/month or month/day" in msg
    result = clean_survey(tmp_path / "amb.csv", WAVE, date_order="dmy")
    pd.testing.assert_frame_equal(result.table, small.sort_values("gm_code").reset_index(drop=True))
    with pytest.raises(ColumnError, match="mixes"):
        date_order(["13/10/2015", "10/13/2015"], "x")


# --------------------------------------------------------------------------- headers


def test_header_resembling_an_unmapped_question_is_an_error(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path)
    i = header.index("2. Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?")
    header[i] = "2. Hoeveel sociale wijk-teams zijn er actief in uw gemeente?"
    msg = error_of(write(tmp_path / "fuzzy.csv", header, rows))
    assert f"column {i + 1} '{header[i]}'" in msg and "resembles codebook question 'n_teams'" in msg
    assert "--codebook-overlay" in msg


def test_unknown_option_of_a_known_question_is_an_error(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path)
    i = next(i for i, h in enumerate(header) if h.startswith("3. Welk type") and h.endswith("- Anders"))
    header[i] = header[i].replace("- Anders", "- Wijkteam voor jongeren")
    msg = error_of(write(tmp_path / "option.csv", header, rows))
    assert "'Wijkteam voor jongeren' is not an option of question 'team_type'" in msg


def test_unmapped_headers_are_listed(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path)
    header += ["Browser", "Duur (sec)"]
    rows = [[*r, "Firefox", "300"] for r in rows]
    result = clean_survey(write(tmp_path / "extra.csv", header, rows), WAVE)
    assert result.summary.ignored_columns == ("Browser", "Duur (sec)")
    assert "ignored columns: Browser, Duur (sec)" in str(result.summary)


def test_values_without_a_header_are_an_error(tidy, tmp_path):
    """A question written above its first option column only, read without its option row."""
    header, rows = cells_of(tidy, tmp_path)
    i = next(i for i, h in enumerate(header) if h.startswith("3. Welk type"))
    header[i + 1] = ""
    msg = error_of(write(tmp_path / "gap.csv", header, rows))
    assert f"column {i + 2} has no header but holds values" in msg


def test_numeric_codes_instead_of_labels_are_refused(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path)
    i = header.index("1. Werkt uw gemeente met één of meer sociale (wijk)teams?")
    codes = {o.label: str(k) for k, o in enumerate(CB.variable("has_teams").options, 1)}
    for r in rows:
        r[i] = codes.get(r[i], r[i])
    msg = error_of(write(tmp_path / "codes.csv", header, rows))
    assert "holds answer codes (1" in msg and "instead of answer labels" in msg and "overlay" in msg


# --------------------------------------------------------------------------- rows


def test_unquoted_delimiter_in_free_text_is_refused(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path)
    path = write(tmp_path / "base2.csv", header, rows)
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    k = next(k for k, line in enumerate(lines) if k and line.endswith(";"))  # empty last field (toelichting)
    lines[k] = lines[k] + "zie bijlage; en verder"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    msg = error_of(path)
    assert f"line {k + 1}: {len(header) + 1} fields, but the header (line 1) has {len(header)}" in msg
    assert "unquoted ';'" in msg


def test_totals_and_notes_rows_are_dropped_with_a_reason(tidy, tmp_path):
    header, rows = cells_of(tidy, tmp_path)
    g = header.index("Gemeente")
    total = [""] * len(header)
    total[g] = "Totaal"
    total[header.index("2. Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?")] = "345"
    note = [""] * len(header)
    note[0] = "Bron: eigen enquête, bewerkt door de onderzoeker"
    result = clean_survey(write(tmp_path / "tot.csv", header, [*rows, total, [""] * len(header), note]), WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    log = result.log.set_index("row")
    n = len(result.log)
    assert log["action"].iloc[-3:].tolist() == ["dropped", "dropped", "dropped"]
    assert "totals" in log["reason"].iloc[n - 3] and "note below the data" in log["reason"].iloc[n - 1]
