"""Figure-defect checks: the checker catches planted defects, and every exported figure of a run on the
shipped data has none (no overlapping or clipped text, no squashed plot, caption n = plotted base, caption
colours = drawn colours)."""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.models import figures as pm
from wijkteam_stats.models import power, weighting
from wijkteam_stats.models import tables as models
from wijkteam_stats.reference import figures, paths, provenance
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.figure_checks import (
    FigureDefectError,
    caption_ns,
    check_figure,
    colour_name,
    find_defects,
)
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.report import profile
from wijkteam_stats.reproduce import trends
from wijkteam_stats.reproduce.estimators import involvement_table
from wijkteam_stats.reproduce.figures import reproduction_figures
from wijkteam_stats.reproduce.scorecard import build_scorecard
from wijkteam_stats.reproduce.trend_figures import plot_changes, plot_national_trends

WAVE = 2015


def kinds(defects) -> list[str]:
    return [d.kind for d in defects]


# --------------------------------------------------------------------------- the checker on planted defects


def test_planted_overlap_is_caught_and_a_clean_figure_passes():
    figures.setup_style()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 1], [0, 1], color=figures.PALETTE[0])
    ax.set_title("Twee teksten")
    assert find_defects(fig) == []
    ax.text(0.5, 0.5, "eerste label", transform=ax.transAxes)
    ax.text(0.52, 0.51, "tweede label", transform=ax.transAxes)
    found = find_defects(fig)
    assert kinds(found) == ["overlap"]
    assert "eerste label" in found[0].message and "tweede label" in found[0].message
    with pytest.raises(FigureDefectError, match="overlap"):
        check_figure(fig, "geplant")
    plt.close(fig)


def test_texts_that_merely_touch_run_together():
    fig, ax = plt.subplots(figsize=(6, 4))
    a = ax.text(0.1, 0.5, "Meebeoordelen", transform=ax.transAxes)
    fig.canvas.draw()
    right = a.get_window_extent(fig.canvas.get_renderer()).x1 + 0.5  # half a pixel to the right
    ax.text(right, a.get_window_extent().y0, "Geen betrokkenheid", transform=None)
    assert kinds(find_defects(fig)) == ["overlap"]
    plt.close(fig)


def test_planted_clipped_label_is_caught():
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.set_yticks([0, 1], ["kort", "een heel lang label dat links buiten de figuur valt"])
    fig.subplots_adjust(left=0.2)  # no room made for the long label
    found = find_defects(fig, bbox_inches=None)
    assert "clipped" in kinds(found)
    assert any("heel lang label" in d.message for d in found if d.kind == "clipped")
    # saved with a tight box the canvas grows to hold the label: nothing is clipped any more
    assert "clipped" not in kinds(find_defects(fig, bbox_inches="tight"))
    plt.close(fig)


def test_rotated_tick_labels_are_compared_as_rotated_rectangles():
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.set_xlim(0, 20)
    ax.set_xticks(range(21), [f"{10_000 * (i + 1):,}".replace(",", ".") for i in range(21)])
    ax.tick_params(axis="x", labelrotation=0)
    assert "overlap" in kinds(find_defects(fig))  # flat, 21 labels of six or seven characters collide
    ax.tick_params(axis="x", labelrotation=45)
    assert "overlap" not in kinds(find_defects(fig))  # their boxes' corners overlap, the text does not
    plt.close(fig)


def test_squashed_plot_is_caught():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_yticks([0, 1], ["een label dat zo lang is dat het de figuur", "bijna helemaal vult, echt waar"])
    fig.tight_layout()
    assert "squashed" in kinds(find_defects(fig))
    plt.close(fig)


def test_caption_n_must_be_the_plotted_base():
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 1], [0, 1])
    figures.set_plotted_base(fig, [176, 191, 184])
    figures.add_caption(fig, "Betrokkenheid per groep")
    assert "n = 176–191 gemeenten" in figures.figure_caption(fig)
    assert find_defects(fig) == []
    wrong = "Betrokkenheid per groep. n = 234 gemeenten."
    found = find_defects(fig, caption=wrong)
    assert kinds(found) == ["caption-n"] and "234" in found[0].message and "176–191" in found[0].message
    assert kinds(find_defects(fig, caption="Zonder aantal.")) == ["caption-n"]
    assert caption_ns("n = 1.204 gemeenten; n = 3–5") == [(1204, 1204), (3, 5)]
    plt.close(fig)


def test_caption_colour_words_must_match_the_drawing():
    assert colour_name(figures.PALETTE[0]) == "blauw"
    assert colour_name(figures.PALETTE[5]) == "donkeroranje"  # Okabe-Ito vermillion: not "rood"
    assert colour_name("#555555") == "donkergrijs" and colour_name("#000000") == "zwart"
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter([1, 2], [1, 2], color=figures.PALETTE[5])
    ax.set_xlabel("rood: het interval mist de werkelijke waarde")
    found = find_defects(fig)
    assert kinds(found) == ["caption-colour"] and "'rood'" in found[0].message
    ax.set_xlabel(f"{colour_name(figures.PALETTE[5])}: het interval mist de werkelijke waarde")
    assert find_defects(fig) == []
    assert kinds(find_defects(fig, caption="Blauwe punten: gedekt; groen: niet")) == ["caption-colour"]
    plt.close(fig)


def test_save_figure_warns_on_a_defect(tmp_path):
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.text(0.5, 0.5, "overlap één", transform=ax.transAxes)
    ax.text(0.5, 0.5, "overlap twee", transform=ax.transAxes)
    with pytest.warns(figures.FigureDefectWarning, match="overlap"):
        figures.save_figure(fig, "geplant", tmp_path, formats=("png",))
    plt.close(fig)


# --------------------------------------------------------------------------- every exported figure


@pytest.fixture(scope="module")
def shipped():
    survey = paths.synthetic_survey_file(WAVE)
    tidy = clean_survey(survey, WAVE).table
    pub = load_published(wave=WAVE)
    reg = register(load_codebook().register_year(WAVE))
    return {"survey": survey, "tidy": tidy, "published": pub, "register": reg,
            "synthetic": provenance.is_synthetic(survey)}


def _exported_figures(shipped) -> dict[str, plt.Figure]:
    """Every figure the pipeline exports (reproduction, models, trends), built by the library functions."""
    s = shipped
    sc = build_scorecard(s["published"], s["tidy"], register=s["register"], wave=WAVE)
    out = reproduction_figures(s["tidy"], s["published"], sc, synthetic=s["synthetic"], register=s["register"])
    frame = models.size_frame(models.load_tidy(s["survey"], WAVE), WAVE, source=s["survey"].name)
    labels = models.group_labels()
    ms = models.fit_all(frame, WAVE, hc_type="HC1")
    tabs = models.model_tables(ms)
    primary = {f.outcome: f for f in ms.involvement if f.model == "logit_size"}
    out[f"models_involvement_vs_size_{WAVE}"] = pm.plot_involvement_vs_size(
        models.predicted_curves(ms.involvement), frame, labels, primary, synthetic=s["synthetic"])
    out[f"models_odds_ratios_{WAVE}"] = pm.plot_odds_ratios(tabs["logit_any_involvement_exp"], labels,
                                                            synthetic=s["synthetic"])
    out[f"models_teams_vs_size_{WAVE}"] = pm.plot_teams_vs_size(frame, models.predicted_curves(ms.teams),
                                                                tabs["teams_check"], synthetic=s["synthetic"])
    w = weighting.poststratify(frame, s["register"], min_respondents=3)
    headline = weighting.headline_table(frame, w, raked=weighting.rake(frame, s["register"]))
    out[f"models_weighting_{WAVE}"] = pm.plot_weighting(headline, synthetic=s["synthetic"])
    grid = [0.5, 0.6, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5]  # the notebook's range, fewer points
    curve = power.power_curve(power.design_from_frame(frame), grid, n_rep=4, hc_type="HC1", seed=3)
    mdor = pd.concat([power.minimum_detectable_or(curve, 0.8, side) for side in ("increase", "decrease")],
                     ignore_index=True)
    out[f"models_power_curve_{WAVE}"] = pm.plot_power_curve(curve, mdor, labels, synthetic=s["synthetic"])
    rec = power.recovery(math.log(1.5), n_rep=4, seed=3, wave=WAVE, hc_type="HC1")
    out[f"models_recovery_{WAVE}"] = pm.plot_recovery(rec, power.coverage_summary(rec), labels, synthetic=True)
    res = trends.build_trends(survey_paths={})
    out["trends_national"] = plot_national_trends(res.trends)
    out["trends_changes"] = plot_changes(res.changes)
    return out


@pytest.fixture(scope="module")
def exported(shipped, tmp_path_factory):
    figs = _exported_figures(shipped)
    folder = tmp_path_factory.mktemp("figures")
    with warnings.catch_warnings():
        warnings.simplefilter("error", figures.FigureDefectWarning)  # saving checks too: no warning allowed
        for name, fig in figs.items():
            figures.save_figure(fig, name, folder, formats=("png",))
    yield figs
    for fig in figs.values():
        plt.close(fig)


def test_every_exported_figure_is_built(exported):
    names = set(exported)
    assert {f"reproductie_{x}_{WAVE}" for x in ("betrokkenheid", "samenstelling", "teams_per_gemeente",
                                                  "doelen")} <= names
    assert {f"models_{x}_{WAVE}" for x in ("involvement_vs_size", "odds_ratios", "teams_vs_size", "weighting",
                                           "power_curve", "recovery")} <= names
    assert any(n.startswith("reproductie_trend_") for n in names)
    assert {"trends_national", "trends_changes"} <= names


def test_every_exported_figure_has_no_defects(exported):
    problems = {name: [str(d) for d in find_defects(fig)] for name, fig in exported.items()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_every_exported_figure_has_a_caption_whose_n_is_the_plotted_base(exported):
    for name, fig in exported.items():
        text = figures.figure_caption(fig)
        assert text, name
        base = figures.plotted_base(fig)
        if base is None:
            assert caption_ns(text) == [], name
        else:
            assert caption_ns(text) == [(min(base), max(base))], (name, text, base)


def test_caption_bases_are_the_data_drawn(exported, shipped):
    """Independent of the plotting code: the bases in captions equal counts from the data and the artists."""
    tidy, cb = shipped["tidy"], load_codebook()
    inv = involvement_table(tidy, cb)
    group_n = inv.groupby("group_label")["n"].max()
    heat = figures.figure_caption(exported[f"reproductie_betrokkenheid_{WAVE}"])
    assert f"n = {group_n.min()}–{group_n.max()} gemeenten" in heat
    with_teams = int(tidy["has_teams"].eq("ja").fillna(False).sum())
    teams_fig = exported[f"reproductie_teams_per_gemeente_{WAVE}"]
    ax = teams_fig.axes[0]
    points = sum(len(c.get_offsets()) for c in ax.collections if len(c.get_offsets()) > 1)
    known = tidy["has_teams"].eq("ja").fillna(False) & tidy["n_teams"].notna()
    reg = shipped["register"].set_index("gm_code")
    in_g4 = tidy["gm_code"].map(reg["g4"]).fillna(False).astype(bool)
    assert shipped["synthetic"]
    # synthetic data: no point per municipality, nothing of the G4 (4 municipalities) but published Rotterdam
    assert points == 0
    n_drawn = int((known & ~in_g4).sum())
    assert 0 < n_drawn < int(known.sum()) <= with_teams
    assert f"n = {n_drawn} gemeenten" in figures.figure_caption(teams_fig)
    g4_boxes = [p for p in ax.patches if abs(p.get_path().get_extents().x0 - (-0.25)) < 0.01]
    assert g4_boxes == []
    assert [t.get_text() for t in ax.texts] == ["Rotterdam: 42 (gepubliceerd)"]
    rec = figures.figure_caption(exported[f"models_recovery_{WAVE}"])
    assert "rood" not in rec and "donkeroranje" in rec


def test_report_figures_have_no_defects_and_caption_the_plotted_base(shipped):
    """The comparison figures and the map of a few reports: a non-participant with a long name, a participant
    and the largest municipality."""
    survey = shipped["survey"]
    checked = 0
    for code in ("GM0518", "GM0373", "GM0363"):
        numbers = profile.build_numbers(code, WAVE, survey)
        for section, title in (("composition", "Samenstelling van de teams"), ("involvement",
                                                                              "Betrokkenheid per groep")):
            fig = profile.comparison_figure(numbers, section, title)
            cap = profile.figure_caption_text(numbers, title, section)
            assert find_defects(fig, caption=cap, bbox_inches=None) == [], (code, section)
            # synthetic data: the national points are published figures (no n); the base is the peers' answers
            assert numbers["synthetic"] is True
            # ... and no peer n either: it would tell how many peers (invented) took part
            assert all("n" not in r["peers"] for r in numbers["comparisons"][section] if r["peers"])
            assert profile.plotted_bases(numbers, section) == []
            assert caption_ns(cap) == []
            assert f"de {numbers['peers']['n_municipalities']} gemeenten met" in cap
            plt.close(fig)
            checked += 1
        fig = profile.municipality_map(numbers["gm_code"], numbers["peers"]["codes"], WAVE)
        map_caption = profile.map_caption_text(numbers)
        assert find_defects(fig, caption=map_caption, bbox_inches=None) == [], code
        assert "(donkeroranje)" in map_caption and "(lichtblauw)" in map_caption
        plt.close(fig)
    assert checked == 6


@pytest.mark.parametrize("wave", [2014, 2017])
def test_reproduction_figures_of_the_other_waves_have_no_defects(wave, tmp_path):
    """Every wave's reproduction figures (the 2017 trend plots three series over three waves) are checked."""
    survey = paths.synthetic_survey_file(wave)
    tidy = clean_survey(survey, wave).table
    pub = load_published(wave=wave)
    reg = register(load_codebook().register_year(wave))
    sc = build_scorecard(pub, tidy, register=reg, wave=wave)
    figs = reproduction_figures(tidy, pub, sc, synthetic=True, register=reg)
    assert any(name.startswith("reproductie_trend_") for name in figs)
    with warnings.catch_warnings():
        warnings.simplefilter("error", figures.FigureDefectWarning)
        for name, fig in figs.items():
            figures.save_figure(fig, name, tmp_path, formats=("png",))
            plt.close(fig)
