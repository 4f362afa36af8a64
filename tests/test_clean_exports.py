"""wijkteam_stats.reconstruct.export_writer: formula-safe writers and the deterministic survey-tool export."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export
from wijkteam_stats.reference.writers import neutralize, safe_to_csv, safe_to_excel


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(2015, n=25, seed=8)


HOSTILE = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "<script>alert(1)</script>", "gewoon", "a=b"]


def test_neutralize():
    assert [neutralize(x) for x in HOSTILE] == \
        ["'=1+1", "'+1", "'-1+2", "'@SUM(A1)", "'\tx", "<script>alert(1)</script>", "gewoon", "a=b"]
    assert neutralize(-3) == -3 and neutralize(None) is None


def test_safe_to_csv(tmp_path):
    df = pd.DataFrame({
        "text": pd.array([*HOSTILE, pd.NA], dtype="string"),
        "count": pd.array([-3, 1, 2, 3, 4, 5, 6, 7, None], dtype="Int64"),
        "=kop": ["x"] * 9,
    })
    p = safe_to_csv(df, tmp_path / "sub" / "safe.csv")
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
    assert rows[0] == ["text", "count", "'=kop"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+1", "'-1+2", "'@SUM(A1)", "'\tx", "<script>alert(1)</script>",
                                        "gewoon", "a=b", ""]
    assert rows[1][1] == "-3"  # numbers stay numbers
    assert b"\r\n" not in p.read_bytes()


def test_safe_to_excel_writes_text_not_formulas(tmp_path):
    df = pd.DataFrame({"text": HOSTILE, "n": range(len(HOSTILE))})
    p = safe_to_excel(df, tmp_path / "safe.xlsx", sheet_name="Blad")
    ws = openpyxl.load_workbook(p)["Blad"]
    cells = [ws.cell(row=i + 2, column=1) for i in range(len(HOSTILE))]
    assert all(c.data_type == "s" for c in cells)
    assert cells[0].value == "'=1+1"
    assert ws.cell(row=2, column=2).value == 0
    assert safe_to_excel(df, tmp_path / "again.xlsx", sheet_name="Blad").read_bytes() == p.read_bytes()


def test_default_export_layout(tidy, tmp_path):
    p = write_export(tidy, tmp_path / "default.csv")
    data = p.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert header[:4] == ["Status van de respons", "Datum en tijd van invullen", "Gemeente",
                          "1. Werkt uw gemeente met één of meer sociale (wijk)teams?"]
    assert "Wijkbewoners - Meedenken (geraadpleegd)" in header
    assert "3. Welk type sociale (wijk)teams heeft uw gemeente? - Breed integraal team (voor alle inwoners en alle " \
           "vragen)" in header
    df = pd.read_csv(p, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert set(df["Wijkbewoners - Meedenken (geraadpleegd)"]) <= {"Ja", ""}
    assert set(df["Status van de respons"]) <= {"Compleet", "Gedeeltelijk"}
    assert df["Datum en tijd van invullen"].str.fullmatch(r"\d{2}-\d{2}-2015 \d{2}:\d{2}:\d{2}").all()
    names = dict(zip(tidy["gm_code"], df["Gemeente"], strict=True))
    assert all(not n.startswith("GM") for n in names.values())


@pytest.mark.parametrize(("suffix", "kw"), [
    ("csv", {}), ("csv", {"seed": 3, "multi_shape": "list"}), ("xlsx", {}), ("xlsx", {"seed": 4}),
    ("sav", {}), ("sav", {"seed": 5, "multi_shape": "list"}),
])
def test_export_is_byte_identical(tidy, tmp_path, suffix, kw):
    a = write_export(tidy, tmp_path / f"a.{suffix}", **kw).read_bytes()
    b = write_export(tidy, tmp_path / f"b.{suffix}", **kw).read_bytes()
    assert a == b
    assert clean_survey(tmp_path / f"a.{suffix}", 2015).table.equals(tidy)


def test_seed_changes_the_mess_not_the_content(tidy, tmp_path):
    plain = write_export(tidy, tmp_path / "plain.csv").read_bytes()
    messy = write_export(tidy, tmp_path / "messy.csv", seed=1).read_bytes()
    assert plain != messy
    pd.testing.assert_frame_equal(clean_survey(tmp_path / "messy.csv", 2015).table, tidy)


def test_personal_columns_are_written_when_given(tidy, tmp_path):
    personal = pd.DataFrame({"respondent_naam": ["Els"] * len(tidy), "respondent_email": ["els@x.nl"] * len(tidy)})
    p = write_export(tidy, tmp_path / "p.csv", personal=personal)
    header = p.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    assert "Naam respondent" in header and "E-mailadres respondent" in header
    assert "Telefoonnummer respondent" not in header
    with pytest.raises(ValueError, match="rows"):
        write_export(tidy, tmp_path / "q.csv", personal=personal.head(2))


def test_bad_arguments(tidy, tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        write_export(tidy, tmp_path / "x.csv", fmt="json")
    with pytest.raises(ValueError, match="multi_shape"):
        write_export(tidy, tmp_path / "x.csv", multi_shape="grid")
    with pytest.raises(ValueError, match="municipality_as"):
        write_export(tidy, tmp_path / "x.csv", municipality_as="province")
