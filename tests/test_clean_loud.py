"""Issue 18: the cleaner is loud whenever it is not sure (one test per generic mechanism)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from wijkteam_stats.clean import SurveyFileError, clean_survey
from wijkteam_stats.clean.headers import personal_header
from wijkteam_stats.clean.municipality import MunicipalityResolver
from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export

WAVE = 2015


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(WAVE, n=6, seed=23)


def cells(tidy: pd.DataFrame, tmp: Path) -> tuple[list[str], list[list[str]]]:
    path = write_export(tidy, tmp / "base.csv")
    records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    return records[0], records[1:]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def test_qualifiers_are_used_and_checked():
    r = MunicipalityResolver(2015)
    assert r("Bergen (NH)").code == "GM0373" and r("Bergen L").code == "GM0893"
    assert r("Bergen", "Limburg").code == "GM0893"
    assert r("Bergen").code is None and len(r("Bergen").candidates) == 2
    wrong = r("Hengelo (Gld)")  # a village in Bronckhorst, not the municipality Hengelo (Overijssel)
    assert wrong.code is None and "GM0164" in wrong.reason and "Gelderland" in wrong.reason
    assert r("Zwolle", "Utrecht").code is None
    assert r("Zwolle", "Atlantis").code is None


def test_personal_headers_dutch_english_and_old_names():
    for h in ("Naam invuller", "IP-adres", "RespondentID", "CollectorID", "LastName", "E-mail (werk)", "Tel.",
              "Postcode", "Contactpersoon", "Recipient Last Name"):
        assert personal_header(h), h
    for h in ("Gemeente", "Provincie", "Opmerkingen", "Status", "Tijdstempel",
              "Heeft u een contactpersoon bij de gemeente voor het wijkteam?"):
        assert not personal_header(h), h


def test_duplicate_created_by_resolution_is_set_aside_not_merged(tidy, tmp_path):
    header, rows = cells(tidy, tmp_path)
    g = header.index("Gemeente")
    a, b = [list(r) for r in rows[:2]]
    a[g], b[g] = "'s-Hertogenbosch", "Den Bosch"  # one code through two writings
    result = clean_survey(write(tmp_path / "dup.csv", header, [a, b, *rows[2:]]), WAVE)
    log = result.log
    assert log.at[0, "action"] == "set_aside" and log.at[1, "action"] == "set_aside"
    assert "duplicate created by resolution" in log.at[0, "reason"] and "'Den Bosch'" in log.at[0, "reason"]
    assert "GM0796" not in set(result.table["gm_code"])
    # the same code written as code and as name is an ordinary re-submission
    a[g], b[g] = "GM0373", "373"
    result = clean_survey(write(tmp_path / "dup2.csv", header, [a, b, *rows[2:]]), WAVE)
    assert sorted(result.log["action"][:2]) == ["kept", "merged"]


def test_bare_status_codes_are_refused_naming_both_readings(tidy, tmp_path):
    header, rows = cells(tidy, tmp_path)
    s = header.index("Status van de respons")
    header[s] = "Status"
    rows = [[("1" if k else "0") if j == s else c for j, c in enumerate(r)] for k, r in enumerate(rows)]
    path = write(tmp_path / "status.csv", header, rows)
    with pytest.raises(SurveyFileError) as info:
        clean_survey(path, WAVE)
    msg = str(info.value)
    assert str(path) in msg and "completion" in msg and "preview" in msg and '{"Status": null}' in msg
    overlay = tmp_path / "ov.yaml"
    overlay.write_text('headers:\n  "Status": null\n', encoding="utf-8")
    result = clean_survey(path, WAVE, overlay=overlay)
    assert len(result.table) == len(tidy) and result.table["status"].isna().all()


def test_fieldwork_window_sets_aside_and_flag_keeps(tidy, tmp_path):
    header, rows = cells(tidy, tmp_path)
    d = header.index("Datum en tijd van invullen")
    rows = [list(r) for r in rows]
    rows[0][d] = "02-12-2015 10:00:00"  # after the 2015 fieldwork (14 Sep - 27 Nov)
    path = write(tmp_path / "late.csv", header, rows)
    result = clean_survey(path, WAVE)
    assert result.log.at[0, "action"] == "set_aside"
    assert "2015-12-02, outside the wave's fieldwork (2015-09-14 to 2015-11-27" in result.log.at[0, "reason"]
    assert any("fieldwork: 2015-09-14 to 2015-11-27" in x and "1 response(s)" in x for x in result.summary.decisions)
    kept = clean_survey(path, WAVE, keep_outside_fieldwork=True)
    assert kept.log.at[0, "action"] == "kept" and "--keep-outside-fieldwork" in kept.log.at[0, "reason"]
    assert len(kept.table) == len(tidy)


def test_unclosed_quote_names_the_line_where_it_opened(tidy, tmp_path):
    header, rows = cells(tidy, tmp_path)
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    lines = buf.getvalue().split("\r\n")
    t = header.index(next(h for h in header if "opmerkingen" in h.lower()))
    k = next(i for i in range(1, len(lines) - 3) if '"' not in lines[i])  # a line without quoted fields
    fields = lines[k].split(";")
    fields[t] = '"Zie de notitie'
    lines[k] = ";".join(fields)
    path = tmp_path / "quote.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    with pytest.raises(SurveyFileError, match=rf"line {k + 1}, field {t + 1}: a quoted field opens here") as info:
        clean_survey(path, WAVE)
    assert "never closed" in str(info.value)


def test_invisible_characters_are_shown_escaped_with_the_cause(tidy, tmp_path):
    header, rows = cells(tidy, tmp_path)
    n = next(j for j, h in enumerate(header) if h.startswith("2. Hoeveel"))
    header[n] = header[n].replace("Hoeveel", "Hoe\u00a0veel")
    with pytest.raises(SurveyFileError) as info:
        clean_survey(write(tmp_path / "nbsp.csv", header, rows), WAVE)
    msg = str(info.value)
    assert "Hoe\\xa0veel" in msg and "most likely cause: invisible or non-standard character(s) '\\xa0'" in msg
    header[n] = header[n].replace("Hoe\u00a0veel", "Hoeveel").replace("Gemeente", "Ge\u200bmeente")
    g = header.index("Gemeente") if "Gemeente" in header else next(j for j, h in enumerate(header) if "\u200b" in h)
    header[g] = "Ge\u200bmeente"
    result = clean_survey(write(tmp_path / "zw.csv", header, rows), WAVE)
    assert len(result.table) == len(tidy)
    assert any("'Ge\\u200bmeente': invisible character(s) ignored" in x for x in result.summary.decisions)


def test_weet_niet_in_an_option_column_is_missing_not_unticked(tidy, tmp_path):
    header, rows = cells(tidy, tmp_path)
    cols = [j for j, h in enumerate(header) if h.startswith("3. Welk type")]
    k = next(k for k, r in enumerate(rows) if any(r[j] in ("Ja", "ja", "1", "x") for j in cols))
    rows = [list(r) for r in rows]
    j = next(j for j in cols if rows[k][j] not in ("Ja", "ja", "1", "x"))
    rows[k][j] = "weet niet"
    result = clean_survey(write(tmp_path / "wn.csv", header, rows), WAVE)
    gm = result.log.at[k, "gm_code"]
    row = result.table.set_index("gm_code").loc[gm]
    option = [c for c in result.table.columns if c.startswith("team_type__")]
    assert row[option].isna().sum() == 1 and row[option].notna().sum() == len(option) - 1
