"""Trends across waves: Wilson bounds and the change test against hand computations, the rule for figures
quoted twice, bases (published, census, upper bound, none), the merger-stable panel and overlap shares."""

from __future__ import annotations

import math
import subprocess
import sys

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from wijkteam_stats.cli import main
from wijkteam_stats.reference import municipalities, paths
from wijkteam_stats.reference.figure_checks import find_defects
from wijkteam_stats.reference.figures import figure_caption, plotted_base, save_figure
from wijkteam_stats.report.pages import img_html
from wijkteam_stats.reproduce import trend_figures, trends

Z = 1.959963984540054  # the 97.5 % quantile of the standard normal

HEADER = ("finding_id,wave,topic,variable,category,breakdown,statistic,value,qualifier,universe,base,base_n,"
          "source,quote\n")


def hand_wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval written out, in percent."""
    p = k / n
    denom = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / denom
    return 100 * (centre - half), 100 * (centre + half)


def test_wilson_bounds_match_the_hand_formula():
    assert trends.wilson(154, 224) == pytest.approx(hand_wilson(154, 224), abs=1e-9)
    lo, hi = trends.wilson(154, 224)
    assert (round(lo, 3), round(hi, 3)) == (62.407, 74.461)  # 69 % of 224 in 2014, computed by hand
    assert trends.wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    assert trends.wilson(29, 204) == pytest.approx(hand_wilson(29, 204), abs=1e-9)
    assert all(math.isnan(x) for x in trends.wilson(0, 0))


def test_finite_population_correction():
    assert trends.fpc_factor(224, 403) == pytest.approx(179 / 402)
    # Wilson at the effective size n / f, same share
    n_eff = 224 * 402 / 179
    assert trends.wilson_fpc(154, 224, 403) == pytest.approx(trends.wilson(154 / 224 * n_eff, n_eff))
    lo, hi = trends.wilson_fpc(154, 224, 403)
    lo0, hi0 = trends.wilson(154, 224)
    assert lo0 < lo < 68.75 < hi < hi0  # narrower than without the correction
    assert trends.wilson_fpc(224, 403, 403) == (pytest.approx(100 * 224 / 403),) * 2  # a census: the point
    with pytest.raises(ValueError, match="exceeds population"):
        trends.fpc_factor(10, 9)


def test_change_test_on_a_hand_example():
    # 2014: 154 of 224 work with teams; 2015: 204 of 234
    p1, p2 = 154 / 224, 204 / 234
    pbar = (154 + 204) / (224 + 234)
    z_hand = (p2 - p1) / math.sqrt(pbar * (1 - pbar) * (1 / 224 + 1 / 234))
    z, p = trends.pooled_z_test(154, 224, 204, 234)
    assert z == pytest.approx(z_hand) and z == pytest.approx(4.7724, abs=1e-4)
    assert p == pytest.approx(math.erfc(z_hand / math.sqrt(2)))
    # Newcombe from the two Wilson intervals, by hand and as statsmodels computes it
    (l1, u1), (l2, u2) = hand_wilson(154, 224), hand_wilson(204, 234)
    d = 100 * (p2 - p1)
    low = d - math.sqrt((100 * p2 - l2) ** 2 + (u1 - 100 * p1) ** 2)
    high = d + math.sqrt((u2 - 100 * p2) ** 2 + (100 * p1 - l1) ** 2)
    assert trends.newcombe_interval(154, 224, 204, 234) == pytest.approx((low, high))
    sm = confint_proportions_2indep(204, 234, 154, 224, method="newcomb", compare="diff")
    assert trends.newcombe_interval(154, 224, 204, 234) == pytest.approx((100 * sm[0], 100 * sm[1]))
    assert (round(low, 2), round(high, 2)) == (10.91, 25.77)
    # with the finite-population correction: each variance times (N - n) / (N - 1)
    f1, f2 = 179 / 402, 159 / 392
    z_f, p_f = trends.pooled_z_test(154, 224, 204, 234, f1, f2)
    assert z_f == pytest.approx((p2 - p1) / math.sqrt(pbar * (1 - pbar) * (f1 / 224 + f2 / 234)))
    assert z_f > z and p_f < p


def _write(folder, wave, rows):
    path = folder / f"movisie_{wave}.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def three_files(tmp_path):
    """Three small published files (2014, 2015 and a 2016 file that quotes earlier waves)."""
    _write(tmp_path, 2014, [
        "F2014-001,2014,response,n_respondents,responding municipalities,all,count,224,exact,invited,b,,s,q",
        "F2014-002,2014,response,response_rate,responding municipalities,all,percent,56,rounded,invited,b,,s,q",
        "F2014-006,2014,prevalence,has_teams,works with sociale (wijk)teams,all,percent,69,rounded,respondents,b,224,s,q",
        "F2014-007,2014,prevalence,has_teams,works with sociale (wijk)teams,all,count,154,exact,respondents,b,224,s,q",
        "F2014-008,2014,prevalence,has_teams,works with sociale (wijk)teams,G32,percent,93,rounded,respondents,b,,s,q",
        "F2014-010,2014,prevalence,explicitly_no_teams,organises otherwise,all,percent,14,rounded,respondents,b,224,s,q",
    ])
    _write(tmp_path, 2015, [
        "F2015-001,2015,response,n_respondents,responding municipalities,all,count,234,exact,invited,b,,s,q",
        "F2015-003,2015,prevalence,has_teams,works with sociale (wijk)teams,all,percent,87,rounded,respondents,b,,s,q",
        "F2015-004,2014,prevalence,has_teams,works with sociale (wijk)teams,all,percent,69,rounded,respondents,b,,s,q",
        "F2015-007,2015,prevalence,has_teams,works with sociale (wijk)teams,G32,percent,96,rounded,respondents,b,,s,q",
        "F2015-005,2015,prevalence,explicitly_no_teams,chooses not to,all,percent,12,rounded,respondents,b,234,s,q",
        "F2015-016,2015,team_type,team_type,target-group specific teams,all,percent,14,rounded,with_teams,b,,s,q",
    ])
    _write(tmp_path, 2016, [
        "F2016-001,2016,prevalence,has_teams,works with sociale (wijk)teams,all,percent,83,rounded,respondents,b,242,s,q",
        "F2016-005,2016,team_type,team_type,target-group specific teams,all,percent,23,rounded,with_teams,b,,s,q",
        "F2016-101,2015,prevalence,has_teams,works with sociale (wijk)teams,all,percent,87,rounded,respondents,b,234,s,q",
        "F2016-102,2014,prevalence,has_teams,works with sociale (wijk)teams,all,percent,70,rounded,respondents,b,224,s,q",
        "F2016-103,2015,team_type,team_type,target-group specific teams,all,percent,14,rounded,with_teams,b,,s,q",
        "F2016-104,2015,response,response_rate,responding municipalities,all,percent,60,rounded,invited,b,,s,q",
    ])
    return tmp_path


def test_a_figure_quoted_twice_uses_the_own_wave_row(three_files):
    pub = trends.all_published(trends.published_files(three_files))
    figs = trends.select_figures(pub)
    figs = figs[figs["statistic"] == "percent"].set_index(["variable", "breakdown", "wave"])
    t14 = figs.loc[("has_teams", "all", 2014)]
    assert t14["finding_id"] == "F2014-006" and t14["value"] == 69
    assert t14["quoted_in"] == "F2015-004;F2016-102"
    assert t14["conflict"] == "F2016-102"  # quoted as 70: flagged, not used, not averaged
    t15 = figs.loc[("has_teams", "all", 2015)]
    # the own row has no base; the same-valued quote in the 2016 file supplies it
    assert (t15["finding_id"], int(t15["base_n"]), t15["base_from"]) == ("F2015-003", 234, "F2016-101")
    # a wave known only from a quote: the quote is used
    rr15 = figs.loc[("response_rate", "all", 2015)]
    assert rr15["finding_id"] == "F2016-104" and not rr15["own"]


def test_national_trends_bases_and_no_invented_base(three_files):
    pub = trends.all_published(trends.published_files(three_files))
    tr = trends.national_trends(pub)
    assert set(tr["statistic"]) == {"percent", "count"}  # n_respondents 224 -> 234 is a trend of counts
    tr = tr[tr["statistic"] == "percent"].set_index(["variable", "breakdown", "wave"])
    # published base; k from the published count (154, although 155 also rounds to 69 %)
    r = tr.loc[("has_teams", "all", 2014)]
    assert (r["base_source"], int(r["base_n"]), int(r["k"]), int(r["k_min"]), int(r["k_max"])) == (
        "published", 224, 154, 154, 155)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(hand_wilson(154, 224))
    assert int(r["population_n"]) == 403  # respondents of 2014 out of the 403 invited
    # base from the quote; k the whole count nearest to 87 % of 234
    r = tr.loc[("has_teams", "all", 2015)]
    assert (r["base_source"], int(r["base_n"]), int(r["k"])) == ("published", 234, 204)
    # a census: response over all 403 municipalities of 2014, k = the published 224 respondents
    r = tr.loc[("response_rate", "all", 2014)]
    assert (r["base_source"], int(r["base_n"]), int(r["k"])) == ("census", 403, 224)
    # G32 bases unpublished: no base, no interval
    r = tr.loc[("has_teams", "G32", 2015)]
    assert r["base_source"] == "not_published" and pd.isna(r["base_n"]) and math.isnan(r["ci_low"])
    # target-group teams among municipalities with teams: base at most 204 (87 % of 234)
    r = tr.loc[("team_type", "all", 2015)]
    assert r["base_source"] == "upper_bound" and int(r["base_n"]) == 204
    # 2016 publishes no number of respondents: the base of 23 % cannot be bounded, so none is given
    r = tr.loc[("team_type", "all", 2016)]
    assert r["base_source"] == "not_published" and pd.isna(r["base_n"])
    assert ("response_rate", "all", 2016) not in tr.index
    # a variable whose category differs between waves is not a trend
    assert "explicitly_no_teams" not in tr.index.get_level_values(0)
    inv = trends.multiwave_inventory(pub).set_index("variable")
    assert not inv.loc["explicitly_no_teams", "trend"] and inv.loc["has_teams", "trend"]

    ch = trends.change_tests(trends.national_trends(pub)).set_index(["variable", "breakdown", "wave_from"])
    c = ch.loc[("has_teams", "all", 2014)]
    assert c["z"] == pytest.approx(4.7724, abs=1e-4)
    assert not math.isnan(c["p_value_fpc"])  # both populations known (403 and 393 invited)
    g = ch.loc[("has_teams", "G32", 2014)]
    assert math.isnan(g["p_value"]) and "niet gepubliceerd" in g["note"]
    s = trends.trend_summary_nl(trends.national_trends(pub)).set_index("cijfer")
    assert s.loc["Werkt met sociale (wijk)teams", "waarden"] == "69 → 87 → 83 %"


def test_panel_maps_split_and_merged_municipalities():
    p = trends.panel({2015: ["GM0788", "GM0140", "GM0081"]})
    haaren = p[p["gm_code"] == "GM0788"]
    assert list(haaren["gm_code_2025"]) == ["GM0865", "GM0824", "GM0855", "GM0757"]  # Vught first
    assert haaren["area_share"].sum() == pytest.approx(1.0) and haaren["main"].tolist() == [True] + [False] * 3
    litt = p[p["gm_code"] == "GM0140"].set_index("gm_code_2025")
    assert litt.loc["GM1900", "area_share"] == pytest.approx(0.509) and litt.loc["GM1900", "main"]
    assert set(litt.index) == {"GM1900", "GM0080", "GM1949"}
    # the vectorised join gives exactly the rows of to_2025
    ref = municipalities.to_2025("GM0788", 2015)
    assert haaren[["gm_code_2025", "area_share"]].to_numpy().tolist() == ref[
        ["gm_code_2025", "area_share"]].to_numpy().tolist()
    assert p.loc[p["gm_code"] == "GM0081", "gm_code_2025"].tolist() == ["GM0080"]  # Leeuwarderadeel -> Leeuwarden
    with pytest.raises(ValueError, match="wave 2015: not municipalities of 1 January 2015: GM1966"):
        trends.panel({2015: ["GM0363", "GM1966"]})  # Het Hogeland began in 2019


def test_overlap_shares_on_a_tiny_fixture():
    p = trends.panel({
        2014: ["GM0081", "GM0865", "GM0363", "GM0788"],  # Leeuwarderadeel, Vught, Amsterdam, Haaren
        2015: ["GM0080", "GM0788", "GM0599", "GM0855"],  # Leeuwarden, Haaren, Rotterdam, Tilburg
    })
    ov = trends.overlap_shares(p).iloc[0]
    assert (ov["wave"], ov["previous_wave"], ov["respondents"]) == (2015, 2014, 4)
    assert ov["also_previous_same_code"] == 1 and ov["share_same_code"] == pytest.approx(1 / 4)  # Haaren
    # on 2025 territory also Leeuwarden (Leeuwarderadeel merged into it); Tilburg does not count because
    # 17.7 % of Haaren went to Tilburg: Haaren's main link is Vught
    assert ov["also_previous_2025"] == 2 and ov["share_2025"] == pytest.approx(2 / 4)
    counts = trends.multiwave_counts(p).set_index("n_waves")["municipalities_2025"].to_dict()
    assert counts == {1: 3, 2: 2}  # Leeuwarden, Vught in both; Amsterdam, Rotterdam, Tilburg once
    pres = trends.presence(p)
    assert bool(pres.loc["GM0865", 2014]) and bool(pres.loc["GM0865", 2015]) and not pres.loc["GM0363", 2015]
    assert "GM0824" not in pres.index  # Oisterwijk got 28 % of Haaren, not its main part


def test_answers_followed_on_2025_territory():
    p = trends.panel({2014: ["GM0081", "GM0080"], 2015: ["GM0081"]})
    tables = {2014: pd.DataFrame({"gm_code": ["GM0081", "GM0080"], "has_teams": ["nee_gepland", "ja"]}),
              2015: pd.DataFrame({"gm_code": ["GM0081"], "has_teams": ["ja"]})}
    followed = trends.answers_on_2025(p, tables, "has_teams")
    # in 2014 Leeuwarden and Leeuwarderadeel both lie wholly in 2025 Leeuwarden: Leeuwarden's own answer is
    # followed; in 2015 only Leeuwarderadeel answered, so its answer stands for 2025 Leeuwarden
    assert followed[["gm_code_2025", "wave", "gm_code", "value"]].to_numpy().tolist() == [
        ["GM0080", 2014, "GM0080", "ja"], ["GM0080", 2015, "GM0081", "ja"]]
    tab = trends.transitions(followed, 2014, 2015)
    assert int(tab.loc["ja", "ja"]) == 1
    with pytest.raises(KeyError, match="no column 'n_teams'"):
        trends.answers_on_2025(p, tables, "n_teams")


def test_paired_change_is_mcnemar_exact_by_hand():
    # 16 municipalities in both waves: 5 ja/ja, 1 ja/nee, 7 nee/ja, 3 nee/nee
    pairs = [("ja", "ja")] * 5 + [("ja", "nee")] + [("nee", "ja")] * 7 + [("nee", "nee")] * 3
    rows = []
    for i, (x, y) in enumerate(pairs):
        rows += [{"gm_code_2025": f"GM{i:04d}", "wave": 2014, "value": x},
                 {"gm_code_2025": f"GM{i:04d}", "wave": 2015, "value": y}]
    rows.append({"gm_code_2025": "GM9999", "wave": 2015, "value": "ja"})  # only in 2015: not a pair
    out = trends.paired_change(pd.DataFrame(rows), 2014, 2015, "ja")
    assert (out["n_pairs"], out["from_only"], out["to_only"]) == (16, 1, 7)
    assert out["share_from"] == pytest.approx(100 * 6 / 16) and out["share_to"] == pytest.approx(100 * 12 / 16)
    # exact: two-sided binomial on the 8 discordant pairs, 2 * P(X <= 1 | 8, 1/2)
    assert out["p_value"] == pytest.approx(2 * (math.comb(8, 0) + math.comb(8, 1)) / 2**8)


def test_respondent_codes_from_a_parquet_table(tmp_path):
    f = tmp_path / "t.parquet"
    pd.DataFrame({"gm_code": ["GM0599", "GM0363"], "wave": [2015, 2015]}).to_parquet(f)
    assert trends.respondent_codes(f, 2015) == ["GM0363", "GM0599"]
    with pytest.raises(FileNotFoundError, match="not found"):
        trends.respondent_codes(tmp_path / "missing.csv", 2015)


def test_panel_withheld_on_synthetic_data(three_files):
    res = trends.build_trends(three_files, {2015: paths.synthetic_survey_file(2015)})
    assert res.synthetic == {2015: True} and res.any_synthetic
    assert res.panel is None and res.overlap is None and res.tables == {}
    assert set(res.register_panel["wave"]) == {2014, 2015}  # the invited municipalities are real CBS facts
    assert len(res.register_panel[res.register_panel["wave"] == 2015]["gm_code"].unique()) == 393
    assert any("2016" in n for n in res.notes)  # no register year for the invented wave: said, not guessed


def test_notebook_is_committed_clean_and_parameterised():
    nb = nbformat.read(str(paths.NOTEBOOKS / "04_trends_across_waves.ipynb"), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is None and c.outputs == [] for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert "published_dir = None" in params[0].source and "survey_paths = None" in params[0].source
    assert "SYNTHETISCHE" in nb.cells[0].source and "alleen de landelijke trends" in nb.cells[0].source
    src = "\n".join(c.source for c in code)
    assert "os.chdir" not in src and "read_csv" not in src and "open(" not in src


def test_cli_rejects_bad_survey_argument(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["trends", "--survey", "nonsense"])
    assert main(["trends", "--survey", f"2015={tmp_path / 'missing.csv'}", "--output-dir", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err


def test_trends_of_the_shipped_waves():
    """The three shipped published files, read through the project's loader from data/raw/published."""
    res = trends.build_trends(survey_paths={})
    assert res.waves == [2014, 2015, 2017]
    summary = trends.trend_summary_nl(res.trends).set_index("cijfer")["waarden"].to_dict()
    assert summary["Werkt met sociale (wijk)teams"] == "69 → 87 → 83 %"
    assert summary["Respons"] == "56 → 60 → 62 %"
    assert summary["Doelgroepgerichte teams"] == "14 → 23 %"
    assert summary["Werkt met sociale (wijk)teams (G32)"] == "93 → 96 %"
    tr = res.trends[res.trends["statistic"] == "percent"].set_index(["variable", "breakdown", "wave"])
    # the response rates are complete counts over the register of each wave: 224/403, 234/393, 242/388
    rr = tr.loc["response_rate"].loc["all"]
    assert rr["base_n"].tolist() == [403, 393, 388] and rr["k"].tolist() == [224, 234, 242]
    assert set(rr["base_source"]) == {"census"}
    # 2017 quotes 2014 (69 %, with base 224) and 2015: the own files' rows are used, the quotes listed
    assert tr.loc[("has_teams", "all", 2014), "quoted_in"] == "F2015-004;F2017-101"
    assert tr.loc[("team_type", "all", 2015), "quoted_in"] == "F2017-103"
    # target-group teams: the bases are not published; bounded by the municipalities with teams
    assert tr.loc[("team_type", "all", 2015), "base_n"] == 204 and tr.loc[("team_type", "all", 2017), "base_n"] == 202
    assert (tr.loc[("has_teams", "G32"), "base_source"] == "not_published").all()
    ch = res.changes.set_index(["variable", "breakdown", "wave_from"])
    assert ch.loc[("has_teams", "all", 2014), "p_value"] < 0.001  # 69 -> 87 %
    assert ch.loc[("has_teams", "all", 2015), "p_value"] > 0.05  # 87 -> 83 %: not distinguishable
    assert ch.loc[("has_teams", "all", 2015), "p_value_fpc"] < ch.loc[("has_teams", "all", 2015), "p_value"]
    assert ch.loc[("team_type", "all", 2015), "p_value"] == pytest.approx(0.0263, abs=5e-4)  # at the bounds
    assert "grootst mogelijke basis" in ch.loc[("team_type", "all", 2015), "note"]
    inv = res.inventory.set_index("variable")
    assert not inv.loc["explicitly_no_teams", "trend"] and not inv.loc["work_income_tasks", "trend"]
    s = trends.register_summary(res.register_panel).set_index("meting")
    assert s["gemeenten"].tolist() == [403, 393, 388] and set(s["gemeenten_2025"]) == {342}
    text = " ".join(trends.conclusions_nl(res.trends, res.changes))
    assert "69 % (2014) → 87 % (2015) → 83 % (2017)" in text
    assert ("−4,1 procentpunt (95 %-interval −10,5 tot 2,3). Over alle aantallen die de afgeronde percentages "
            "toelaten (2015: 203–204 van 234; 2017: 200–202 van 242)") in text
    assert "wel onderscheidbaar" not in text and "meegerekend zeker" not in text
    assert "Als volledige telling is dat een feit over de uitgenodigde gemeenten" in text


def test_trend_figures_caption_the_plotted_bases(tmp_path):
    res = trends.build_trends(survey_paths={})
    fig = trend_figures.plot_national_trends(res.trends)
    cap = figure_caption(fig)
    assert "Werkt met sociale (wijk)teams: 2014: 224, 2015: 234, 2017: 242" in cap
    assert "Respons: 2014: alle 403, 2015: alle 393, 2017: alle 388" in cap
    assert "Doelgroepgerichte teams: 2015: ≤ 204, 2017: ≤ 202" in cap and "Wilson 95 %" in cap
    assert "n = 202–403 gemeenten" in cap and plotted_base(fig) == [202, 204, 224, 234, 242, 388, 393, 403]
    assert find_defects(fig) == []
    # one panel per percentage trend; error bars only where a base is known (4 trends, G32 without)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == [
        "Werkt met sociale (wijk)teams (G32)", "Werkt met sociale (wijk)teams", "Respons", "Doelgroepgerichte teams"]
    assert len(axes[0].collections) == 0 and len(axes[1].collections) == 3
    html = img_html(fig, save_figure(fig, "x", tmp_path, formats=("png",))[0]).strip()
    assert html.startswith('<img src="data:image/png;base64,') and 'alt="Gepubliceerde landelijke' in html
    assert 'data-export="x.png"' in html
    ch = trend_figures.plot_changes(res.changes)
    assert "2014→2015: 224 en 234" in figure_caption(ch) and "2015→2017: ≤ 204 en ≤ 202" in figure_caption(ch)
    assert "blauw: onafhankelijke steekproeven; oranje: met eindige-populatiecorrectie" in figure_caption(ch)
    assert find_defects(ch) == []
    plt.close("all")


def test_trends_on_the_invented_wave(invented_wave):
    """``wijkteam trends`` on a project root with an invented wave 2016 added from files alone."""
    root, env = invented_wave["root"], invented_wave["env"]
    res = subprocess.run([sys.executable, "-m", "wijkteam_stats.cli", "trends"], env=env, cwd=root,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "waves:     2014, 2015, 2016, 2017" in res.stdout
    out = root / "outputs"
    html = (out / "html" / "04_trends_across_waves.html").read_text(encoding="utf-8")
    assert "69 → 87 → 80 → 83 %" in html and "Newcombe" in html
    assert "Er is geen gemeentelijk bestand opgegeven" in html  # no survey files in this root: no panel
    for name in ("trends_national", "trends_changes"):
        assert (out / "figures" / f"{name}.png").is_file() and (out / "figures" / f"{name}.svg").is_file()
    tr = pd.read_csv(out / "tables" / "trends" / "national_trends.csv")
    ht = tr[(tr["variable"] == "has_teams") & (tr["breakdown"] == "all") & (tr["statistic"] == "percent")]
    assert ht["wave"].tolist() == [2014, 2015, 2016, 2017] and ht["k"].tolist() == [154, 204, 48, 201]
    # the invented file quotes 2015 (F2016-101): the 2015 file's own row is used
    assert ht.loc[ht["wave"] == 2015, "quoted_in"].item() == "F2016-101;F2017-102"
    rr = tr[tr["variable"] == "response_rate"]
    assert rr.loc[rr["wave"] == 2016, ["base_n", "k"]].to_numpy().tolist() == [[390, 60]]  # 60 of 390 invited
    ch = pd.read_csv(out / "tables" / "trends" / "changes.csv")
    c = ch[(ch["variable"] == "has_teams") & (ch["breakdown"] == "all") & (ch["wave_from"] == 2015)]
    assert c["wave_to"].item() == 2016 and c["p_value"].item() == pytest.approx(
        trends.pooled_z_test(204, 234, 48, 60)[1])
    assert not (out / "tables" / "trends" / "respondent_overlap.csv").exists()


def test_panel_on_real_data_through_the_notebook(three_files, tmp_path):
    """Survey tables that are not synthetic (no marker, no sidecar): the panel, the overlap and the
    transitions are computed and shown; the tables are written."""
    t14 = tmp_path / "export_2014.parquet"
    t15 = tmp_path / "export_2015.parquet"
    pd.DataFrame({"gm_code": ["GM0081", "GM0865", "GM0363", "GM0788"],
                  "has_teams": ["ja", "nee_gepland", "ja", "ja"]}).to_parquet(t14)
    pd.DataFrame({"gm_code": ["GM0080", "GM0788", "GM0599", "GM0855"],
                  "has_teams": ["ja", "ja", "ja", "nee_gepland"]}).to_parquet(t15)
    res = trends.build_trends(three_files, {2014: t14, "2015": t15})
    assert res.synthetic == {2014: False, 2015: False} and not res.any_synthetic
    ov = res.overlap.iloc[0]
    assert (ov["respondents"], ov["also_previous_same_code"], ov["also_previous_2025"]) == (4, 1, 2)
    followed = trends.answers_on_2025(res.panel, res.tables, "has_teams")
    tab = trends.transitions(followed, 2014, 2015)
    # 2025 Leeuwarden (Leeuwarderadeel 2014: ja -> Leeuwarden 2015: ja), Vught (Vught 2014: nee_gepland ->
    # Haaren 2015, main link Vught: ja)
    assert int(tab.loc["ja", "ja"]) == 1 and int(tab.loc["nee_gepland", "ja"]) == 1 and int(tab.to_numpy().sum()) == 2
    paired = trends.paired_change(followed, 2014, 2015, "ja")
    assert (paired["n_pairs"], paired["from_only"], paired["to_only"]) == (2, 0, 1)
    assert paired["share_from"] == 50 and paired["share_to"] == 100
    assert paired["p_value"] == pytest.approx(1.0)  # exact McNemar: one discordant pair, 2 * 0.5 ** 1 capped at 1
    pres = trends.presence_table(res.panel).set_index("gm_code_2025")
    assert pres.loc["GM0865", ["name_2025", "wave_2014", "wave_2015", "n_waves"]].tolist() == ["Vught", True, True, 2]

    out = tmp_path / "out"
    # files without a record: the command refuses them unless told what they are (recorded in its outputs)
    assert main(["trends", "--published-dir", str(three_files), "--survey", f"2014={t14}",
                 "--survey", f"2015={t15}", "--output-dir", str(out)]) == 2
    assert main(["trends", "--published-dir", str(three_files), "--survey", f"2014={t14}",
                 "--survey", f"2015={t15}", "--output-dir", str(out), "--provenance", "real"]) == 0
    html = (out / "html" / "04_trends_across_waves.html").read_text(encoding="utf-8")
    assert "Deel van de respondenten dat ook de vorige meting invulde" in html
    assert "overgangen 2014 → 2015" in html and "Panel van respondenten niet getoond" not in html
    assert "McNemar" in html and "echte gegevens (volgens het herkomstrecord)" in html  # declared real: panel shown
    written = pd.read_csv(out / "tables" / "trends" / "respondent_overlap.csv")
    assert written[["also_previous_same_code", "also_previous_2025"]].to_numpy().tolist() == [[1, 2]]


def test_overlap_paired_component_shrinks_the_variance_hand_computed():
    # 50/100 -> 60/100, 40 municipalities in both waves, answers correlated 0.5:
    # p̄ = 0.55; Var = 0.55·0.45·(1/100 + 1/100 − 2·0.5·40/(100·100)) = 0.2475·0.016 = 0.00396
    # z = 0.10 / √0.00396 = 1.5891, p = 2(1 − Φ(1.5891)) = 0.1120; independent: z = 0.10/√0.00495 = 1.4213
    z, p = trends.overlap_z_test(50, 100, 60, 100, m=40, rho=0.5)
    assert z == pytest.approx(0.10 / math.sqrt(0.00396), rel=1e-9) and z == pytest.approx(1.5891, abs=1e-4)
    assert p == pytest.approx(0.1120, abs=1e-4)
    z0, p0 = trends.overlap_z_test(50, 100, 60, 100, m=0, rho=0.5)
    assert (z0, p0) == trends.pooled_z_test(50, 100, 60, 100) and z0 == pytest.approx(1.4213, abs=1e-4)
    # the right direction: more overlap or a stronger positive correlation -> smaller variance -> smaller p
    ps = [trends.overlap_z_test(50, 100, 60, 100, m, 0.5)[1] for m in (0, 20, 40, 80)]
    assert ps == sorted(ps, reverse=True) and ps[0] > ps[-1]
    assert trends.overlap_z_test(50, 100, 60, 100, 40, -0.3)[1] > p0  # a negative correlation widens it
    with pytest.raises(ValueError, match="overlap m=120"):
        trends.overlap_z_test(50, 100, 60, 100, m=120, rho=0.5)


def test_change_tests_use_the_overlap_without_weakening_the_verdict():
    pub = trends.all_published()
    tr = trends.national_trends(pub)
    ov = pd.DataFrame([{"wave_from": 2015, "wave_to": 2017, "percent": 70.0, "k_min": 169, "k_max": 170,
                        "n_to": 242, "finding_id": "X", "source": "published"}], columns=trends.OVERLAP_COLUMNS)
    def pick(df: pd.DataFrame, variable: str, breakdown: str, wave_from: int) -> pd.Series:
        sel = df[(df["variable"] == variable) & (df["breakdown"] == breakdown) & (df["wave_from"] == wave_from)]
        assert len(sel) == 1
        return sel.iloc[0]

    base, ch = trends.change_tests(tr), trends.change_tests(tr, overlap=ov)
    c, b = pick(ch, "has_teams", "all", 2015), pick(base, "has_teams", "all", 2015)
    assert (int(c["overlap_m_min"]), int(c["overlap_m_max"]), c["overlap_source"]) == (169, 170, "published")
    # rho unknown: range from full correlation (smaller p) to none (= the independent p range); verdict unchanged
    assert c["p_overlap_max"] == pytest.approx(b["p_raw_max"]) and c["p_overlap_min"] < b["p_raw_min"]
    ks1 = list(range(int(c["k_from_min"]), int(c["k_from_max"]) + 1))
    ks2 = list(range(int(c["k_to_min"]), int(c["k_to_max"]) + 1))
    lo = min(trends.overlap_z_test(k1, 234, k2, 242, m, 1.0)[1] for k1 in ks1 for k2 in ks2 for m in (169, 170))
    assert c["p_overlap_min"] == pytest.approx(lo)
    assert (c["verdict"], c["p_adj_max"]) == (b["verdict"], b["p_adj_max"]) and math.isnan(c["rho"])
    assert "Het oordeel gebruikt de voorzichtige kant" in trends.change_sentence_nl(c)
    assert "169 tot 170 gemeenten" in trends.change_sentence_nl(c)
    # other universes and other wave pairs get no paired component (their overlap is not known)
    assert pd.isna(pick(ch, "team_type", "all", 2015)["overlap_m_min"])
    assert pd.isna(pick(ch, "has_teams", "all", 2014)["overlap_m_min"])
    # a known correlation decides: the p range at that rho feeds Holm and the verdict, and is smaller
    key = ("has_teams", "works with sociale (wijk)teams", "all", 2015, 2017)
    kc = pick(trends.change_tests(tr, overlap=ov, correlation={key: 0.6}), "has_teams", "all", 2015)
    assert kc["rho"] == 0.6 and kc["p_raw_max"] < b["p_raw_max"] and kc["p_raw_min"] < b["p_raw_min"]
    assert kc["p_raw_max"] == pytest.approx(max(trends.overlap_z_test(k1, 234, k2, 242, m, 0.6)[1]
                                                for k1 in ks1 for k2 in ks2 for m in (169, 170)))
    assert "het oordeel rust daarop" in trends.change_sentence_nl(kc)
