"""Published-figures files: the shipped 2015 file is valid; broken files fail with file, line and column."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.published import PublishedFileError, file_wave, load_published


def test_shipped_2015_file_is_valid():
    pub = load_published(wave=2015)
    assert len(pub) == 63
    assert pub["finding_id"].is_unique
    assert file_wave(pub) == 2015
    assert pub.loc[pub["finding_id"] == "F2015-009", "value"].item() == 603
    assert pub["base_n"].dropna().astype(int).between(176, 234).all()
    assert (pub["statistic"] == "verbal").sum() == 1


def _broken(tmp_path, edit):
    raw = pd.read_csv(paths.published_file(2015), dtype=str, keep_default_na=False)
    edit(raw)
    path = tmp_path / "movisie_2015.csv"
    raw.to_csv(path, index=False)
    return path


def test_non_numeric_value_names_file_line_and_column(tmp_path):
    path = _broken(tmp_path, lambda d: d.__setitem__("value", d["value"].where(d.index != 3, "zeven")))
    with pytest.raises(PublishedFileError) as exc:
        load_published(path)
    msg = str(exc.value)
    assert str(path) in msg and "line 5" in msg and "column 'value'" in msg and "zeven" in msg


def test_unknown_statistic_and_out_of_range_percent(tmp_path):
    def edit(d):
        d.loc[5, "statistic"] = "percentage"
        d.loc[7, "value"] = "140"

    with pytest.raises(PublishedFileError) as exc:
        load_published(_broken(tmp_path, edit))
    msg = str(exc.value)
    assert "line 7, column 'statistic'" in msg and "percentage" in msg
    assert "line 9, column 'value': percent value between 0 and 100" in msg


def test_duplicate_id_and_missing_column(tmp_path):
    with pytest.raises(PublishedFileError, match=r"line 3, column 'finding_id'"):
        load_published(_broken(tmp_path, lambda d: d.__setitem__("finding_id", d["finding_id"].where(d.index != 1, "F2015-001"))))
    with pytest.raises(PublishedFileError, match=r"line 1 \(header\): missing column\(s\) qualifier"):
        load_published(_broken(tmp_path, lambda d: d.__delitem__("qualifier")))


def test_verbal_row_with_value_is_rejected(tmp_path):
    path = _broken(tmp_path, lambda d: d.__setitem__("value", d["value"].where(d["finding_id"] != "F2015-006", "5")))
    with pytest.raises(PublishedFileError, match=r"line 7, column 'value': value is empty exactly for verbal"):
        load_published(path)


def test_missing_file_and_binary_garbage(tmp_path):
    with pytest.raises(PublishedFileError, match="no such file"):
        load_published(tmp_path / "nope.csv")
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(PublishedFileError, match=str(bad)):
        load_published(bad)


def test_shipped_2014_and_2017_files_are_valid():
    p14 = load_published(wave=2014)
    assert len(p14) == 19 and file_wave(p14) == 2014
    assert p14.loc[p14["finding_id"] == "F2014-003", "value"].item() == 78
    assert {"analysis", "steering"} <= set(p14["topic"])
    p17 = load_published(wave=2017)
    assert len(p17) == 15 and file_wave(p17) == 2017
    assert (p17["wave"] != 2017).sum() == 5  # reference figures of earlier waves
    assert (p17["statistic"] == "verbal").sum() == 3


def test_topics_are_an_open_vocabulary_declared_in_data(tmp_path):
    raw = pd.read_csv(paths.published_file(2014), dtype=str, keep_default_na=False)
    raw.loc[0, "topic"] = "wellbeing"
    path = tmp_path / "movisie_2014.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(PublishedFileError, match=r"line 2, column 'topic'.*wellbeing"):
        load_published(path)
    vocab = tmp_path / "vocabulary.yaml"
    data = yaml.safe_load(paths.PUBLISHED_VOCABULARY.read_text(encoding="utf-8"))
    data["topics"]["wellbeing"] = "wellbeing of the team members"
    vocab.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_published(path, vocabulary=vocab).loc[0, "topic"] == "wellbeing"


def test_universes_come_from_the_codebook(tmp_path):
    raw = pd.read_csv(paths.published_file(2014), dtype=str, keep_default_na=False)
    raw.loc[12, "universe"] = "with_or_planning_teams"  # declared in the codebook
    raw.loc[13, "universe"] = "teams_in_2030"           # declared nowhere
    path = tmp_path / "movisie_2014.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(PublishedFileError) as exc:
        load_published(path)
    assert "line 15, column 'universe'" in str(exc.value) and "teams_in_2030" in str(exc.value)
    assert "line 14," not in str(exc.value)  # with_or_planning_teams is declared


def test_vocabulary_file_is_validated(tmp_path):
    bad = tmp_path / "vocabulary.yaml"
    bad.write_text("topics:\n  Response: ''\n", encoding="utf-8")
    with pytest.raises(PublishedFileError, match=r"'Response' is not a snake_case name") as exc:
        load_published(paths.published_file(2015), vocabulary=bad)
    assert "needs a one-line description" in str(exc.value)
    bad.write_text("themes: {a: b}\n", encoding="utf-8")
    with pytest.raises(PublishedFileError, match="non-empty mapping 'topics'"):
        load_published(paths.published_file(2015), vocabulary=bad)
