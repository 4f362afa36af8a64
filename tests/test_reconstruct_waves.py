"""The one reconstruction engine: SYNTHETIC 2014, 2015 and 2017 exports from their published files alone, every
numeric figure met after cleaning, verbal rows checked by rule, conflicts named, provenance in the sidecar."""

from __future__ import annotations

import json
import shutil

import pytest

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reconstruct.feasibility import ReconstructionError
from wijkteam_stats.reconstruct.generic import reconstruct_generic
from wijkteam_stats.reconstruct.shipped import generic_export_bytes
from wijkteam_stats.reference import municipalities, paths, waves
from wijkteam_stats.reference.provenance import is_synthetic
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reproduce.scorecard import build_scorecard


@pytest.fixture(scope="module", params=[2014, 2015, 2017])
def shipped(request):
    wave = request.param
    table = clean_survey(paths.synthetic_survey_file(wave), wave).table
    return wave, table, build_scorecard(load_published(wave=wave), table, wave=wave)


def test_every_numeric_row_matches_after_cleaning_the_shipped_export(shipped):
    wave, table, sc = shipped
    assert len(table) == {2014: 224, 2015: 234, 2017: 242}[wave]
    own = sc[sc["wave"] == wave]
    numeric = own[own["statistic"].isin(["percent", "count", "mean", "rank"])]
    assert (numeric["status"] == "match").all(), numeric.loc[numeric["status"] != "match", ["finding_id", "reason"]]
    refs = sc[sc["wave"] != wave]
    assert (refs["status"] == "not_reproducible").all()
    assert refs["reason"].str.startswith("reference figure of wave").all()


def test_verbal_rows_checked_by_rule_or_explained():
    wave = 2017
    table = clean_survey(paths.synthetic_survey_file(wave), wave).table
    sc = build_scorecard(load_published(wave=wave), table, wave=wave).set_index("finding_id")
    assert sc.loc["F2017-007", "status"] == "match" and sc.loc["F2017-007", "reproduced_value"] < 50
    assert "iets minder dan de helft" in sc.loc["F2017-007", "reason"]
    assert sc.loc["F2017-009", "status"] == "match" and "the 3 named options are the top 3" in sc.loc["F2017-009", "reason"]
    assert sc.loc["F2017-010", "status"] == "not_reproducible"
    assert sc.loc["F2017-010", "reason"].startswith("no rule expresses this verbal statement")
    # the 'top three' rule fails when another option is chosen as often
    broken = table.copy()
    broken["most_time_spent_on__anders"] = broken["most_time_spent_on__casusregie"]
    sc2 = build_scorecard(load_published(wave=wave), broken, wave=wave).set_index("finding_id")
    assert sc2.loc["F2017-009", "status"] == "mismatch"


def test_2014_uses_the_audits_reading():
    rec = reconstruct_generic(2014)
    assert rec.reading.sizes["g32"] == 36 and rec.reading.reading.g4 == "apart"
    assert (rec.counts["r@g32"], rec.counts["r@g4"], rec.counts["r@other"]) == (28, 1, 195)
    assert rec.skipped_rows == {}


def test_2015_with_the_one_engine_anchor_size_and_grid():
    """Rotterdam's 42 as a cell of its own (and the unique maximum), the explicit 'no' almost only in small
    municipalities (cells split at 20 000), the involvement grid as six multi-select questions."""
    rec = reconstruct_generic(2015)
    assert rec.skipped_rows == {}
    assert rec.notes["cells"] == {"GM0599": 1, "g32/large": 37, "g4/large": 3, "other/large": 227,
                                  "other/small": 125}
    assert rec.notes["caps"] == {"n_teams": 41}
    t = rec.tidy.set_index("gm_code")
    assert t.loc["GM0599", "n_teams"] == 42 and t["n_teams"].drop("GM0599").max() <= 41
    assert int(t["n_teams"].sum()) == 603
    # no solver corner: the G4 cities outside Rotterdam are pooled with the municipalities no figure tells them
    # apart from and get teams by population (Amsterdam at the cap below Rotterdam, The Hague and Utrecht below)
    assert [int(t.loc[c, "n_teams"]) for c in ("GM0363", "GM0518", "GM0344")] == [41, 29, 29]
    assert (t.loc[["GM0518", "GM0344"], "n_teams"] < 41).all()
    teams = t["n_teams"].dropna().astype(int).drop("GM0599")
    pop = municipalities.register(2015).set_index("gm_code")["population"].reindex(teams.index)
    assert teams.corr(pop, method="spearman") > 0.5
    assert teams[pop >= 100_000].median() > 3 * teams[pop < 20_000].median()
    sc = build_scorecard(load_published(wave=2015), rec.tidy, wave=2015)
    own = sc[sc["wave"] == 2015]
    assert len(own) == 62 and (own["status"] == "match").all()
    geen = t["involvement__wijkbewoners__geen"].astype("boolean")
    others = t[[f"involvement__wijkbewoners__{f}" for f in ("meedoen", "meebeslissen", "meedenken",
                                                            "meebeoordelen")]].astype("boolean").any(axis=1)
    assert not (geen & others).fillna(False).any()


@pytest.mark.parametrize("wave", [2014, 2015, 2017])
def test_shipped_generic_exports_regenerate_byte_identically(wave):
    rec = reconstruct_generic(wave)
    reg = waves.invited_register(wave)
    data = paths.synthetic_survey_file(wave).read_bytes()
    assert generic_export_bytes(rec, reg) == data
    meta = json.loads(paths.synthetic_survey_file(wave).with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["generator"]["seed"] == waves.settings(wave).seed
    assert meta["published_figures_met"]["failed"] == []


def test_provenance_not_the_file_name_says_synthetic(tmp_path):
    src = paths.synthetic_survey_file(2014)
    shutil.copy(src, tmp_path / "export.csv")
    assert not is_synthetic(tmp_path / "export.csv")  # a renamed copy without its sidecar is not labelled
    shutil.copy(src.with_suffix(".meta.json"), tmp_path / "export.meta.json")
    assert is_synthetic(tmp_path / "export.csv")


def test_conflicting_figures_are_named():
    pub = load_published(wave=2014)
    bad = pub.copy()
    bad.loc[bad["finding_id"] == "F2014-011", "value"] = 30.0  # 30 % 'otherwise' next to 31 of 224 (14 %)
    with pytest.raises(ReconstructionError, match=r"conflicting rows: .*F2014-010.*F2014-011") as exc:
        reconstruct_generic(2014, published=bad)
    assert "F2014-003" not in str(exc.value)


def test_generic_model_takes_means_totals_and_competition_ranks(invented_wave):
    """Any mix of rows: a mean and a total of a count question and two ranks, on the invented wave's files."""
    import pandas as pd
    import yaml

    from wijkteam_stats.reference.codebook import load_codebook
    from wijkteam_stats.reference.published import load_published as load
    from wijkteam_stats.reference.wave_settings import load_wave_settings

    cb_path = invented_wave["codebook"]
    raw = yaml.safe_load(cb_path.read_text(encoding="utf-8"))
    for v in raw["variables"]:
        if v["name"] == "n_teams":
            v["waves"] = [2015, 2016]
    cb_path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    pub = load(invented_wave["published"], vocabulary=invented_wave["vocabulary"], codebook=cb_path)
    extra = pd.DataFrame([
        {"finding_id": "F2016-201", "wave": 2016, "topic": "teams", "variable": "n_teams", "category": "number of teams",
         "breakdown": "all", "statistic": "mean", "value": 3.0, "qualifier": "approximate", "universe": "with_teams"},
        {"finding_id": "F2016-202", "wave": 2016, "topic": "teams", "variable": "n_teams", "category": "number of teams",
         "breakdown": "all", "statistic": "count", "value": 150.0, "qualifier": "exact", "universe": "with_teams"},
        {"finding_id": "F2016-203", "wave": 2016, "topic": "team_type", "variable": "team_type",
         "category": "broad integral team (all residents and all questions)", "breakdown": "all", "statistic": "rank",
         "value": 1.0, "qualifier": "verbal", "universe": "with_teams"},
        {"finding_id": "F2016-204", "wave": 2016, "topic": "team_type", "variable": "team_type",
         "category": "target-group specific teams", "breakdown": "all", "statistic": "rank", "value": 2.0,
         "qualifier": "exact", "universe": "with_teams"},
    ])
    pub = pd.concat([pub, extra], ignore_index=True)
    cb = load_codebook(cb_path)
    settings = load_wave_settings(invented_wave["waves"])[2016]
    rec = reconstruct_generic(2016, published=pub, codebook=cb, settings=settings)
    assert set(rec.skipped_rows) == set()
    t = rec.tidy
    with_teams = t["has_teams"] == "ja"
    assert with_teams.sum() == 48 and int(t["n_teams"].sum()) == 150  # 80 % of 60; the published total
    assert 2.5 <= 150 / with_teams.sum() <= 3.5
    types = t.loc[with_teams, [c for c in t.columns if c.startswith("team_type__")]].sum()
    assert types.idxmax() == "team_type__breed_integraal"
    assert types.sort_values(ascending=False).index[1] == "team_type__doelgroepgericht"
    assert types["team_type__doelgroepgericht"] == 12  # 25 % of 48
    sc = build_scorecard(pub, t, codebook=cb, wave=2016)
    own = sc[(sc["wave"] == 2016) & (sc["statistic"] != "verbal")]
    assert (own["status"] == "match").all(), own.loc[own["status"] != "match", ["finding_id", "reason"]]


def test_detailed_model_parameters_are_refused(tmp_path, capsys):
    from wijkteam_stats.commands import main

    assert main(["reconstruct", "--wave", "2015", "--g32-reading", "network_plus_g4", "--out", str(tmp_path)]) == 1
    assert "retired detailed 2015 model" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_time_limit_is_a_flag_and_says_so_when_reached(capsys, tmp_path):
    from wijkteam_stats.commands import main
    from wijkteam_stats.reconstruct.generic import SolverLimit

    with pytest.raises(SolverLimit, match=r"reached the time limit of 1e-06 s .* raise it with --time-limit"):
        reconstruct_generic(2015, time_limit=1e-6)
    assert main(["reconstruct", "--wave", "2017", "--time-limit", "1e-6", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "... wave 2017: counts per cell (3 cells, time limit 1e-06 s)" in err
    assert "error: the solver reached the time limit of 1e-06 s" in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_per_wave_labels_canonical_categories_and_pages():
    from wijkteam_stats.reference.codebook import link_categories, load_codebook
    from wijkteam_stats.reference.wave_pages import page_support

    cb = load_codebook()
    assert cb.labels_for_wave(2015)["team_type"]["doelgroepgericht"].startswith("Doelgroepgericht team")
    assert cb.canonical_category("has_teams", "works with sociale (wijk)teams") == "works with sociale (wijk)teams"
    assert cb.canonical_category("no_such", "x") == "x"
    linked = link_categories(load_published(wave=2017))
    assert (linked["published_category"] == load_published(wave=2017)["category"]).all()
    assert page_support(2017)["models"] == "2017 did not ask the involvement grid the models need"
    assert page_support(2015) == {"reproduction": "", "models": "", "reports": "", "trends": ""}


def test_wave_facts_for_page_texts():
    from wijkteam_stats.reference.wave_pages import wave_facts

    facts = wave_facts()
    assert [(f["wave"], f["invited"], f["respondents"]) for f in facts] == [
        (2014, 403, 224), (2015, 393, 234), (2017, 388, 242)]
    assert facts[1]["fieldwork"] == "najaar 2015"
