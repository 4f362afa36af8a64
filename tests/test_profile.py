"""The municipality profile: CBS facts, peers, comparisons with Wilson intervals, expectations, escaping, map.

``fake_tidy`` and ``fake_expectations`` build small hand-made inputs following the tidy contract and the
models step's expectations format; the batch, site and browser tests import them from here.
"""

from __future__ import annotations

import json
import math
import stat

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.report import maps, numbers, profile, render

SCRIPT = "<script>alert('x')</script>"


# --------------------------------------------------------------------------- fixtures shared with other tests


def tidy_row(code: str, **values) -> dict:
    """One tidy row: everything NA except gm_code/wave/status, then ``values`` (column -> value)."""
    cols = load_codebook().for_wave(2015).tidy_columns()
    row = {c: pd.NA for c in cols}
    row.update({"gm_code": code, "wave": 2015, "status": "compleet",
                "ingevuld_op": pd.Timestamp("2015-10-01 12:00")})
    unknown = set(values) - set(cols)
    assert not unknown, unknown
    row.update(values)
    return row


def teams_answers(n_teams: int = 3, involved: dict[str, list[str]] | None = None, **extra) -> dict:
    """Answers of a municipality with teams: every team question answered (False unless listed)."""
    cb = load_codebook().for_wave(2015)
    out = {"has_teams": "ja", "n_teams": n_teams, "problem_scope": "beide", "work_income_tasks": False,
           "monitors_teams": True, "needs_support_involving_residents": False}
    for var in ("team_type", "discipline", "goal"):
        for o in cb.variable(var).options:
            out[f"{var}__{o.code}"] = False
    out["team_type__breed_integraal"] = True
    inv = cb.variable("involvement")
    for g in inv.groups:
        forms = (involved or {}).get(g.code, [])
        for f in inv.forms:
            out[f"involvement__{g.code}__{f.code}"] = (f.code in forms) if f.code != "geen" else not forms
    out.update(extra)
    return out


def typed(rows: list[dict]) -> pd.DataFrame:
    """Rows -> a tidy table with the contract's dtypes, sorted by gm_code."""
    cols = load_codebook().for_wave(2015).tidy_columns()
    df = pd.DataFrame(rows, columns=list(cols))
    for c, t in cols.items():
        df[c] = df[c].astype(t)
    return df.sort_values("gm_code", kind="stable").reset_index(drop=True)


def fake_tidy(codes: list[str], seed: int = 1, overrides: dict[str, dict] | None = None) -> pd.DataFrame:
    """A seeded random tidy table for ``codes`` (about 85 % with teams); ``overrides`` per code win."""
    cb = load_codebook().for_wave(2015)
    rng = np.random.default_rng(seed)
    groups = [g.code for g in cb.variable("involvement").groups]
    forms = ["meedoen", "meebeslissen", "meedenken", "meebeoordelen"]
    rows = []
    for code in sorted(codes):
        if rng.random() < 0.85:
            involved = {g: [f for f in forms if rng.random() < 0.3] for g in groups}
            extra = {f"discipline__{o.code}": bool(rng.random() < 0.6) for o in cb.variable("discipline").options}
            extra["monitors_teams"] = bool(rng.random() < 0.9)
            values = teams_answers(int(rng.integers(1, 9)), involved, **extra)
        else:
            values = {"has_teams": "nee_bewuste_keuze", "needs_support_involving_residents": False}
        values.update((overrides or {}).get(code, {}))
        rows.append(tidy_row(code, **values))
    return typed(rows)


def fake_expectations(wave: int = 2015) -> pd.DataFrame:
    """An expectations table in the models step's format (with the agreed trust columns) for every municipality
    of the wave: sizes above 500 000 lie outside the fitted range; the size effect is distinguishable for the
    first three resident groups and for the number of teams, not for the other groups."""
    reg = register(2015 if wave == 2015 else wave)
    groups = [g.code for g in load_codebook().variable("involvement").groups]
    rows = []
    for r in reg.itertuples(index=False):
        size = math.log2(float(r.population) / 50_000)
        inside = bool(r.population <= 500_000)
        for i, g in enumerate(groups):
            p = 1 / (1 + math.exp(-(0.2 * i - 0.5 + 0.3 * size)))
            rows.append({"wave": wave, "gm_code": r.gm_code, "population": r.population, "measure": "any_involvement",
                         "group": g, "predicted": p, "ci_low": p * 0.8, "ci_high": min(1.0, p * 1.2),
                         "extrapolated": not inside, "pi_low": math.nan, "pi_high": math.nan,
                         "in_fitted_range": inside, "effect_distinguishable": i < 3, "national_value": 0.4 + 0.05 * i})
        mu = 3 * 2 ** (0.5 * size)
        rows.append({"wave": wave, "gm_code": r.gm_code, "population": r.population, "measure": "n_teams",
                     "group": None, "predicted": mu, "ci_low": mu * 0.7, "ci_high": mu * 1.3,
                     "extrapolated": not inside, "pi_low": mu * 0.3, "pi_high": mu * 2.5, "in_fitted_range": inside,
                     "effect_distinguishable": True, "national_value": 2.96})
    return pd.DataFrame(rows)


def mark_provenance(path, synthetic: bool):
    """Write the file's provenance sidecar (``<stem>.meta.json``): synthetic or not decided by provenance."""
    record = {"synthetic": synthetic} if synthetic else {"synthetic": False, "source": "test fixture",
                                                         "how_made": "written by the test as real data"}
    path.with_name(f"{path.stem}.meta.json").write_text(json.dumps(record), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory):
    """A 5-municipality survey marked as REAL data by its provenance sidecar, and an expectations table."""
    d = tmp_path_factory.mktemp("profile_inputs")
    rows = [
        tidy_row("GM0003", **teams_answers(4, {"wijkbewoners": ["meedenken"], "vrijwilligers": ["meedoen", "meedenken"]},
                                           toelichting=SCRIPT)),
        tidy_row("GM0005", **teams_answers(2, {"wijkbewoners": ["meedenken"]}, monitors_teams=True)),
        tidy_row("GM0007", has_teams="nee_bewuste_keuze", needs_support_involving_residents=True),
        tidy_row("GM0009", **teams_answers(1, {}, monitors_teams=pd.NA)),
        tidy_row("GM0363", **teams_answers(30, {"wijkbewoners": ["meedoen"]}, monitors_teams=False)),
    ]
    survey = d / "small_2015.parquet"
    typed(rows).to_parquet(survey)
    mark_provenance(survey, synthetic=False)
    exp = d / "expected_by_municipality_2015.csv"
    fake_expectations().to_csv(exp, index=False)
    return survey, exp


# --------------------------------------------------------------------------- text helpers


def test_dutch_number_filters_never_print_missing_markers():
    assert render.nl_int(821752) == "821.752" and render.nl_num(1234.5) == "1.234,5" and render.nl_num(2.56) == "2,6"
    assert render.nl_pct(83.456, 1) == "83,5 %" and render.nl_interval(71.2, 84.9) == "71–85 %"
    assert render.nl_interval(2.14, 4.0, 1, "") == "2,1–4,0" and render.nl_num(-0.04) == "0,0"
    assert render.nl_p(0.0) == "< 0,001" and render.nl_p(0.0004) == "< 0,001" and render.nl_p(0.0421) == "0,042"
    assert render.nl_date("2021-01-01") == "1 januari 2021"
    for missing in (None, float("nan"), pd.NA, "nan", "<NA>"):
        assert render.nl_num(missing) == render.nl_pct(missing) == render.nl_p(missing) == "–"
    # plain {{ x }} prints missing values as an en dash too, and escapes
    env = render.environment()
    assert env.from_string("{{ a }}|{{ b }}|{{ c }}|{{ d }}").render(a=None, b=float("nan"), c=pd.NA, d=SCRIPT) == (
        "–|–|–|&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")


def _history(facts):
    return profile.facts_html({"facts": facts})


# --------------------------------------------------------------------------- facts and peers


def test_facts_of_amsterdam():
    f = numbers.municipality_facts("GM0363", 2015)
    reg = register(2015).set_index("gm_code")
    assert f["name"] == "Amsterdam" and f["province"] == "Noord-Holland"
    assert f["population"] == int(reg.loc["GM0363", "population"]) > 800_000
    assert f["size_class"] == "≥ 100.000" and f["size_class_cbs"] == 8
    assert f["g4"] is True and f["g32"] is False
    assert f["history"] == [] and [t["gm_code"] for t in f["today"]] == ["GM0363"]
    assert "bestaat in 2025 nog, nu met dat gebied erbij" in _history(f)


def test_facts_follow_mergers_and_splits():
    app = numbers.municipality_facts("GM0003", 2015)  # Appingedam -> Eemsdelta (2021)
    assert [(e["date"], e["successors"][0]["gm_code"]) for e in app["history"]] == [("2021-01-01", "GM1979")]
    assert "Eemsdelta" in _history(app)
    haaren = numbers.municipality_facts("GM0788", 2015)  # split over four municipalities in 2021
    ev = haaren["history"][0]
    assert ev["kind"] == "opgesplitst" and ev["successors"][0]["name"] == "Vught"
    assert {t["name"] for t in haaren["today"]} == {"Vught", "Oisterwijk", "Tilburg", "Boxtel"}
    text = _history(haaren)
    assert "opgeheven en verdeeld" in text and "Vught (44 %" in text
    fm = numbers.municipality_facts("GM1921", 2015)  # De Friese Meren renamed mid-2015
    assert fm["history"][0]["kind"] == "nieuwe_code_naamswijziging"
    assert "De Fryske Marren" in _history(fm)


def _csv_events(year):
    """Straight from the CBS file (no project code): per code the (date, other code) pairs it lost to / took in."""
    import csv
    from datetime import date

    from wijkteam_stats.reference.paths import RAW
    lost, gained = {}, {}
    with open(RAW / "cbs" / "herindelingen_2015_2025.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["opvolger_rol"] == "klein_overlap" or date.fromisoformat(r["datum"]) <= date(year, 1, 1):
                continue
            lost.setdefault(r["oude_gm_code"], set()).add((r["datum"], r["nieuwe_gm_code"]))
            if r["oude_gm_code"] != r["nieuwe_gm_code"]:
                gained.setdefault(r["nieuwe_gm_code"], set()).add((r["datum"], r["oude_gm_code"]))
    return lost, gained


@pytest.mark.parametrize("wave", [2014, 2015, 2017])
def test_merger_history_both_ways_for_every_municipality_of_every_wave(wave):
    from wijkteam_stats.reference.waves import register_year
    year = register_year(wave)
    lost, gained = _csv_events(year)
    codes = register(year)["gm_code"].astype(str).tolist()
    n_gains = 0
    names = register(year).set_index("gm_code")["name"]
    for code in codes:  # the facts' history parts (municipality_facts adds the CBS rows and to_2025)
        f = {"name": names[code], "gains": numbers.municipality_gains(code, year),
             "history": numbers.municipality_history(code, year), "today": []}
        first_loss = min((d for d, _ in lost.get(code, ())), default="9999")
        expected_gains = {(d, c) for d, c in gained.get(code, ()) if d < first_loss}
        assert {(g["date"], g["from_code"]) for g in f["gains"]} == expected_gains, code
        own = [e for e in f["history"] if e["from_code"] == code]
        got = {(own[0]["date"], s["gm_code"]) for s in own[0]["successors"]} if own else set()
        assert got == {e for e in lost.get(code, ()) if e[0] == first_loss}, code
        text = render.render("report/history.html.j2", f=f)
        same = "bestaat in 2025 nog steeds in dezelfde vorm" in text
        assert same == (not expected_gains and code not in lost), code
        for g in f["gains"]:
            assert g["from_name"] in text, code
        n_gains += bool(expected_gains)
    assert n_gains >= 10


def test_merger_history_names_what_was_absorbed():
    ams = numbers.municipality_facts("GM0363", 2015)
    assert [(g["date"], g["from_name"]) for g in ams["gains"]] == [("2022-03-24", "Weesp")]
    text = " ".join(_history(ams).split())
    assert "Op 24 maart 2022 is Weesp opgegaan in Amsterdam." in text and "dezelfde vorm" not in text
    swf = numbers.municipality_facts("GM1900", 2015)
    assert [(g["from_name"], g["area_share"]) for g in swf["gains"]] == [("Littenseradiel", 0.51)]
    assert "Súdwest-Fryslân kreeg er een deel van bij (51 % van de oppervlakte van Littenseradiel)" in " ".join(
        _history(swf).split())
    weesp = numbers.municipality_facts("GM0457", 2015)  # took part of Muiden (2016), then went up in Amsterdam
    assert [g["from_name"] for g in weesp["gains"]] == ["Muiden"]
    assert weesp["history"][0]["successors"][0]["name"] == "Amsterdam"
    app = numbers.municipality_facts("GM0003", 2015)
    assert app["history"][0]["partners"] == ["Delfzijl", "Loppersum"]
    assert "Appingedam met Delfzijl en Loppersum samengevoegd tot de nieuwe gemeente Eemsdelta" in _history(app)


def test_peer_codes_are_the_size_class_without_itself():
    reg = register(2015)
    peers = numbers.peer_codes("GM0003", 2015)
    small = reg.loc[reg["size_class"] == "< 20.000", "gm_code"].tolist()
    assert "GM0003" not in peers and len(peers) == len(small) - 1 == 124
    assert set(peers) < set(small)


# --------------------------------------------------------------------------- comparisons


def _wilson(k, n):
    lo, hi = proportion_confint(k, n, method="wilson")
    return 100 * lo, 100 * hi


def test_comparison_rows_have_exact_wilson_estimates(small_inputs):
    survey, _ = small_inputs
    tidy = numbers.load_survey(survey, 2015)
    peers = numbers.peer_codes("GM0003", 2015)
    rows = numbers.comparison_rows(tidy, "GM0003", peers)
    has = next(r for r in rows["teams"] if r["key"] == "has_teams")
    assert has["own"] == "ja"
    assert (has["peers"]["k"], has["peers"]["n"]) == (2, 3)  # GM0005, GM0009 of GM0005/7/9
    assert (has["national"]["k"], has["national"]["n"]) == (4, 5)
    lo, hi = _wilson(2, 3)
    assert has["peers"]["ci_low"] == pytest.approx(lo, abs=1e-5) and has["peers"]["ci_high"] == pytest.approx(hi, abs=1e-5)
    mon = next(r for r in rows["teams"] if r["key"] == "monitors_teams")
    assert (mon["peers"]["k"], mon["peers"]["n"]) == (1, 1)  # GM0009 did not answer: not in the base
    assert (mon["national"]["k"], mon["national"]["n"]) == (2, 3)
    inv = {r["key"]: r for r in rows["involvement"]}
    assert inv["vrijwilligers"]["own"] == "ja: meedoen, meedenken"
    assert inv["mantelzorgers"]["own"] == "nee (geen betrokkenheid)"
    assert (inv["wijkbewoners"]["national"]["k"], inv["wijkbewoners"]["national"]["n"]) == (3, 4)
    # a municipality without teams: team questions do not apply to it
    rows7 = numbers.comparison_rows(tidy, "GM0007", numbers.peer_codes("GM0007", 2015))
    assert {r["own"] for r in rows7["involvement"]} == {"n.v.t. (geen teams)"}
    assert next(r for r in rows7["teams"] if r["key"] == "needs_support")["own"] == "ja"


def test_involved_any_keeps_unanswered_groups_missing():
    rows = [tidy_row("GM0003", **teams_answers(1, {"wijkbewoners": ["meedenken"]})),
            tidy_row("GM0005", **teams_answers(1, {}))]
    t = typed(rows)
    for f in ("meedoen", "meebeslissen", "meedenken", "meebeoordelen", "geen"):
        t.loc[1, f"involvement__vrijwilligers__{f}"] = pd.NA
    assert numbers.involved_any(t, "wijkbewoners").tolist() == [True, False]
    assert numbers.involved_any(t, "vrijwilligers").isna().tolist() == [False, True]


def test_numbers_for_respondent_and_non_respondent(small_inputs, tmp_path):
    survey, exp = small_inputs
    n = numbers.build_numbers("GM0003", 2015, survey, exp)
    assert n["synthetic"] is False and n["schema"] == numbers.SCHEMA
    assert n["participated"] is True and n["answers"]["n_teams"] == 4
    assert n["teams"]["own"] == 4 and n["teams"]["national"]["n"] == 4
    assert n["teams"]["national"]["mean"] == pytest.approx((4 + 2 + 1 + 30) / 4)
    assert n["provenance"]["synthetic"] is False and len(n["provenance"]["data_version"]) == 12
    assert n["peers"]["n_municipalities"] == 124 and n["peers"]["n_respondents"] == 3
    assert n["national"] == {"n_municipalities": 393, "n_respondents": 5}
    path = numbers.write_numbers(n, tmp_path)
    assert path == tmp_path / "data" / "GM0003.json" and numbers.read_numbers(path) == n
    assert stat.S_IMODE(path.stat().st_mode) & 0o044  # readable by others: reports are published
    out = numbers.build_numbers("GM0010", 2015, survey, exp)  # Delfzijl did not take part
    assert out["participated"] is False and out["answers"] == {}
    assert {r["own"] for sec in out["comparisons"].values() for r in sec} == {"niet deelgenomen"}
    html = profile.participation_html(out)
    assert "niet ingevuld" in html and "niet deelgenomen" in html
    assert "niet deelgenomen" in profile.comparison_html(out, "teams")
    assert json.loads(json.dumps(out)) == out  # plain JSON


def test_national_figures_say_where_they_come_from(small_inputs):
    survey, exp = small_inputs
    rows = {r["key"]: r for r in numbers.build_numbers("GM0003", 2015, survey, exp)["comparisons"]["composition"]}
    mw = rows["maatschappelijk_werk"]
    assert mw["published"]["percent"] == 84 and mw["published"]["finding_id"] == "F2015-017"
    assert mw["published"]["wave"] == 2015 and "Van Arum" in mw["published"]["publication"]
    assert mw["national"]["n"] == 4  # real data: computed from the file
    inv = numbers.published_figures(2015)[("any_involvement", "wijkbewoners")]
    assert inv["percent"] == 100 - 62 and inv["derived_from_none"] == 62
    html = profile.comparison_html(numbers.build_numbers("GM0003", 2015, survey, exp), "composition")
    assert "Nederland (berekend uit het enquêtebestand)" in html


def test_expected_section_reads_the_models_table(small_inputs):
    survey, exp = small_inputs
    table = pd.read_csv(exp)
    # GM0005 Bedum (about 10 000 inhabitants): inside the fitted range
    e = numbers.build_numbers("GM0005", 2015, survey, exp)["expected"]
    assert e["available"] and e["source"] == exp.name
    row = table[(table.gm_code == "GM0005") & (table.group == "wijkbewoners")].iloc[0]
    g = e["groups"][0]
    assert g["group"] == "wijkbewoners" and g["status"] == "prediction"
    assert g["predicted"] == pytest.approx(100 * row.predicted, abs=1e-4) and g["pi_low"] is None
    assert g["reported"] == "ja: meedenken"
    late = {x["group"]: x for x in e["groups"]}["ervaringsdeskundigen"]  # 5th group: no size effect
    assert late["status"] == "national" and late["national_value"] == pytest.approx(100 * (0.4 + 0.05 * 4))
    assert late["predicted"] is None
    t = table[(table.gm_code == "GM0005") & (table.measure == "n_teams")].iloc[0]
    assert e["teams"]["status"] == "prediction" and e["teams"]["pi_high"] == pytest.approx(t.pi_high, abs=1e-5)
    html = profile.expected_html(numbers.build_numbers("GM0005", 2015, survey, exp))
    assert "95 %-voorspelinterval voor één gemeente" in html and "landelijk cijfer: geen verband" in html
    assert "Antwoord van Bedum" in html
    # Amsterdam is larger than every municipality the model was fitted on: no prediction at all
    ams = numbers.build_numbers("GM0363", 2015, survey, exp)
    assert {x["status"] for x in ams["expected"]["groups"]} == {"outside_range"}
    assert ams["expected"]["teams"]["status"] == "outside_range" and ams["expected"]["teams"]["predicted"] is None
    assert "buiten de gemeentegroottes waarop het model is geschat" in profile.expected_html(ams)
    missing = numbers.build_numbers("GM0363", 2015, survey, None)
    assert missing["expected"]["available"] is False
    assert "ontbreekt" in profile.expected_html(missing)


def test_expectations_without_prediction_intervals_show_no_expectation(small_inputs, tmp_path):
    survey, _ = small_inputs
    old = tmp_path / "old_expected.csv"
    fake_expectations().drop(columns=numbers.EXPECTATION_TRUST_COLUMNS).to_csv(old, index=False)
    e = numbers.build_numbers("GM0005", 2015, survey, old)["expected"]
    assert e["available"] is False and e["reason"] == "no_prediction_interval" and e["groups"] == []


def test_expectations_with_wrong_columns_are_refused(tmp_path):
    bad = tmp_path / "exp.csv"
    pd.DataFrame({"gm_code": ["GM0363"], "predicted": [0.5]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="lacks columns"):
        numbers.load_expectations(bad)
    flags = tmp_path / "flags.csv"
    df = fake_expectations().head(3).astype({"in_fitted_range": object})
    df.loc[1, "in_fitted_range"] = "misschien"
    df.to_csv(flags, index=False)
    with pytest.raises(ValueError, match=r"row 3, column 'in_fitted_range'"):
        numbers.load_expectations(flags)


def _all_sections(n) -> str:
    return "".join([profile.header_html(n), profile.facts_html(n), profile.participation_html(n),
                    profile.reading_guide_html(n), profile.comparison_html(n, "teams"),
                    profile.comparison_html(n, "composition"), profile.comparison_html(n, "involvement"),
                    profile.free_text_html(n), profile.expected_html(n), profile.footer_html(n)])


def test_data_text_is_escaped_everywhere(small_inputs):
    survey, exp = small_inputs
    n = numbers.build_numbers("GM0003", 2015, survey, exp)
    assert n["answers"]["toelichting"] is None  # free text is published only when a reviewed list releases it
    n["answers"]["toelichting"] = SCRIPT
    n["facts"]["name"] = SCRIPT
    n["facts"]["province"] = "<b>Groningen</b>"
    n["answers"]["has_teams_anders"] = "<img src=x onerror=alert(1)>"
    html = _all_sections(n)
    assert "<script>" not in html and "<b>Groningen" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Opmerking van de gemeente" in html  # real data: the free text is shown (escaped)
    assert "SYNTHETISCHE" not in html


def test_survey_table_must_follow_the_contract(tmp_path):
    bad = tmp_path / "survey.parquet"
    pd.DataFrame({"gm_code": ["GM0363"], "wave": [2015]}).to_parquet(bad)
    with pytest.raises(ValueError, match="not a tidy survey table"):
        numbers.load_survey(bad, 2015)
    with pytest.raises(FileNotFoundError, match="wijkteam clean"):
        numbers.load_survey(tmp_path / "nope.parquet", 2015)


# --------------------------------------------------------------------------- map


def test_map_highlights_and_is_deterministic():
    import matplotlib.pyplot as plt

    peers = numbers.peer_codes("GM0363", 2015)
    fig = maps.municipality_map("GM0363", peers, 2015)
    colls = fig.axes[0].collections
    faces = colls[0].get_facecolors()
    codes = maps._shapes(2015)[0]
    assert len(codes) == 393
    own = codes.index("GM0363")
    assert tuple(np.round(faces[own][:3], 3)) == tuple(np.round(plt.matplotlib.colors.to_rgb(maps.HIGHLIGHT_COLOUR), 3))
    n_peer = sum(tuple(np.round(c[:3], 3)) == tuple(np.round(plt.matplotlib.colors.to_rgb(maps.PEER_COLOUR), 3))
                 for c in faces)
    assert n_peer == len(peers) == 30
    png1 = maps.figure_png(fig, tight=False)
    png2 = maps.figure_png(maps.municipality_map("GM0363", peers, 2015), tight=False)
    assert png1 == png2 and png1[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_of_an_earlier_year_uses_successor_shapes():
    assert maps.boundary_year_for(2014) == 2015 and maps.boundary_year_for(2016) == 2016
    assert maps.map_codes(["GM0265"], 2014) == {"GM0241"}  # Millingen aan de Rijn -> Groesbeek (2015)


def test_unanswered_teams_question_is_not_read_as_no_teams():
    t = typed([tidy_row("GM0003", has_teams=pd.NA, needs_support_involving_residents=True),
               tidy_row("GM0005", **teams_answers(2))])
    rows = numbers.comparison_rows(t, "GM0003", numbers.peer_codes("GM0003", 2015))
    assert next(r for r in rows["teams"] if r["key"] == "has_teams")["own"] == "niet beantwoord"
    assert {r["own"] for r in rows["involvement"]} == {"niet beantwoord"}
    assert next(r for r in rows["teams"] if r["key"] == "needs_support")["own"] == "ja"


def test_local_content_is_published_and_names_the_group():
    rot = numbers.local_content("GM0599", 2015, numbers.municipality_facts("GM0599", 2015))
    # 2015 reads the G4 among the other municipalities (reading D4): Rotterdam gets G4 and non-G32 findings
    assert [g["code"] for g in rot["group_findings"]["groups"]] == ["G4", "non-G32"]
    ids = [f["finding_id"] for f in rot["group_findings"]["findings"]]
    assert ids == ["F2015-008"] and rot["zelfscan"] == "../../site/zelfscan.html#gemeente=GM0599"
    assert rot["examples"] == []
    local = numbers.published_local(2015, "GM0599")
    assert [(p["finding_id"], p["value"]) for p in local] == [("F2015-012", 42.0)]
    g32 = numbers.local_content("GM0772", 2015, numbers.municipality_facts("GM0772", 2015))  # Eindhoven
    assert [f["finding_id"] for f in g32["group_findings"]["findings"]] == ["F2015-007", "F2015-011"]
    assert "Eindhoven bewoners betrokken bij de werving" in g32["examples"][0]["text"]
    html = profile.local_html({"facts": numbers.municipality_facts("GM0772", 2015), "wave": 2015,
                               "published_local": [], "local": g32})
    assert html.count("<dt>") == 9 and "Doe de zelfscan voor Eindhoven" in html and "F2015-011" in html
    assert 'href="../../../data/raw/sources/lpggz_handreiking' in html
    g4_2014 = numbers.group_findings(2014, True, False)  # no reading chosen for 2014: only the G4's own figures
    assert g4_2014["g4_placement_uncertain"] and [f["finding_id"] for f in g4_2014["findings"]] == ["F2014-005"]
    # the chosen reading's placement of the G4 is said where it puts a G4 city among the non-G32 municipalities
    assert rot["group_findings"]["g4_counted_with"] == "non-G32" and g32["group_findings"]["g4_counted_with"] is None
    rot_html = profile.local_html({"facts": numbers.municipality_facts("GM0599", 2015), "wave": 2015,
                                   "published_local": [], "local": rot})
    assert "de lezing waarin alle gepubliceerde" in rot_html and "middelgrote tot kleine" in rot_html


def test_rotterdam_expectation_stands_beside_its_published_42(tmp_path):
    n = {"synthetic": True, "wave": 2015, "facts": numbers.municipality_facts("GM0599", 2015),
         "published_local": numbers.published_local(2015, "GM0599"),
         "expected": {"available": True, "source": "x", "reason": None, "groups": [],
                      "teams": {"status": "prediction", "predicted": 45.37, "pi_low": 31.0, "pi_high": 62.0,
                                "national_value": None}}}
    html = " ".join(profile.expected_html(n).split())
    assert "Gepubliceerd over Rotterdam" in html and "42 teams" in html and "F2015-012" in html
    assert 'synthetisch</span>45,4' in html
