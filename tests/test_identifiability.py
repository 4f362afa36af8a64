"""Nothing identifiable on synthetic data: change named municipalities' invented answers and compare what is
published (report numbers, from which every report page renders, and the drawn data of the national figures).

Every value that changes must be an aggregate over a group of at least 10 municipalities, and no marker or label
may sit at a changed municipality. Utrecht (G4, invented 14 teams) and Schiermonnikoog (the smallest
municipality) are changed in one copy of the shipped synthetic table.
"""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.models import figures as model_figures
from wijkteam_stats.models.frame import size_frame, teams_outcome
from wijkteam_stats.reference import paths, provenance
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.report import numbers as report_numbers
from wijkteam_stats.reproduce.figures import reproduction_figures
from wijkteam_stats.reproduce.scorecard import build_scorecard

WAVE = 2015
CHANGED = {"GM0344": "Utrecht", "GM0088": "Schiermonnikoog"}
MIN_GROUP = 10


def _changed_copy(tidy: pd.DataFrame) -> pd.DataFrame:
    """The table with every answer of the CHANGED municipalities altered (booleans flipped, other team counts)."""
    out = tidy.copy()
    rows = out["gm_code"].isin(list(CHANGED)).to_numpy()
    assert rows.sum() == len(CHANGED), "both municipalities answer in the synthetic table"
    for col in out.columns:
        if str(out[col].dtype) == "boolean":
            out.loc[rows, col] = ~out.loc[rows, col]
    out.loc[rows, "n_teams"] = out.loc[rows, "n_teams"].astype("Float64") + 5
    return out


@pytest.fixture(scope="module")
def two_tables(tmp_path_factory):
    survey = paths.synthetic_survey_file(WAVE)
    assert provenance.is_synthetic(survey)
    tidy = clean_survey(survey, WAVE).table
    before = tidy.sort_values("gm_code", kind="stable").reset_index(drop=True)
    after = _changed_copy(before)
    assert not before.equals(after)
    d = tmp_path_factory.mktemp("ident")
    files = {}
    for name, table in (("before", before), ("after", after)):
        path = d / f"{name}_{WAVE}.parquet"
        table.to_parquet(path)
        provenance.write_derived_sidecar(path, survey)  # synthetic by provenance, not by name
        assert provenance.is_synthetic(path)
        files[name] = path
    return {"before": before, "after": after, "files": files}


def _leaves(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*prefix, str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, (*prefix, str(i)))
    else:
        yield prefix, obj


def _diff(a: dict, b: dict) -> list[tuple[str, ...]]:
    la, lb = dict(_leaves(a)), dict(_leaves(b))
    return sorted(k for k in set(la) | set(lb) if la.get(k, "∅") != lb.get(k, "∅"))


def _numbers(path, code):
    n = report_numbers.build_numbers(code, WAVE, path)
    n.pop("provenance")  # file name and fingerprint differ by construction
    return json.loads(json.dumps(n))


def test_reports_change_only_in_aggregates_of_ten_or_more(two_tables):
    files = two_tables["files"]
    reg = register(load_codebook().register_year(WAVE)).set_index("gm_code")
    # the changed municipalities' own reports (every page section renders from these numbers only)
    for code in CHANGED:
        assert _numbers(files["before"], code) == _numbers(files["after"], code), code
    # Amsterdam shares Utrecht's size class, Appingedam Schiermonnikoog's; 's-Hertogenbosch is in neither's
    # (>= 100 000 too, so it must not be the same as Amsterdam: it changes through Utrecht as well)
    for code in ("GM0363", "GM0003", "GM0796"):
        a, b = _numbers(files["before"], code), _numbers(files["after"], code)
        changed = _diff(a, b)
        peers_of_changed = any(c in a["peers"]["codes"] for c in CHANGED)
        assert bool(changed) == peers_of_changed, (code, changed[:5])
        for path in changed:
            in_peers = (path[0] == "comparisons" and path[3] == "peers") or path[:2] == ("teams", "peers")
            assert in_peers, (code, path)
            assert path[-1] in ("percent", "ci_low", "ci_high", "mean", "lo", "hi", "median"), (code, path)
        assert a["peers"]["n_municipalities"] >= MIN_GROUP
        assert "n" not in a["teams"]["peers"] and "min" not in a["teams"]["peers"]
        assert int(reg.loc[code, "population"]) > 0


def _drawn(fig: plt.Figure) -> dict:
    """What a figure shows as data: texts, point offsets, line vertices, bar/box extents (rounded)."""
    out = {"texts": [], "points": [], "lines": [], "patches": []}
    for ax in fig.axes:
        out["texts"] += [t.get_text() for t in ax.texts]
        out["texts"] += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        for c in ax.collections:
            off = np.asarray(c.get_offsets(), dtype=float)
            out["points"] += [tuple(np.round(p, 6)) for p in off.reshape(-1, 2)] if off.size else []
        for ln in ax.lines:
            out["lines"].append(tuple(map(tuple, np.round(np.asarray(ln.get_xydata(), dtype=float), 6))))
        for p in ax.patches:
            e = p.get_extents()
            out["patches"].append(tuple(np.round([e.x0, e.y0, e.x1, e.y1], 3)))
    out["texts"] += [t.get_text() for t in fig.texts]
    return out


def test_national_figures_mark_no_changed_municipality(two_tables):
    pub = load_published(wave=WAVE)
    reg = register(load_codebook().register_year(WAVE))
    drawn = {}
    for name in ("before", "after"):
        tidy = two_tables[name]
        sc = build_scorecard(pub, tidy, register=reg, wave=WAVE)
        figs = reproduction_figures(tidy, pub, sc, synthetic=True, register=reg)
        drawn[name] = {k: _drawn(f) for k, f in figs.items()}
        plt.close("all")
    b, a = drawn["before"], drawn["after"]
    assert set(b) == set(a)
    for key in b:
        for side in (b[key], a[key]):
            assert not any(n in t for t in side["texts"] for n in CHANGED.values()), key
    # the teams figure draws the G4 only as published (Rotterdam's 42): Utrecht's invented count changes nothing
    teams = f"reproductie_teams_per_gemeente_{WAVE}"
    assert b[teams]["texts"] == a[teams]["texts"]
    assert "Rotterdam: 42 (gepubliceerd)" in b[teams]["texts"]
    # points are group means (x = group position) and the published star; the G4 (x = 0) shows only the star
    g4_b = [p for p in b[teams]["points"] if abs(p[0]) < 0.5]
    assert g4_b == [p for p in a[teams]["points"] if abs(p[0]) < 0.5] == [(0.0, 42.0)]
    changed = set(b[teams]["points"]) ^ set(a[teams]["points"])
    # only the mean of the 'overige gemeenten' may change (when a changed municipality counts in it: Utrecht is
    # G4, Schiermonnikoog's count may be empty in the synthetic file), never the G4's or the G32's marks
    assert {round(p[0]) for p in changed} <= {2}
    others = two_tables["before"][two_tables["before"]["gm_code"] == "GM0088"]["n_teams"]
    assert bool(changed) == bool(others.notna().any())
    assert len(b[teams]["points"]) == len(a[teams]["points"]) == 4  # 2 group means, published G32 mean, Rotterdam
    # share figures change (aggregates over 190+ municipalities) but keep their texts apart from the numbers
    comp = f"reproductie_samenstelling_{WAVE}"
    assert [t for t in b[comp]["texts"] if not any(ch.isdigit() for ch in t)] == [
        t for t in a[comp]["texts"] if not any(ch.isdigit() for ch in t)]


def test_teams_vs_size_has_no_point_at_a_municipality(two_tables):
    reg = register(load_codebook().register_year(WAVE)).set_index("gm_code")
    pops = {float(reg.loc[c, "population"]) for c in CHANGED}
    curve = pd.DataFrame(columns=["population", "predicted", "ci_low", "ci_high"])
    for name in ("before", "after"):
        frame = size_frame(two_tables[name], WAVE)
        y = teams_outcome(frame)
        keep = y.notna().to_numpy()
        bins = model_figures.binned_teams(frame.loc[keep], y[keep].astype(float))
        assert len(bins) >= 3 and (bins["n"] >= MIN_GROUP).all()
        fig = model_figures.plot_teams_vs_size(frame, curve, synthetic=True)
        xs = {round(p[0], 6) for p in _drawn(fig)["points"]} | {
            round(x, 6) for ln in _drawn(fig)["lines"] for x, _y in ln}
        assert not xs & {round(p, 6) for p in pops}
        assert not xs & {round(float(p), 6) for p in frame["population"]}  # no point at any respondent
        plt.close(fig)


def test_involvement_by_size_class_sits_at_no_municipality(two_tables):
    frame = size_frame(two_tables["before"], WAVE)
    pops = {round(float(p), 6) for p in frame["population"]}
    for group in ("wijkbewoners", "clientenorganisaties"):
        b = model_figures.binned_shares(frame, group)
        assert len(b) == 4 and (b["n"] >= MIN_GROUP).all()
        assert not {round(float(p), 6) for p in b["population"]} & pops
