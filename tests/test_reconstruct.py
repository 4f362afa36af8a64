"""The SYNTHETIC reconstruction: every published figure met, exact structure, determinism, shipped file."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from wijkteam_stats.reconstruct import (
    DEFAULT_SEED,
    ReconstructionError,
    ReconstructionParams,
    reconstruct,
    reconstruct_tidy,
    simulate_survey,
    solve_aggregates,
)
from wijkteam_stats.reconstruct.sampling import (
    apportion,
    conditional_poisson_sample,
    fill_multiselect,
    inclusion_probabilities,
)
from wijkteam_stats.reconstruct.verify import verify_tidy
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import register, resolve
from wijkteam_stats.reproduce.tolerances import within

GROUPS = ["wijkbewoners", "vrijwilligers", "mantelzorgers", "doelgroep", "ervaringsdeskundigen",
          "clientenorganisaties"]
FORMS = ["meedoen", "meebeslissen", "meedenken", "meebeoordelen"]
BASES = {"wijkbewoners": 189, "vrijwilligers": 189, "mantelzorgers": 184, "doelgroep": 176,
         "ervaringsdeskundigen": 179, "clientenorganisaties": 191}


@pytest.fixture(scope="module")
def rec():
    return reconstruct(2015, DEFAULT_SEED)


@pytest.fixture(scope="module")
def tidy(rec, reg):
    info = reg.set_index("gm_code")
    out = rec.tidy.copy()
    out["_pop"] = out["gm_code"].map(info["population"]).astype(float)
    out["_g32"] = out["gm_code"].map(info["g32"]).astype(bool)
    return out


def _pct(k: int, n: int) -> Fraction:
    return Fraction(100 * k, n)


def _ok(pub, fid, estimate):
    r = pub[pub["finding_id"] == fid].iloc[0]
    return within(estimate, r["value"], r["qualifier"], r["statistic"])


# --------------------------------------------------------------------------- structure


def test_tidy_contract(rec, reg):
    cb = load_codebook().for_wave(2015)
    df = rec.tidy
    assert list(df.columns) == list(cb.tidy_columns())
    assert {c: str(t) for c, t in df.dtypes.items()} == cb.tidy_columns()
    assert df["gm_code"].is_monotonic_increasing and df["gm_code"].is_unique
    assert set(df["gm_code"]) <= set(reg["gm_code"])
    assert (df["wave"] == 2015).all()
    assert set(df["status"]) == {"compleet", "gedeeltelijk"}
    assert df["ingevuld_op"].between(pd.Timestamp("2015-09-14"), pd.Timestamp("2015-11-28")).all()
    from wijkteam_stats.clean import validate_tidy

    validate_tidy(df, 2015, cb)


def test_response_and_prevalence(tidy, pub, reg):
    n = len(tidy)
    assert n == 234
    assert _ok(pub, "F2015-002", _pct(n, len(reg)))
    ja = tidy["has_teams"] == "ja"
    assert _ok(pub, "F2015-003", _pct(int(ja.sum()), n))
    explicit = tidy["has_teams"] == "nee_bewuste_keuze"
    assert _ok(pub, "F2015-005", _pct(int(explicit.sum()), n))
    small = tidy.loc[explicit, "_pop"] < 20_000
    assert small.mean() >= 0.9  # 'vrijwel uitsluitend kleine gemeenten'
    g = tidy["_g32"]
    assert int(g.sum()) in range(23, 29)
    assert _ok(pub, "F2015-007", _pct(int((ja & g).sum()), int(g.sum())))
    assert _ok(pub, "F2015-008", _pct(int((ja & ~g).sum()), int((~g).sum())))
    assert int((g & ~ja).sum()) == 1
    assert not (g & explicit).any()


def test_teams(tidy, pub):
    t = tidy["n_teams"]
    ja = tidy["has_teams"] == "ja"
    assert t[~ja].isna().all() and (t[ja] >= 1).all()
    assert int(t.sum()) == 603
    assert _ok(pub, "F2015-010", Fraction(603, len(tidy))) and _ok(pub, "F2015-010", Fraction(603, int(ja.sum())))
    rotterdam = tidy.loc[tidy["gm_code"] == "GM0599"].iloc[0]
    assert rotterdam["has_teams"] == "ja" and rotterdam["n_teams"] == 42
    assert (t.drop(rotterdam.name).dropna() < 42).all()  # unique maximum
    g = tidy["_g32"]
    total_g32 = int(t[g].sum())
    assert _ok(pub, "F2015-011", Fraction(total_g32, int(g.sum())))
    assert _ok(pub, "F2015-011", Fraction(total_g32, int((g & ja).sum())))
    assert not bool(tidy.loc[tidy["gm_code"] == "GM0599", "_g32"].iloc[0])  # reading A: Rotterdam outside


def test_questions_of_municipalities_with_teams(tidy, pub):
    ja = tidy["has_teams"] == "ja"
    k = int(ja.sum())
    cb = load_codebook().for_wave(2015)
    for col in cb.tidy_columns():
        if col.split("__")[0] in ("team_type", "discipline", "work_income_tasks", "goal", "monitors_teams",
                                  "involvement", "problem_scope", "work_income_task"):
            assert tidy.loc[~ja, col].isna().all(), col
    for fid, col in [("F2015-016", "team_type__doelgroepgericht"), ("F2015-017", "discipline__maatschappelijk_werk"),
                     ("F2015-018", "discipline__wmo_consulent"), ("F2015-019", "discipline__mee"),
                     ("F2015-020", "discipline__brede_welzijnsorganisatie"),
                     ("F2015-021", "discipline__schuldhulpverlening"), ("F2015-022", "discipline__werk_en_inkomen"),
                     ("F2015-024", "work_income_tasks"), ("F2015-028", "monitors_teams")]:
        s = tidy.loc[ja, col]
        assert s.notna().all(), col
        assert _ok(pub, fid, _pct(int(s.sum()), k)), fid
    disc = {c: int(tidy.loc[ja, c].sum()) for c in tidy.columns if c.startswith("discipline__")}
    assert max(disc, key=disc.get) == "discipline__maatschappelijk_werk"
    assert sorted(disc.values())[-1] > sorted(disc.values())[-2]  # strictly first
    types = {c: int(tidy.loc[ja, c].sum()) for c in tidy.columns if c.startswith("team_type__")}
    assert max(types, key=types.get) == "team_type__breed_integraal" and types["team_type__breed_integraal"] > k / 2
    breed = ja & tidy["team_type__breed_integraal"].fillna(False).astype(bool)
    assert tidy.loc[~breed, "problem_scope"].isna().all() and tidy.loc[breed, "problem_scope"].notna().all()
    assert _ok(pub, "F2015-015", _pct(int((tidy.loc[breed, "problem_scope"] == "beide").sum()), int(breed.sum())))
    wi = ja & tidy["work_income_tasks"].fillna(False).astype(bool)
    for fid, col in [("F2015-025", "work_income_task__schuldhulpverlening"),
                     ("F2015-026", "work_income_task__participatiebevordering"),
                     ("F2015-027", "work_income_task__inkomensvoorziening")]:
        assert tidy.loc[~wi, col].isna().all()
        assert _ok(pub, fid, _pct(int(tidy.loc[wi, col].sum()), int(wi.sum()))), fid
    for prefix in ("team_type__", "discipline__", "goal__"):
        block = tidy.loc[ja, [c for c in tidy.columns if c.startswith(prefix)]].astype(bool)
        assert (block.sum(axis=1) >= 1).all(), prefix  # every answering municipality ticks something


def test_goal_ranks(tidy):
    ja = tidy["has_teams"] == "ja"
    c = {col.removeprefix("goal__"): int(tidy.loc[ja, col].sum()) for col in tidy.columns if col.startswith("goal__")}
    top = c["voorkomen_zwaardere_zorg"]
    assert c["integrale_aanpak"] == top  # tied first
    assert all(v < top for k_, v in c.items() if k_ not in ("voorkomen_zwaardere_zorg", "integrale_aanpak"))
    assert all(v < c["preventie"] for k_, v in c.items() if k_ not in ("voorkomen_zwaardere_zorg",
                                                                          "integrale_aanpak", "preventie"))
    fourth = c["zelfredzaamheid"]
    assert [k_ for k_, v in c.items() if v == fourth] == ["zelfredzaamheid", "laagdrempelige_toegang"]
    assert all(v < fourth for k_, v in c.items() if k_ in ("kostenbeheersing", "anders"))


def test_support_and_partial_respondents(tidy, pub):
    partial = tidy["status"] == "gedeeltelijk"
    assert int(partial.sum()) == 5
    assert (tidy.loc[partial, "has_teams"] == "ja").all()
    assert tidy.loc[partial, "needs_support_involving_residents"].isna().all()
    inv_cols = [c for c in tidy.columns if c.startswith("involvement__")]
    assert tidy.loc[partial, inv_cols].isna().all().all()
    assert tidy.loc[partial, "monitors_teams"].notna().all()  # answered up to monitoring
    s = tidy["needs_support_involving_residents"].dropna()
    assert len(s) == 229 and _ok(pub, "F2015-033", _pct(int(s.sum()), len(s)))


def test_involvement_grid(tidy, pub):
    cb = load_codebook()
    for group in GROUPS:
        cols = [f"involvement__{group}__{f}" for f in FORMS]
        geen = tidy[f"involvement__{group}__geen"]
        answered = geen.notna()
        block = tidy[cols]
        assert (block.notna().all(axis=1) == answered).all()  # answered: all five known; else all NA
        assert int(answered.sum()) == BASES[group]
        g = geen[answered].astype(bool)
        forms = block[answered].astype(bool)
        assert not (g & forms.any(axis=1)).any()  # 'geen' excludes the other forms
        assert forms[~g].any(axis=1).all()  # involved: at least one form
    rows = pub[pub["variable"] == "involvement"]
    for r in rows.itertuples():
        ind = cb.indicator(r.variable, r.category, r.breakdown)
        s = tidy[ind.column].dropna()
        assert len(s) == r.base_n
        assert within(_pct(int(s.sum()), len(s)), r.value, r.qualifier, "percent"), r.finding_id


def test_every_published_figure_is_met(rec, pub, reg):
    checks = verify_tidy(rec.tidy, pub, reg, rec.params)
    assert len(checks) == 62 and checks["ok"].all(), checks[~checks["ok"]]


def test_verify_catches_a_broken_table(rec, pub, reg):
    broken = rec.tidy.copy()
    broken.loc[broken["gm_code"] == "GM0599", "n_teams"] = 30
    checks = verify_tidy(broken, pub, reg, rec.params).set_index("finding_id")
    assert not checks.loc["F2015-009", "ok"] and not checks.loc["F2015-012", "ok"]
    assert checks.loc["F2015-013", "ok"]  # 30 is still the unique maximum
    tied = rec.tidy.copy()
    tied.loc[tied["gm_code"] == "GM0772", "n_teams"] = 42
    checks = verify_tidy(tied, pub, reg, rec.params).set_index("finding_id")
    assert not checks.loc["F2015-013", "ok"]
    moved = rec.tidy.copy()
    inv = moved["involvement__doelgroep__geen"].notna()
    moved.loc[inv.idxmax(), [f"involvement__doelgroep__{f}" for f in [*FORMS, "geen"]]] = pd.NA
    checks = verify_tidy(moved, pub, reg, rec.params).set_index("finding_id")
    assert not checks.loc["F2015-116", "ok"]  # base 175 instead of the published 176


# --------------------------------------------------------------------------- aggregate counts (MILP)


def test_chosen_aggregate_counts(rec):
    c = rec.aggregates.counts
    assert (c["g"], c["kg"], c["has_teams=ja"], c["has_teams=nee_bewuste_keuze"]) == (25, 24, 204, 28)
    assert c["teams_g32"] == 192 and c["teams_total"] == 603
    assert rec.aggregates.involvement_bases == BASES


def test_milp_reports_infeasible_figures(pub, reg):
    bad = pub.copy()
    bad.loc[bad["finding_id"] == "F2015-105", "value"] = 99.0  # 99 % 'geen' but 28 % 'meedenken'
    with pytest.raises(ReconstructionError, match="no integer solution"):
        solve_aggregates(bad, reg, load_codebook(), 2015, ReconstructionParams())
    extra = pd.concat([pub, pub[pub["finding_id"] == "F2015-028"].assign(
        finding_id="F2015-099", variable="unknown_thing", category="x")], ignore_index=True)
    with pytest.raises((ReconstructionError, KeyError)):
        solve_aggregates(extra, reg, load_codebook(), 2015, ReconstructionParams())


# --------------------------------------------------------------------------- determinism and parameters


def test_same_seed_same_frame_other_seed_other_frame(rec):
    again = reconstruct_tidy(2015, DEFAULT_SEED)
    pd.testing.assert_frame_equal(again, rec.tidy)
    other = reconstruct_tidy(2015, 1)
    assert set(other["gm_code"]) != set(rec.tidy["gm_code"])
    assert len(other) == 234 and int(other["n_teams"].sum()) == 603


def _association(df: pd.DataFrame, reg: pd.DataFrame) -> float:
    """Mean log2(population) of involved minus not-involved answers, pooled over the groups."""
    pop = np.log2(df["gm_code"].map(reg.set_index("gm_code")["population"]).astype(float))
    diffs = []
    for group in GROUPS:
        geen = df[f"involvement__{group}__geen"]
        ans = geen.notna()
        inv = ~geen[ans].astype(bool)
        diffs.append(pop[ans][inv].mean() - pop[ans][~inv].mean())
    return float(np.mean(diffs))


@pytest.mark.parametrize("beta", [1.5, -1.5])
def test_involvement_size_effect_keeps_counts_exact(beta, rec, pub, reg):
    params = ReconstructionParams(involvement_size_effect=beta)
    r = reconstruct(2015, DEFAULT_SEED, params=params)
    assert verify_tidy(r.tidy, pub, reg, params)["ok"].all()
    for group in GROUPS:
        a, b = r.tidy[f"involvement__{group}__geen"], rec.tidy[f"involvement__{group}__geen"]
        assert int(a.sum()) == int(b.sum()) and int(a.notna().sum()) == int(b.notna().sum())
    base = _association(rec.tidy, reg)
    eff = _association(r.tidy, reg)
    assert abs(base) < 0.5
    assert (eff > base + 0.5) if beta > 0 else (eff < base - 0.5)


def test_g32_reading_with_g4(pub, reg):
    params = ReconstructionParams(g32_reading="network_plus_g4")
    r = reconstruct(2015, DEFAULT_SEED, params=params)
    assert verify_tidy(r.tidy, pub, reg, params)["ok"].all()
    group = r.tidy["gm_code"].map(reg.set_index("gm_code").eval("g32 | g4"))
    assert bool(group[r.tidy["gm_code"] == "GM0599"].iloc[0])
    assert 23 <= int(group.sum()) <= 28


def test_params_validation_and_dict():
    with pytest.raises(ValueError, match="g32_reading"):
        ReconstructionParams(g32_reading="G40")
    with pytest.raises(ValueError, match="broad_integral_share"):
        ReconstructionParams(broad_integral_share=1.5)
    d = ReconstructionParams().to_dict()
    assert d["involvement_size_effect"] == 0.0 and d["goal_shares"]["preventie"] == 0.65
    json.dumps(d)


# --------------------------------------------------------------------------- sampling building blocks


def test_conditional_poisson_inclusion_probabilities_exact():
    lo = np.log(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    tot, expect = 0.0, np.zeros(5)
    for s in itertools.combinations(range(5), 2):
        w = float(np.exp(lo[list(s)].sum()))
        tot += w
        expect[list(s)] += w
    assert np.allclose(inclusion_probabilities(lo, 2), expect / tot)
    rng = np.random.default_rng(3)
    draws = np.array([conditional_poisson_sample(lo, 2, rng) for _ in range(4000)])
    assert (draws.sum(axis=1) == 2).all()
    assert np.allclose(draws.mean(axis=0), expect / tot, atol=0.03)


def test_apportion_and_fill():
    assert apportion(10, [1, 1, 1]).tolist() == [4, 3, 3]
    out = apportion(100, [1000, 1, 1, 1], lower=1, upper=41)
    assert out.tolist() == [41, 20, 20, 19] or out.sum() == 100 and out.max() == 41
    with pytest.raises(ValueError):
        apportion(5, [1, 1], lower=3)
    m = fill_multiselect(20, [3, 5, 15, 1], np.random.default_rng(0))
    assert m.sum(axis=0).tolist() == [3, 5, 15, 1] and (m.sum(axis=1) >= 1).all()
    with pytest.raises(ValueError):
        fill_multiselect(20, [3, 5, 10, 1], np.random.default_rng(0))  # 19 ticks for 20 rows


# --------------------------------------------------------------------------- simulate_survey


def test_simulate_survey_speed_and_structure(rec):
    simulate_survey(seed=0, involvement_size_effect=0.3)  # warm the cache
    times = []
    for s in range(10):
        t0 = time.perf_counter()
        df = simulate_survey(seed=s, involvement_size_effect=0.3)
        times.append(time.perf_counter() - t0)
    assert float(np.median(times)) < 0.05
    assert list(df.columns) == list(rec.tidy.columns) and (df.dtypes == rec.tidy.dtypes).all()
    other = [c for c in df.columns if not c.startswith("involvement__")]
    pd.testing.assert_frame_equal(df[other], rec.tidy[other])
    assert df.attrs["involvement_size_effect"] == 0.3 and df.attrs["mode"] == "bernoulli"
    for group in GROUPS:
        geen = df[f"involvement__{group}__geen"]
        forms = df[[f"involvement__{group}__{f}" for f in FORMS]][geen.notna()].astype(bool)
        assert int(geen.notna().sum()) == BASES[group]
        assert (forms.any(axis=1) == ~geen.dropna().astype(bool)).all()
    with pytest.raises(ValueError, match="mode"):
        simulate_survey(mode="poisson")


def test_simulate_survey_calibration_and_recovery(rec, reg):
    import statsmodels.api as sm

    target = int((~rec.tidy["involvement__vrijwilligers__geen"].dropna().astype(bool)).sum())
    pop = np.log2(rec.tidy["gm_code"].map(reg.set_index("gm_code")["population"]).astype(float))
    counts, slopes = [], []
    for s in range(40):
        df = simulate_survey(seed=s, involvement_size_effect=0.6)
        geen = df["involvement__vrijwilligers__geen"]
        ans = geen.notna()
        y = (~geen[ans].astype(bool)).to_numpy(dtype=float)
        counts.append(y.sum())
        fit = sm.Logit(y, sm.add_constant(pop[ans].to_numpy())).fit(disp=0)
        slopes.append(fit.params[1])
    assert abs(np.mean(counts) - target) < 3  # expected count = published count
    assert np.std(counts) > 2  # independent Bernoulli: counts vary
    assert 0.45 < np.mean(slopes) < 0.8  # recovers beta = 0.6 (logit MLE, slight upward bias)
    exact = simulate_survey(seed=5, involvement_size_effect=0.6, mode="exact")
    assert int((~exact["involvement__vrijwilligers__geen"].dropna().astype(bool)).sum()) == target
    assert int(exact["involvement__vrijwilligers__meedenken"].sum()) == int(
        rec.tidy["involvement__vrijwilligers__meedenken"].sum())


# --------------------------------------------------------------------------- the shipped file


@pytest.fixture(scope="module")
def one_engine():
    """The 2015 reconstruction of the one engine (the shipped file; the detailed model above is retired from it)."""
    from wijkteam_stats.reconstruct.generic import reconstruct_generic

    return reconstruct_generic(2015)


def test_shipped_export_is_written_by_the_one_engine(one_engine):
    shipped = paths.synthetic_survey_file(2015)
    assert "SYNTHETIC" in shipped.name
    data = shipped.read_bytes()
    meta = json.loads(shipped.with_name(shipped.stem + ".meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and "NOT Movisie" in meta["warning"]
    assert meta["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert meta["generator"]["module"] == "wijkteam_stats.reconstruct.generic"
    assert meta["generator"]["seed"] == 20160201
    assert sum(v for k, v in meta["aggregate_counts"].items() if k.startswith("n_teams#total@")) == 603
    assert meta["aggregate_counts"]["n_teams#total@GM0599"] == 42
    assert meta["published_figures_met"] == {"checked": 62, "met": 62, "not_reproducible": [], "failed": []}
    assert "SYNTHETIC" in (paths.RAW_SURVEY / "README.md").read_text(encoding="utf-8")


def test_shipped_export_cleans_back_to_the_reconstruction(one_engine):
    from wijkteam_stats.clean import clean_survey

    res = clean_survey(paths.synthetic_survey_file(2015), 2015)
    assert (res.summary.rows_read, res.summary.kept, res.summary.set_aside) == (234, 234, 0)
    assert len(res.summary.cell_issues) == 0
    assert set(res.summary.personal_columns) == {"Naam respondent", "E-mailadres respondent"}
    pd.testing.assert_frame_equal(res.table.reset_index(drop=True), one_engine.tidy.reset_index(drop=True))


def test_shipped_names_resolve_and_vary(one_engine):
    raw = pd.read_csv(paths.synthetic_survey_file(2015), sep=";", encoding="utf-8-sig", dtype=str,
                      keep_default_na=False)
    names = raw["Gemeente"].tolist()
    codes = [resolve(n, year=2015) for n in names]
    assert sorted(codes) == sorted(one_engine.tidy["gm_code"])
    reg_names = set(register(2015)["name"])
    share_cbs = np.mean([n in reg_names for n in names])
    assert 0.6 < share_cbs < 0.95
    assert any(n.startswith("Gemeente ") for n in names) and any(n.startswith("GM") for n in names)
    assert raw["E-mailadres respondent"].str.endswith("@example.invalid").all()
    assert raw["Naam respondent"].str.fullmatch(r"Respondent \d{3}").all()


def test_write_reconstruction_refuses_data_raw(tmp_path):
    from wijkteam_stats.reconstruct.shipped import write_reconstruction

    with pytest.raises(PermissionError):
        write_reconstruction(paths.RAW_SURVEY / "other.csv")
    with pytest.raises(PermissionError):
        write_reconstruction(tmp_path / "x.csv", update_shipped=True)


def test_reconstruct_command_writes_outside_data_raw(tmp_path, capsys):
    from wijkteam_stats.cli import main

    assert main(["reconstruct", "--wave", "2015", "--out", str(tmp_path)]) == 0
    csv = tmp_path / paths.synthetic_survey_file(2015).name
    assert csv.read_bytes() == paths.synthetic_survey_file(2015).read_bytes()
    assert (tmp_path / (csv.stem + ".meta.json")).is_file()
    assert "SYNTHETIC export" in capsys.readouterr().out
    assert main(["reconstruct", "--out", str(paths.RAW_SURVEY)]) == 1


def test_other_seeds_can_be_exported():
    """Every respondent's typed name resolves, also for GM0620 Vianen (a code with two periods)."""
    from wijkteam_stats.reconstruct.shipped import export_frame

    r = reconstruct(2015, 2)
    assert "GM0620" in set(r.tidy["gm_code"])
    order, names = export_frame(r)
    assert [resolve(n, year=2015) for n in names] == order["gm_code"].tolist()
