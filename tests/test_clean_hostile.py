"""Hostile and unusual inputs: bad files fail with a clear message, odd cells are handled by rule."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wijkteam_stats.clean import SurveyFileError, clean_survey
from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export

WAVE = 2015


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(WAVE, n=30, seed=21)


def export_cells(tidy: pd.DataFrame, tmp_path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows (strings) of the default export of ``tidy``."""
    path = write_export(tidy, tmp_path / "base.csv")
    text = path.read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return records[0], records[1:]


def write_cells(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ";",
                encoding: str = "utf-8-sig") -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def col(header: list[str], start: str) -> int:
    return next(i for i, h in enumerate(header) if h.startswith(start))


def error_of(path: Path, **kw) -> str:
    with pytest.raises(SurveyFileError) as info:
        clean_survey(path, WAVE, **kw)
    msg = str(info.value)
    assert str(path) in msg
    return msg


# --------------------------------------------------------------------------- unusable files


def test_empty_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    assert "empty" in error_of(p)
    p.write_bytes(b" \r\n\r\n")
    assert "empty" in error_of(p)


def test_header_only(tidy, tmp_path):
    header, _ = export_cells(tidy, tmp_path)
    p = write_cells(tmp_path / "header.csv", header, [])
    msg = error_of(p)
    assert "header only" in msg and "line 1" in msg


def test_missing_file(tmp_path):
    assert "no such file" in error_of(tmp_path / "nope.csv")


def test_binary_garbage(tmp_path):
    rng = np.random.default_rng(0)
    p = tmp_path / "garbage.csv"
    p.write_bytes(rng.integers(0, 256, size=4096, dtype=np.uint8).tobytes())
    assert "binary" in error_of(p)
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert ".xls" in error_of(p)
    p.write_bytes(b"PK\x03\x04" + bytes(200))
    assert "Excel workbook" in error_of(p)
    p.write_bytes(b"$FL2" + rng.integers(0, 256, size=500, dtype=np.uint8).tobytes())
    assert "SPSS" in error_of(p)


def test_wrong_encoding(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    # cp1252 (no BOM) is recognised, accents in headers and names survive
    p = write_cells(tmp_path / "ansi.csv", header, rows, encoding="cp1252")
    pd.testing.assert_frame_equal(clean_survey(p, WAVE).table, tidy)
    # bytes that are neither UTF-8 nor Windows-1252 (0x81 is undefined in cp1252): a clear error with the line
    data = write_cells(tmp_path / "x.csv", header, rows).read_bytes()
    bad = data.replace(b"\r\n", b"\r\n\x81\xc3(", 1)
    p = tmp_path / "bad_encoding.csv"
    p.write_bytes(bad)
    msg = error_of(p)
    assert "UTF-8" in msg and "line 2" in msg


def test_no_municipality_column(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    i = header.index("Gemeente")
    header[i] = "Organisatie"
    msg = error_of(write_cells(tmp_path / "nomuni.csv", header, rows))
    assert "no municipality column" in msg and "line 1" in msg


def test_required_question_missing(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    i = col(header, "2. Hoeveel")
    header.pop(i)
    for r in rows:
        r.pop(i)
    # every other header is matched: the export left the question out -> missing for every row, a decision
    result = clean_survey(write_cells(tmp_path / "noteams.csv", header, rows), 2015)
    assert result.table["n_teams"].isna().all() and len(result.table) == len(tidy)
    assert "n_teams" in result.summary.absent_columns
    assert any("n_teams" in d and "every header" in d for d in result.summary.decisions)
    # an unmatched header could be that question under another name: refused, naming the question and the header
    header.append("Aantal wijkteams (schatting)")
    for r in rows:
        r.append("3")
    msg = error_of(write_cells(tmp_path / "noteams2.csv", header, rows))
    assert "n_teams" in msg and "Hoeveel sociale (wijk)teams" in msg and "line 1" in msg
    assert "Aantal wijkteams (schatting)" in msg


def test_two_columns_for_one_question(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    header.append("Aantal teams")
    for r in rows:
        r.append("3")
    msg = error_of(write_cells(tmp_path / "twice.csv", header, rows))
    assert "both hold 'n_teams'" in msg and f"column {len(header)} 'Aantal teams'" in msg


def test_ragged_row_names_line_and_column(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    rows[0] = rows[0] + ["", "verdwaalde waarde"]
    msg = error_of(write_cells(tmp_path / "ragged.csv", header, rows))
    assert "line 2" in msg and f"column {len(header) + 2}" in msg
    # empty trailing fields on one row only: a shifted row is possible, so refused (not trimmed)
    rows[0] = rows[0][: len(header)] + ["", ""]
    msg = error_of(write_cells(tmp_path / "one.csv", header, rows))
    assert "line 2: 68 fields, but the header (line 1) has 66" in msg and "not trimmed" in msg
    # the same empty trailing fields on every row (Excel habit) are fine
    rows = [r[: len(header)] + ["", ""] for r in rows]
    pd.testing.assert_frame_equal(clean_survey(write_cells(tmp_path / "ok.csv", header, rows), WAVE).table, tidy)
    # a row with fewer fields (cut off) is refused, not padded
    rows = [r[: len(header)] for r in rows]
    rows[0] = rows[0][:20]
    msg = error_of(write_cells(tmp_path / "cut.csv", header, rows))
    assert "line 2: 20 fields, but the header (line 1) has 66" in msg and "not padded" in msg


def test_missing_sheet_lists_sheets(tidy, tmp_path):
    p = write_export(tidy, tmp_path / "book.xlsx", sheet_name="Resultaten")
    msg = error_of(p, sheet="Blad1")
    assert "no sheet 'Blad1'" in msg and "'Resultaten'" in msg


# --------------------------------------------------------------------------- odd content, handled by rule


def test_unknown_columns_are_ignored_and_reported(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    header = ["Respondent ID", *header, "Browser"]
    rows = [[str(1000 + k), *r, "Firefox"] for k, r in enumerate(rows)]
    result = clean_survey(write_cells(tmp_path / "extra.csv", header, rows), WAVE)
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.summary.ignored_columns == ("Browser",)
    assert result.summary.personal_columns == ("Respondent ID",)  # a respondent id is personal data by column
    assert "genegeerde kolommen / ignored columns: Browser" in str(result.summary)


def test_out_of_range_counts_become_missing_and_are_logged(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    i = col(header, "2. Hoeveel")
    with_teams = [k for k, r in enumerate(rows) if r[i]]
    cells = {"-3": None, "1e9": None, "2,5": None, "veel": None, "1.000": None,
             "84%": 84, "3,0": 3, " 7 ": 7, "Weet niet": None, "-99": None}
    assert len(with_teams) >= len(cells)
    for k, raw in zip(with_teams, cells, strict=False):
        rows[k][i] = raw
    result = clean_survey(write_cells(tmp_path / "counts.csv", header, rows), WAVE)
    table, log = result.table, result.log
    assert len(table) == len(tidy) and (log["action"] == "kept").all()
    for k, (raw, want) in zip(with_teams, cells.items(), strict=False):
        code = log.at[k, "gm_code"]
        got = table.loc[table["gm_code"] == code, "n_teams"].iloc[0]
        assert (pd.isna(got) and want is None) or got == want, (raw, got)
        reason = log.at[k, "reason"]
        if want is None and raw not in ("Weet niet", "-99"):
            assert "cell issues" in reason and "n_teams" in reason and raw.strip() in reason
        else:
            assert pd.isna(reason) or "n_teams" not in reason
    issues = {ci.message for ci in result.summary.cell_issues}
    assert "n_teams: '-3' is outside the allowed range 0–100; set to missing" in issues
    assert "n_teams: '1e9' is outside the allowed range 0–100; set to missing" in issues
    assert "n_teams: '2,5' is not a whole number; set to missing" in issues
    assert "n_teams: 'veel' is not a number; set to missing" in issues
    other = table.drop(columns="n_teams")
    pd.testing.assert_frame_equal(other, tidy.drop(columns="n_teams"))


def test_formula_and_script_text_kept_verbatim_but_neutralised_in_csv(tidy, tmp_path):
    from wijkteam_stats.cli import main

    header, rows = export_cells(tidy, tmp_path)
    i = col(header, "12. Heeft u nog opmerkingen")
    texts = ['=HYPERLINK("http://x.example","klik")', "+31 is geen telefoon", "-2+3", "@SUM(A1)",
             "<script>alert('x')</script>"]
    for k, t in enumerate(texts):
        rows[k][i] = t
    rows[len(texts)][header.index("Gemeente")] = "=cmd|' /C calc'!A0"
    p = write_cells(tmp_path / "formula.csv", header, rows)
    out, log = tmp_path / "out" / "survey.parquet", tmp_path / "out" / "log.csv"
    assert main(["clean", str(p), "--wave", "2015", "--out", str(out), "--log", str(log)]) == 0
    table = pd.read_parquet(out)
    log_df = pd.read_csv(log, dtype=str)
    for k, t in enumerate(texts):
        code = log_df.at[k, "gm_code"]
        assert table.loc[table["gm_code"] == code, "toelichting"].iloc[0] == t
    csv_text = out.with_suffix(".csv").read_text(encoding="utf-8")
    for t in texts[:4]:
        assert "'" + t.replace('"', '""') in csv_text
    assert "<script>alert('x')</script>" in csv_text
    reread = pd.read_csv(out.with_suffix(".csv"), dtype=str, keep_default_na=False)
    assert set(reread["toelichting"]) >= {"'" + t for t in texts[:4]}
    # the log is written safely too: the formula typed as municipality is set aside and neutralised
    assert log_df.at[len(texts), "action"] == "set_aside"
    assert log_df.at[len(texts), "municipality_given"] == "'=cmd|' /C calc'!A0"


def test_label_variants_and_namelijk(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    h = col(header, "1. Werkt uw gemeente")
    ha = col(header, "1a. Anders")
    s = header.index("Status van de respons")
    yn = col(header, "9. Monitort")
    rows[0][h], rows[0][ha] = "Anders, namelijk: via het CJG en de huisartsen", ""
    rows[1][h] = "  ja, met een of meer teams "
    rows[2][s] = "Volledig"
    rows[3][yn] = "Ja, namelijk: kwartaalrapportages"
    rows[4][yn] = "JA"
    rows[5][yn] = "Geen antwoord"
    result = clean_survey(write_cells(tmp_path / "labels.csv", header, rows), WAVE)
    t = result.table.set_index("gm_code")
    code = result.log["gm_code"].tolist()
    assert t.at[code[0], "has_teams"] == "anders"
    assert t.at[code[0], "has_teams_anders"] == "via het CJG en de huisartsen"
    assert t.at[code[1], "has_teams"] == "ja"
    assert t.at[code[2], "status"] == "compleet"
    assert bool(t.at[code[3], "monitors_teams"]) is True
    assert bool(t.at[code[4], "monitors_teams"]) is True
    assert pd.isna(t.at[code[5], "monitors_teams"])
    # the text of "Ja, namelijk: ..." has no column: reported, not silently lost
    assert [ci.message for ci in result.summary.cell_issues] == [
        "monitors_teams: the text after 'namelijk' ('kwartaalrapportages') has no place in the tidy table; not kept"]
    assert "cell issues: monitors_teams: the text after 'namelijk'" in result.log.at[3, "reason"]


def test_unknown_answer_label_is_missing_with_issue(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    h = col(header, "1. Werkt uw gemeente")
    rows[0][h] = "Misschien volgend jaar"
    result = clean_survey(write_cells(tmp_path / "odd.csv", header, rows), WAVE)
    code = result.log.at[0, "gm_code"]
    assert pd.isna(result.table.set_index("gm_code").at[code, "has_teams"])
    assert "has_teams: 'Misschien volgend jaar' is not an answer option" in result.log.at[0, "reason"]


def test_geen_with_other_forms_sets_group_missing(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    geen = header.index("Wijkbewoners - Geen betrokkenheid")
    meedoen = header.index("Wijkbewoners - Meedoen (maken deel uit van het team)")
    rows[0][geen], rows[0][meedoen] = "Ja", "Ja"
    result = clean_survey(write_cells(tmp_path / "geen.csv", header, rows), WAVE)
    code = result.log.at[0, "gm_code"]
    row = result.table.set_index("gm_code").loc[code]
    assert row.filter(like="involvement__wijkbewoners__").isna().all()
    assert "'geen' ticked together with other forms" in result.log.at[0, "reason"]


def test_wave_column_for_another_wave_is_set_aside(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    header.append("Meting")
    for k, r in enumerate(rows):
        r.append("2014" if k == 2 else "2015")
    result = clean_survey(write_cells(tmp_path / "wave.csv", header, rows), WAVE)
    assert result.log.at[2, "action"] == "set_aside"
    assert "wave 2014, not 2015" in result.log.at[2, "reason"]
    assert len(result.table) == len(tidy) - 1


def test_duplicate_rule_complete_then_latest_then_last(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    s, d, g = header.index("Status van de respons"), header.index("Datum en tijd van invullen"), header.index("Gemeente")
    n = col(header, "2. Hoeveel")
    base = next(r for r in rows if r[n])
    base[col(header, "12. Heeft u")] = ""  # one line per record
    versions = [  # (status, timestamp, n_teams)
        ("Compleet", "01-10-2015 10:00:00", "1"),
        ("Gedeeltelijk", "20-11-2015 10:00:00", "2"),  # newest but partial
        ("Compleet", "02-10-2015 10:00:00", "3"),  # complete and latest of the complete ones: kept
        ("Compleet", "02-10-2015 10:00:00", "4"),  # same again, later in the file: kept instead
    ]
    dups = []
    for st, ts, nt in versions:
        r = list(base)
        r[s], r[d], r[n] = st, ts, nt
        dups.append(r)
    others = [r for r in rows if r[g] != base[g]]
    result = clean_survey(write_cells(tmp_path / "dups.csv", header, [*dups, *others]), WAVE)
    log = result.log
    assert log["action"].tolist()[:4] == ["merged", "merged", "merged", "kept"]
    assert log.at[0, "reason"].startswith(f"duplicate of {log.at[3, 'gm_code']}; line 5 kept")
    assert "kept over duplicate line(s) 2, 3, 4" in log.at[3, "reason"]
    assert result.table.set_index("gm_code").at[log.at[3, "gm_code"], "n_teams"] == 4
    # without status and timestamp columns the last row wins
    keep = [i for i in range(len(header)) if i not in (s, d)]
    result = clean_survey(write_cells(tmp_path / "dups2.csv", [header[i] for i in keep],
                                      [[r[i] for i in keep] for r in [*dups, *others]]), WAVE)
    assert result.log["action"].tolist()[:4] == ["merged", "merged", "merged", "kept"]


def test_municipality_code_and_name_disagree(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    header.append("CBS gemeentecode")
    for r in rows:
        r.append("")
    codes = tidy["gm_code"].tolist()  # the export rows are in gm_code order
    rows[0][-1] = codes[5]
    rows[1][-1] = codes[1][2:]  # "0363" style, the same municipality as the name
    result = clean_survey(write_cells(tmp_path / "codes.csv", header, rows), WAVE)
    log = result.log
    assert log.at[0, "action"] == "set_aside"
    assert "different municipalities" in log.at[0, "reason"]
    assert log.at[0, "candidates"] == f"{codes[0]}; {codes[5]}"
    assert (log.at[1, "action"], log.at[1, "gm_code"]) == ("kept", codes[1])
    assert log.at[1, "municipality_given"].endswith(f" / {codes[1][2:]}")


def test_personal_data_in_municipality_and_free_text(tidy, tmp_path):
    header, rows = export_cells(tidy, tmp_path)
    header += ["Naam respondent", "E-mailadres", "Telefoon"]
    for k, r in enumerate(rows):
        r += [f"Pietje Geheim{k}", f"pietje{k}@geheim.nl", f"06 1234 56{k:02d}"]
    g = header.index("Gemeente")
    i = col(header, "12. Heeft u nog opmerkingen")
    rows[0][g] = "Pietje Geheim0"  # the respondent typed the own name as municipality
    rows[1][g] = "06-98765432"
    rows[2][i] = "Bel mij: 0612345678 of mail naar info@geheim.nl"
    result = clean_survey(write_cells(tmp_path / "pii.csv", header, rows), WAVE)
    log = result.log
    assert log.loc[[0, 1], "action"].tolist() == ["set_aside", "set_aside"]
    assert log.loc[[0, 1], "municipality_given"].tolist() == ["[persoonsgegevens verwijderd]"] * 2
    code = log.at[2, "gm_code"]
    text = result.table.set_index("gm_code").at[code, "toelichting"]
    assert text == "Bel mij: [telefoonnummer] of mail naar [e-mailadres]"
    assert log.at[2, "masked"] == "toelichting: e-mailadres 1, telefoonnummer 1"
    assert ("e-mailadres", 1) in result.summary.masked and ("telefoonnummer", 1) in result.summary.masked
    dumped = result.table.to_csv() + log.to_csv() + str(result.summary)
    for k in range(len(rows)):
        for secret in (f"Pietje Geheim{k}", f"pietje{k}@geheim.nl", f"06 1234 56{k:02d}"):
            assert secret not in dumped
    assert "0612345678" not in dumped and "06-98765432" not in dumped and "info@geheim.nl" not in dumped
