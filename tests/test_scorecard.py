"""The scorecard engine on small hand-made tidy tables and published files, an invented wave, and the
shipped synthetic reconstruction."""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest
import yaml

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.published import COLUMNS
from wijkteam_stats.reproduce.estimators import wilson_interval
from wijkteam_stats.reproduce.scorecard import (
    SCORECARD_COLUMNS,
    build_scorecard,
    display_table,
    failing_targets,
    read_scorecard,
    status_counts,
    style_scorecard,
    wilson_table,
    write_scorecard,
)

GOALS = ("voorkomen_zwaardere_zorg", "integrale_aanpak", "preventie", "zelfredzaamheid", "laagdrempelige_toegang",
         "kostenbeheersing", "anders")
# goal counts among the 6 answering municipalities with teams: ranks 1, 1, 3, 4 (shared), 4 (shared), 6, 7
GOAL_TRUE = {"voorkomen_zwaardere_zorg": 5, "integrale_aanpak": 5, "preventie": 4, "zelfredzaamheid": 3,
             "laagdrempelige_toegang": 3, "kostenbeheersing": 1, "anders": 0}

#: (gm_code, has_teams, n_teams); G32: GM0014, GM0034, GM0080; G4: GM0599; < 20 000 inhabitants: GM0003-GM0009
RESPONDENTS = [
    ("GM0599", "ja", 42), ("GM0014", "ja", 10), ("GM0034", "ja", 6), ("GM0080", "nee_gepland", None),
    ("GM0010", "ja", 3), ("GM0018", "ja", 2), ("GM0003", "nee_bewuste_keuze", None),
    ("GM0005", "nee_bewuste_keuze", None), ("GM0007", "ja", 1), ("GM0009", "ja", None),
]


def make_tidy(codebook=None, wave: int = 2015, respondents=RESPONDENTS) -> pd.DataFrame:
    """A small table following the tidy contract (columns and dtypes from the codebook)."""
    cb = (codebook or load_codebook()).for_wave(wave)
    n = len(respondents)
    df = pd.DataFrame({c: pd.Series([pd.NA] * n, dtype=t) for c, t in cb.tidy_columns().items()})
    df["gm_code"] = pd.array([r[0] for r in respondents], dtype="string")
    df["wave"] = pd.array([wave] * n, dtype="Int64")
    df["has_teams"] = pd.array([r[1] for r in respondents], dtype="string")
    df["n_teams"] = pd.array([r[2] for r in respondents], dtype="Int64")
    teams = [i for i, r in enumerate(respondents) if r[1] == "ja"]
    answering = [i for i in teams if respondents[i][0] != "GM0009"]  # GM0009: goals item non-response
    for g in GOALS:
        col = pd.array([pd.NA] * n, dtype="boolean")
        for j, i in enumerate(answering):
            col[i] = j < GOAL_TRUE[g]
        df[f"goal__{g}"] = col
    # involvement, wijkbewoners: answered by 5 of the 7 with teams, "meedenken" by 2 of them
    grid = [i for i in teams if respondents[i][0] not in ("GM0009", "GM0007")]
    for form in ("meedoen", "meebeslissen", "meedenken", "meebeoordelen", "geen"):
        col = pd.array([pd.NA] * n, dtype="boolean")
        for j, i in enumerate(grid):
            col[i] = (j < 2) if form == "meedenken" else (form == "geen" and j >= 2)
        df[f"involvement__wijkbewoners__{form}"] = col
    return df.sort_values("gm_code", kind="stable").reset_index(drop=True)


def write_published(path, rows: list[dict]) -> str:
    """Write a published-figures CSV with the schema's columns (missing cells empty)."""
    defaults = {"topic": "prevalence", "breakdown": "all", "qualifier": "rounded", "universe": "respondents",
                "base": "", "base_n": "", "source": "test", "quote": ""}
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({**defaults, **r})
    return str(path)


HT = {"variable": "has_teams", "category": "works with sociale (wijk)teams", "statistic": "percent"}
NT = {"topic": "teams", "variable": "n_teams"}
GOAL = {"topic": "goals", "variable": "goal_rank", "statistic": "rank", "qualifier": "verbal", "universe": "with_teams"}

TINY = [
    {"finding_id": "F2015-901", "wave": 2015, "topic": "response", "variable": "n_respondents",
     "category": "responding municipalities", "statistic": "count", "value": 10, "qualifier": "exact",
     "universe": "invited"},
    {"finding_id": "F2015-902", "wave": 2015, "topic": "response", "variable": "response_rate",
     "category": "responding municipalities", "statistic": "percent", "value": 3, "universe": "invited"},
    {"finding_id": "F2015-903", "wave": 2015, **HT, "value": 70, "base_n": 10},
    {"finding_id": "F2015-904", "wave": 2015, **HT, "value": 75},
    {"finding_id": "F2015-905", "wave": 2015, **HT, "breakdown": "G32", "value": 67},
    {"finding_id": "F2015-906", "wave": 2015, **HT, "breakdown": "non-G32", "value": 71},
    {"finding_id": "F2015-907", "wave": 2015, **NT, "category": "number of teams", "statistic": "count",
     "value": 64, "qualifier": "exact", "base_n": 10},
    {"finding_id": "F2015-908", "wave": 2015, **NT, "category": "mean number of teams", "statistic": "mean",
     "value": 6, "qualifier": "approximate"},
    {"finding_id": "F2015-909", "wave": 2015, **NT, "category": "mean number of teams", "breakdown": "G32",
     "statistic": "mean", "value": 5, "qualifier": "approximate"},
    {"finding_id": "F2015-910", "wave": 2015, **NT, "category": "largest number of teams", "breakdown": "GM0599",
     "statistic": "count", "value": 42, "qualifier": "exact"},
    {"finding_id": "F2015-911", "wave": 2015, **NT, "category": "largest number of teams", "breakdown": "rank",
     "statistic": "rank", "value": 1, "qualifier": "exact"},
    {"finding_id": "F2015-912", "wave": 2015, **GOAL, "category": "voorkomen van zwaardere zorg", "value": 1},
    {"finding_id": "F2015-913", "wave": 2015, **GOAL, "category": "integrale aanpak van multiproblematiek", "value": 1},
    {"finding_id": "F2015-914", "wave": 2015, **GOAL, "category": "preventie (voorkomen van escalatie)", "value": 3},
    {"finding_id": "F2015-915", "wave": 2015, **GOAL, "category": "vergroten zelfredzaamheid / burgerkracht",
     "value": 4},
    {"finding_id": "F2015-916", "wave": 2015, **GOAL, "category": "voorkomen van zwaardere zorg", "value": 1,
     "qualifier": "exact"},
    {"finding_id": "F2015-917", "wave": 2015, "variable": "explicitly_no_teams",
     "category": "explicitly chooses not to work with a wijkteam", "breakdown": "size", "statistic": "verbal",
     "value": "", "qualifier": "verbal"},
    {"finding_id": "F2015-918", "wave": 2015, "variable": "dedicated_budget", "category": "team has its own budget",
     "statistic": "percent", "value": 50},
    {"finding_id": "F2015-919", "wave": 2014, **HT, "value": 69},
    {"finding_id": "F2015-920", "wave": 2015, **HT, "value": 70, "base_n": 12},
    {"finding_id": "F2015-921", "wave": 2015, **HT, "breakdown": "provincie Groningen", "value": 70},
    {"finding_id": "F2015-922", "wave": 2015, "topic": "involvement", "variable": "involvement",
     "category": "meedenken (geraadpleegd)", "breakdown": "wijkbewoners", "statistic": "percent", "value": 40,
     "universe": "with_teams", "base_n": 5},
    {"finding_id": "F2015-923", "wave": 2015, **GOAL, "category": "kostenbesparing", "value": 6},
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = write_published(tmp_path_factory.mktemp("pub") / "movisie_2015.csv", TINY)
    return build_scorecard(path, make_tidy()).set_index("finding_id", drop=False)


def test_every_row_once_in_file_order(tiny):
    assert tiny.columns.tolist() == SCORECARD_COLUMNS
    assert tiny["finding_id"].tolist() == [r["finding_id"] for r in TINY]
    assert tiny["status"].isin(["match", "mismatch", "not_reproducible"]).all()
    assert (tiny["reason"].str.len() > 0).all()


def test_percentages_match_with_wilson_interval(tiny):
    r = tiny.loc["F2015-903"]
    assert (r.status, r.reproduced_value, r.base_n_reproduced, r.unit) == ("match", 70.0, 10, "%")
    assert (r.ci_low, r.ci_high) == pytest.approx(wilson_interval(7, 10))
    assert tiny.loc["F2015-902", "reproduced_value"] == pytest.approx(1000 / 393)
    assert tiny.loc["F2015-902", "status"] == "match"
    assert tiny.loc["F2015-901", ["status", "reproduced_value", "unit"]].tolist() == ["match", 10.0, "gemeenten"]


def test_mismatch_states_the_difference(tiny):
    r = tiny.loc["F2015-904"]
    assert r.status == "mismatch"
    assert "off by -5.00" in r.reason and r.tolerance == "±0,5 pp"


def test_g32_reading_excludes_the_g4(tiny):
    # G32 respondents: Groningen, Almere (teams), Leeuwarden (planned) -> 2/3; Rotterdam (G4) is non-G32: 5/7
    assert tiny.loc["F2015-905", "reproduced_value"] == pytest.approx(200 / 3)
    assert tiny.loc["F2015-905", "base_n_reproduced"] == 3
    assert tiny.loc["F2015-906", "reproduced_value"] == pytest.approx(500 / 7)
    assert (tiny.loc[["F2015-905", "F2015-906"], "status"] == "match").all()


def test_counts_means_and_municipality_values(tiny):
    assert tiny.loc["F2015-907", ["status", "reproduced_value", "unit"]].tolist() == ["match", 64.0, "teams"]
    mean_all = tiny.loc["F2015-908"]
    assert mean_all.reproduced_value == pytest.approx(6.4) and mean_all.status == "match"
    assert "over the 6 with a value: 10.67" in mean_all.reason  # the other reading is reported
    assert tiny.loc["F2015-909", "reproduced_value"] == pytest.approx(16 / 3)
    assert tiny.loc["F2015-910", ["status", "reproduced_value"]].tolist() == ["match", 42.0]
    rank = tiny.loc["F2015-911"]
    assert (rank.status, rank.reproduced_value, rank.unit) == ("match", 1.0, "rang")
    assert "Rotterdam" in rank.reason and "not shared" in rank.reason


def test_shared_ranks_are_checked_as_orderings(tiny):
    for fid in ("F2015-912", "F2015-913", "F2015-914", "F2015-915"):
        assert tiny.loc[fid, "status"] == "match", tiny.loc[fid, "reason"]
    assert tiny.loc["F2015-912", "reproduced_value"] == 1
    assert "shared with Integrale aanpak" in tiny.loc["F2015-912", "reason"]
    assert tiny.loc["F2015-915", "reproduced_value"] == 4
    assert "shared with Laagdrempelige toegang" in tiny.loc["F2015-915", "reason"]
    assert tiny.loc["F2015-914", "base_n_reproduced"] == 6  # GM0009 did not answer the goals
    # an *exact* first place may not be shared
    assert tiny.loc["F2015-916", "status"] == "mismatch"


def test_verbal_small_share(tiny, tmp_path):
    r = tiny.loc["F2015-917"]
    assert (r.status, r.reproduced_value, r.unit) == ("match", 100.0, "%")
    assert r.tolerance.startswith("≥ 90 %")
    # a large municipality among the three that chose not to: 2/3 < 90 % -> mismatch
    resp = [(c, "nee_bewuste_keuze" if c == "GM0010" else h, n) for c, h, n in RESPONDENTS]
    path = write_published(tmp_path / "p.csv", [TINY[16]])
    sc = build_scorecard(path, make_tidy(respondents=resp))
    assert sc.loc[0, "status"] == "mismatch"
    assert sc.loc[0, "reproduced_value"] == pytest.approx(200 / 3)


def test_not_reproducible_rows_are_kept_with_a_reason(tiny):
    unknown = tiny.loc["F2015-918"]
    assert unknown.status == "not_reproducible"
    assert "codebook does not know" in unknown.reason and "dedicated_budget" in unknown.reason
    assert unknown.description == "team has its own budget" and math.isnan(unknown.reproduced_value)
    ref = tiny.loc["F2015-919"]
    assert (ref.status, ref.reason) == ("not_reproducible", "reference figure of wave 2014 (comparison only)")
    assert tiny.loc["F2015-921", "status"] == "not_reproducible"
    assert "unknown breakdown 'provincie Groningen'" in tiny.loc["F2015-921", "reason"]
    assert tiny.loc["F2015-923", "status"] == "not_reproducible"


def test_base_mismatch_is_part_of_the_status(tiny):
    r = tiny.loc["F2015-920"]
    assert r.status == "mismatch" and r.reproduced_value == 70.0
    assert "base differs: published n = 12, reproduced n = 10" in r.reason


def test_involvement_cell_with_group_breakdown(tiny):
    r = tiny.loc["F2015-922"]
    assert (r.status, r.reproduced_value, r.base_n_reproduced) == ("match", 40.0, 5)
    assert r.description == "Betrokkenheid wijkbewoners: Meedenken (geraadpleegd)"


def test_toelichting_is_dutch_and_built_from_the_same_facts(tiny):
    assert SCORECARD_COLUMNS[-2:] == ["reason", "toelichting"]
    assert (tiny["toelichting"].str.len() > 0).all()
    assert tiny.loc["F2015-903", "toelichting"] == "7 van 10 gemeenten: 70,0 %"
    g32 = tiny.loc["F2015-905"]  # 2/3: the reproduced value with a decimal comma
    assert g32.toelichting == "2 van 3 gemeenten: 66,7 %" and f"{g32.reproduced_value:.1f}" == "66.7"
    assert tiny.loc["F2015-904", "toelichting"].startswith("wijkt -5,00 af (tolerantie ±0,5 pp)")
    assert "over de 6 met een waarde: 10,67" in tiny.loc["F2015-908", "toelichting"]
    assert "Rotterdam" in tiny.loc["F2015-911", "toelichting"] and "rang niet gedeeld" in tiny.loc["F2015-911",
                                                                                                    "toelichting"]
    assert "rang gedeeld met Integrale aanpak" in tiny.loc["F2015-912", "toelichting"]
    assert tiny.loc["F2015-919", "toelichting"].startswith("referentiecijfer van meting 2014 (alleen ter vergelijking")
    assert tiny.loc["F2015-918", "toelichting"].startswith(
        "het codeboek kent de gepubliceerde variabele 'dedicated_budget' niet")
    assert "onbekende uitsplitsing 'provincie Groningen'" in tiny.loc["F2015-921", "toelichting"]
    assert "basis verschilt: gepubliceerd n = 12, gereproduceerd n = 10" in tiny.loc["F2015-920", "toelichting"]
    english = ("off by", "shared", "rank ", "base ", "municipalit", "reference", "threshold", "value", " the ", " with ")
    leaks = {fid: t for fid, t in tiny["toelichting"].items() if any(w in t for w in english)}
    assert not leaks
    # the Dutch display shows the toelichting, not the English reason
    shown = display_table(tiny.reset_index(drop=True))
    assert "Toelichting" in shown.columns and "reason" not in shown.columns and "Reden (Engels)" not in shown.columns
    assert shown["Toelichting"].tolist() == tiny["toelichting"].tolist()
    html = style_scorecard(tiny.reset_index(drop=True)).to_html()
    assert "7 van 10 gemeenten: 70,0 %" in html and "7 of 10" not in html


def test_write_read_counts_and_failing_targets(tiny, tmp_path):
    sc = tiny.reset_index(drop=True)
    path = write_scorecard(sc, 2015, tmp_path)
    assert path == tmp_path / "tables" / "reproduction_scorecard_2015.csv"
    back = read_scorecard(path)
    assert back.columns.tolist() == SCORECARD_COLUMNS
    assert back["finding_id"].tolist() == sc["finding_id"].tolist()
    assert back["toelichting"].tolist() == sc["toelichting"].tolist()
    assert back["status"].tolist() == sc["status"].tolist()
    assert status_counts(sc) == {"match": 16, "mismatch": 3, "not_reproducible": 4}
    assert failing_targets(sc)["finding_id"].tolist() == ["F2015-904", "F2015-916", "F2015-920"]
    html = style_scorecard(sc).to_html()
    assert "Gereproduceerd" in html and "wijkt af" in html and "niet reproduceerbaar" in html
    wt = wilson_table(sc)
    assert "95 %-BI onder" in wt.columns and "F2015-903" in set(wt["Bevinding"])


def test_bad_tidy_tables_raise_clear_errors(tmp_path):
    path = write_published(tmp_path / "p.csv", [TINY[2]])
    dup = make_tidy()
    dup.loc[1, "gm_code"] = dup.loc[0, "gm_code"]
    with pytest.raises(ValueError, match="not unique"):
        build_scorecard(path, dup)
    bad = make_tidy()
    bad.loc[0, "gm_code"] = "GM9999"
    with pytest.raises(ValueError, match="GM9999"):
        build_scorecard(path, bad)


# --------------------------------------------------------------------------- an invented wave


def _codebook_with_wave_2099(tmp_path):
    raw = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))
    raw.setdefault("waves", {})[2099] = {"register_year": 2015, "fieldwork": "invented for a test"}
    raw["variables"].append({
        "name": "dedicated_budget", "type": "yesno", "question": "Heeft het team een eigen budget?",
        "aliases": ["eigen budget"],
        "published": {"variable": "dedicated_budget", "category": "team has its own budget"},
    })
    path = tmp_path / "codebook_2099.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_codebook(path)


def test_another_wave_is_data_not_code(tmp_path):
    cb = _codebook_with_wave_2099(tmp_path)
    rows = [
        {"finding_id": "F2099-001", "wave": 2099, **HT, "value": 70},
        {"finding_id": "F2099-002", "wave": 2099, "topic": "teams", "variable": "dedicated_budget",
         "category": "team has its own budget", "statistic": "percent", "value": 43, "universe": "with_teams",
         "base_n": 7},
        {"finding_id": "F2099-003", "wave": 2099, "variable": "mystery_question", "category": "something new",
         "statistic": "percent", "value": 12},
        {"finding_id": "F2099-004", "wave": 2098, **HT, "value": 55},
        {"finding_id": "F2099-005", "wave": 2099, "topic": "response", "variable": "n_respondents",
         "category": "responding municipalities", "statistic": "count", "value": 10, "qualifier": "exact",
         "universe": "invited"},
    ]
    pub = write_published(tmp_path / "movisie_2099.csv", rows)
    tidy = make_tidy(cb, wave=2099)
    budget = [True, True, True, False, False, False, False]  # 3 of the 7 with teams: 42.9 %
    teams = tidy.index[tidy["has_teams"] == "ja"]
    tidy["dedicated_budget"] = pd.array([pd.NA] * len(tidy), dtype="boolean")
    for i, b in zip(teams, budget, strict=True):
        tidy.loc[i, "dedicated_budget"] = b
    sc = build_scorecard(pub, tidy, codebook=cb)
    assert sc["finding_id"].tolist() == [r["finding_id"] for r in rows]
    assert sc["status"].tolist() == ["match", "match", "not_reproducible", "not_reproducible", "match"]
    assert sc.loc[1, "reproduced_value"] == pytest.approx(300 / 7)
    assert sc.loc[1, "description"] == "Heeft het team een eigen budget?"
    assert "mystery_question" in sc.loc[2, "reason"]
    assert sc.loc[3, "reason"] == "reference figure of wave 2098 (comparison only)"
    # the same file with the shipped codebook: the new question is unknown, never dropped
    shipped = build_scorecard(pub, tidy.drop(columns="dedicated_budget"), codebook=cb, wave=2099)
    assert shipped.loc[1, "status"] == "not_reproducible"
    assert "no column 'dedicated_budget'" in shipped.loc[1, "reason"]
    with pytest.raises(KeyError, match="does not know wave 2099"):
        build_scorecard(pub, tidy)


# --------------------------------------------------------------------------- the shipped reconstruction


def test_shipped_synthetic_reconstruction_matches_every_numeric_row():
    from wijkteam_stats.clean import clean_survey

    survey = paths.synthetic_survey_file(2015)
    assert survey.is_file(), f"the shipped reconstruction {survey} is missing"
    tidy = clean_survey(survey, 2015).table
    sc = build_scorecard(paths.published_file(2015), tidy)
    assert len(sc) == 63 and sc["finding_id"].is_unique
    target = sc[(sc["wave"] == 2015) & sc["published_value"].notna()]
    assert len(target) == 61
    bad = target[target["status"] != "match"]
    assert bad.empty, bad[["finding_id", "reproduced_value", "reason"]].to_string()
    assert sc.set_index("finding_id").loc["F2015-006", "status"] == "match"  # verbal: small municipalities
    ref = sc.set_index("finding_id").loc["F2015-004"]
    assert ref.status == "not_reproducible" and "wave 2014" in ref.reason
    assert ref.toelichting.startswith("referentiecijfer van meting 2014")
    # the shipped file of the one engine (2026-12-07): 203 of 234 with teams (86.75 % rounds to 87)
    assert sc.set_index("finding_id").loc["F2015-003", "toelichting"] == "203 van 234 gemeenten: 86,8 %"
    assert "over de 203 met een waarde: 2,97" in sc.set_index("finding_id").loc["F2015-010", "toelichting"]
    assert status_counts(sc) == {"match": 62, "mismatch": 0, "not_reproducible": 1}
