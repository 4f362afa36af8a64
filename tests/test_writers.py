"""The shared writers: atomic CSV/XLSX/parquet, formula safety, control characters in free text."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export
from wijkteam_stats.reference import writers


def test_control_characters_in_free_text_do_not_break_xlsx(tmp_path):
    df = pd.DataFrame({"gm_code": ["GM0363", "GM0003"],
                       "toelichting": ["bel\x07 ons\x00 op\x1b[0m maandag\ttab\nregel", "=SOM(A1)"]})
    path = writers.safe_to_excel(df, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws["B2"].value == "bel ons op[0m maandag\ttab\nregel"  # C0 controls removed, tab/LF kept
    assert ws["B3"].value == "'=SOM(A1)"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]  # no temporary file left
    again = writers.safe_to_excel(df, tmp_path / "u.xlsx")
    assert again.read_bytes() == path.read_bytes()
    csv = writers.safe_to_csv(df, tmp_path / "t.csv")
    assert "\x07" in csv.read_text()  # CSV keeps the text as it is


def test_survey_tool_export_with_control_characters(tmp_path):
    tidy = example_tidy(2015, n=5, seed=3)
    tidy["toelichting"] = tidy["toelichting"].astype(object)
    tidy.loc[tidy.index[0], "toelichting"] = "tekst\x0bmet\x01stuurtekens"
    path = write_export(tidy, tmp_path / "export.xlsx")
    ws = openpyxl.load_workbook(path).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert ws.max_row == len(tidy) + 1 and "tekstmetstuurtekens" in values


def test_atomic_parquet_and_csv_leave_the_old_file_on_failure(tmp_path, monkeypatch):
    df = pd.DataFrame({"a": [1, 2]})
    target = writers.atomic_write_parquet(df, tmp_path / "t.parquet", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(target), df)
    csv = writers.safe_to_csv(df, tmp_path / "t.csv")
    old = (target.read_bytes(), csv.read_bytes())

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        writers.atomic_write_parquet(pd.DataFrame({"a": range(1000)}), target)
    with pytest.raises(KeyboardInterrupt):
        writers.safe_to_csv(pd.DataFrame({"a": range(1000)}), csv)
    monkeypatch.undo()
    assert (target.read_bytes(), csv.read_bytes()) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.parquet"]


def test_read_json_names_the_file(tmp_path):
    p = tmp_path / "x.json"
    for text, what in (("", "is empty"), ('{"a": ', "not valid JSON"), ("[1, 2", "line 1")):
        p.write_text(text)
        with pytest.raises(writers.CorruptFileError, match=f"{p}.*{what}|{what}"):
            writers.read_json(p)
        with pytest.raises(writers.CorruptFileError, match=str(p)):
            writers.read_json(p)


def test_figures_are_written_atomically(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from wijkteam_stats.reference.figures import save_figure

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    png, svg = save_figure(fig, "lijn", tmp_path, check=False)
    old = png.read_bytes()
    assert old[:4] == b"\x89PNG" and svg.read_text().lstrip().startswith("<?xml")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    ax.plot([0, 1], [1, 0])
    monkeypatch.setattr(writers.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_figure(fig, "lijn", tmp_path, check=False)
    monkeypatch.undo()
    plt.close(fig)
    assert png.read_bytes() == old and sorted(p.name for p in tmp_path.iterdir()) == ["lijn.png", "lijn.svg"]
