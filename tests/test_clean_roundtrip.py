"""Round trip: a tidy table written as messy exports in every format and dialect cleans back exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wijkteam_stats.clean import ACTIONS, LOG_COLUMNS, clean_survey
from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export
from wijkteam_stats.reference import municipalities as m

WAVE = 2015
N = 48


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(WAVE, n=N, seed=11)


def personal_for(n: int, offset: int = 0) -> pd.DataFrame:
    """Fake respondent data that must never leave the cleaning step."""
    return pd.DataFrame({
        "respondent_naam": [f"Anneke Privé{offset + i:03d}" for i in range(n)],
        "respondent_email": [f"a.prive{offset + i:03d}@voorbeeldgemeente.nl" for i in range(n)],
        "respondent_telefoon": [f"06-5555{offset + i:04d}" for i in range(n)],
    })


def build_messy(tidy: pd.DataFrame, seed: int, municipality_as: str):
    """The tidy rows plus duplicates, test rows, empty and unattributable rows, shuffled.

    Returns (messy tidy-like frame, municipality cell per row, personal frame, expected action per row,
    personal values that must not leak).
    """
    rng = np.random.default_rng(seed)
    names = dict(zip(m.register(2015)["gm_code"], m.register(2015)["name"], strict=True))

    def typed(code: str) -> str:
        if municipality_as == "code":
            return str(rng.choice([code, code[2:], code.lower()]))
        name = names[code]
        return str(rng.choice([name, f"Gemeente {name}", name.lower(), name.upper()]))

    rows, given, expected, tags = [], [], [], []
    for i in range(len(tidy)):
        rows.append(tidy.iloc[[i]])
        given.append(typed(tidy.at[i, "gm_code"]))
        expected.append("kept")
        tags.append(("orig", i))
    complete = [i for i in range(len(tidy)) if tidy.at[i, "status"] == "compleet"]
    a, b, c = (int(x) for x in rng.choice(complete, size=3, replace=False))
    # (a) a partial duplicate that is newer: complete beats partial
    dup = tidy.iloc[[a]].copy()
    dup["status"] = "gedeeltelijk"
    dup["ingevuld_op"] = dup["ingevuld_op"] + pd.Timedelta(days=5)
    dup["toelichting"] = pd.array(["oude, onvolledige versie"], dtype="string")
    rows.append(dup)
    given.append(typed(tidy.at[a, "gm_code"]))
    expected.append("merged")
    tags.append(("dup", a))
    # (b) a complete duplicate that is older: the latest timestamp wins
    dup = tidy.iloc[[b]].copy()
    dup["ingevuld_op"] = dup["ingevuld_op"] - pd.Timedelta(days=3)
    dup["n_teams"] = pd.array([77], dtype="Int64")
    rows.append(dup)
    given.append(typed(tidy.at[b, "gm_code"]))
    expected.append("merged")
    tags.append(("dup", b))
    # (c) an identical copy: the last row wins (placed before the original below)
    rows.append(tidy.iloc[[c]].copy())
    given.append(typed(tidy.at[c, "gm_code"]))
    expected.append("merged")
    tags.append(("copy", c))
    template = tidy.iloc[[a]].copy()
    for text in ("test", "Gemeente Test", "testgemeente", "TEST 2"):
        rows.append(template.assign(gm_code=pd.array([pd.NA], dtype="string")))
        given.append(text)
        expected.append("dropped")
        tags.append(("test", text))
    empty = template.copy()
    for col in empty.columns:
        if col != "wave":
            empty[col] = pd.array([pd.NA], dtype=empty[col].dtype)
    rows.append(empty)
    given.append(None)
    expected.append("dropped")
    tags.append(("empty", None))
    for text in ("Bergen", "Amsterdm", "contact: r.privacy@voorbeeld.nl"):
        rows.append(template.assign(gm_code=pd.array([pd.NA], dtype="string")))
        given.append(text)
        expected.append("set_aside")
        tags.append(("aside", text))
    unused = sorted(set(names) - set(tidy["gm_code"]))[0]
    no_answers = empty.copy()
    no_answers["status"] = pd.array(["gedeeltelijk"], dtype="string")
    rows.append(no_answers)
    given.append(typed(unused))
    expected.append("dropped")
    tags.append(("noanswer", unused))

    order = list(rng.permutation(len(rows)))
    pos_copy = order.index(next(k for k, t in enumerate(tags) if t[0] == "copy"))
    pos_orig = order.index(c)
    if pos_copy > pos_orig:
        order[pos_copy], order[pos_orig] = order[pos_orig], order[pos_copy]
    messy = pd.concat([rows[k] for k in order], ignore_index=True)
    personal = personal_for(len(messy))
    empty_at = order.index(next(k for k, t in enumerate(tags) if t[0] == "empty"))
    personal.iloc[empty_at] = None
    secrets = [x for x in personal.to_numpy().ravel() if isinstance(x, str)] + ["r.privacy@voorbeeld.nl"]
    return messy, [given[k] for k in order], personal, [expected[k] for k in order], secrets


CONFIGS = {
    "csv-semicolon-utf8bom-columns": dict(fmt="csv", delimiter=";", encoding="utf-8-sig", multi_shape="columns",
                                          headers="question", municipality_as="name", seed=None),
    "csv-comma-cp1252-list": dict(fmt="csv", delimiter=",", encoding="cp1252", multi_shape="list",
                                  headers="question", municipality_as="name", seed=1),
    "csv-tab-utf8-columns-short-codes": dict(fmt="csv", delimiter="\t", encoding="utf-8", multi_shape="columns",
                                             headers="short", municipality_as="code", seed=2),
    "csv-semicolon-utf16-list": dict(fmt="csv", delimiter=";", encoding="utf-16", multi_shape="list",
                                     headers="question", municipality_as="name", seed=3),
    "xlsx-columns": dict(fmt="xlsx", multi_shape="columns", headers="question", municipality_as="name", seed=4),
    "xlsx-list-short-codes": dict(fmt="xlsx", multi_shape="list", headers="short", municipality_as="code", seed=5),
    "sav-columns-labels": dict(fmt="sav", multi_shape="columns", headers="question", municipality_as="name", seed=6),
    "sav-list-short": dict(fmt="sav", multi_shape="list", headers="short", municipality_as="code", seed=7),
}


def _dump(obj) -> str:
    if isinstance(obj, pd.DataFrame):
        return obj.to_csv(index=False)
    return str(obj)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_messy_export_cleans_back_to_the_original(tidy, tmp_path, name):
    cfg = dict(CONFIGS[name])
    messy, given, personal, expected, secrets = build_messy(tidy, seed=len(name), municipality_as=cfg["municipality_as"])
    path = write_export(messy, tmp_path / f"export.{cfg['fmt']}", personal=personal, municipality=given, **cfg)

    result = clean_survey(path, WAVE)

    pd.testing.assert_frame_equal(result.table, tidy)
    log = result.log
    assert list(log.columns) == list(LOG_COLUMNS)
    assert [str(d) for d in log.dtypes] == list(LOG_COLUMNS.values())
    assert len(log) == len(messy) and log["row"].is_unique
    assert set(log["action"]) <= set(ACTIONS)
    assert log["action"].tolist() == expected
    s = result.summary
    assert (s.rows_read, s.kept, s.merged, s.dropped, s.set_aside) == (
        len(messy), N, 3, expected.count("dropped"), 3)
    assert set(s.personal_columns) and not s.ignored_columns
    # every kept row points at its municipality; set-aside rows carry candidates where there are any
    assert sorted(log.loc[log["action"] == "kept", "gm_code"]) == tidy["gm_code"].tolist()
    aside = log[log["action"] == "set_aside"].set_index("municipality_given")
    assert "GM0373" in aside.at["Bergen", "candidates"] and "GM0893" in aside.at["Bergen", "candidates"]
    assert "Amsterdam" in aside.at["Amsterdm", "candidates"]
    assert "[persoonsgegevens verwijderd]" in aside.index
    merged = log[log["action"] == "merged"]
    assert merged["reason"].str.contains("complete over partial").all()
    # no personal data anywhere in what the step returns
    dumped = "\n".join(_dump(x) for x in (result.table, result.log, result.summary))
    for secret in secrets:
        assert secret not in dumped


def test_row_numbers_are_file_lines(tidy, tmp_path):
    """CSV: the header is line 1 and a record with an embedded newline takes two lines."""
    small = tidy.head(3).copy()
    small["toelichting"] = pd.array(["eerste\nregel", pd.NA, "derde"], dtype="string")
    path = write_export(small, tmp_path / "lines.csv")
    assert clean_survey(path, WAVE).log["row"].tolist() == [2, 4, 5]
    xlsx = write_export(small, tmp_path / "lines.xlsx")
    assert clean_survey(xlsx, WAVE).log["row"].tolist() == [2, 3, 4]
    sav = write_export(small, tmp_path / "lines.sav")
    assert clean_survey(sav, WAVE).log["row"].tolist() == [1, 2, 3]


def test_named_sheet_is_read(tidy, tmp_path):
    import openpyxl

    path = write_export(tidy, tmp_path / "book.xlsx", sheet_name="Antwoorden")
    wb = openpyxl.load_workbook(path)
    info = wb.create_sheet("Toelichting", 0)
    info.append(["Deze werkmap bevat de antwoorden op tabblad Antwoorden"])
    wb.save(path)
    result = clean_survey(path, WAVE, sheet="Antwoorden")
    pd.testing.assert_frame_equal(result.table, tidy)
    assert result.summary.dialect == "sheet 'Antwoorden'"


def test_ten_thousand_rows_clean_to_the_latest_answer(tidy, tmp_path):
    """10 218 rows, every municipality 26 times: the latest answer wins. (Speed: benchmarks/bench_clean.py.)"""
    base = example_tidy(WAVE, n=393, seed=5)
    k = 26  # 10 218 rows: every municipality 26 times, the original the latest
    big = pd.concat([base] * k, ignore_index=True)
    big["ingevuld_op"] = big["ingevuld_op"] - pd.to_timedelta([k - 1 - i // 393 for i in range(len(big))], unit="D")
    path = write_export(big, tmp_path / "big.csv")
    result = clean_survey(path, WAVE, keep_outside_fieldwork=True)  # the older copies predate the fieldwork
    pd.testing.assert_frame_equal(result.table, base)
    assert (result.summary.rows_read, result.summary.kept, result.summary.merged) == (10218, 393, 9825)
    assert Path(path).stat().st_size > 1_000_000
