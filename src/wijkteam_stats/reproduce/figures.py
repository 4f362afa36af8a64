"""The reproduction figures (Dutch labels, colour-blind palette, caption with n and interval method).

Each ``plot_*`` function returns a matplotlib Figure whose caption is drawn below the plot (so the PNG
and SVG carry it) and can be read back with :func:`figure_caption`. When the data is the synthetic
reconstruction (``synthetic=True``), the caption says so. :func:`reproduction_figures` builds all of
them, :func:`save_reproduction_figures` exports PNG (200 dpi) and SVG through
:func:`wijkteam_stats.reference.figures.save_figure`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from wijkteam_stats.reference.codebook import Codebook, load_codebook
from wijkteam_stats.reference.figures import (
    CAPTION_GID,
    PALETTE,
    add_caption,
    figure_caption,
    percent_nl,
    save_figure,
    set_plotted_base,
    setup_style,
)
from wijkteam_stats.reference.municipalities import register as load_register
from wijkteam_stats.reference.published import file_wave
from wijkteam_stats.reproduce.estimators import METHOD_NL, involvement_table, ranks, shares, universe_mask

#: Seed of the horizontal jitter of strip plots (a figure must not change between runs).
JITTER_SEED = 20160201

#: Fewer points than this in a group are shown as points only (a box of two values says nothing).
MIN_BOX_POINTS = 5
#: On synthetic data a group's values are drawn (box, mean, count) only over at least this many
#: municipalities: a smaller group would let a reader read off named municipalities' invented answers.
MIN_GROUP_SYNTHETIC = 10


def _published_by_column(published: pd.DataFrame, cb: Codebook, wave: int, statistic: str,
                         breakdowns: tuple[str, ...] = ("all", "rank")) -> dict[str, float]:
    """Published values of ``statistic`` in wave ``wave`` keyed by the tidy column they are about."""
    out: dict[str, float] = {}
    for r in published.itertuples(index=False):
        if int(r.wave) != wave or r.statistic != statistic or pd.isna(r.value):
            continue
        try:
            ind = cb.indicator(r.variable, r.category, r.breakdown)
        except KeyError:
            continue
        grid = cb.variable(ind.variable).type == "grid"
        if r.breakdown in breakdowns or grid:
            out.setdefault(ind.column if ind.equals is None else f"{ind.column}=={ind.equals}", float(r.value))
    return out


def _two_lines(label: str, width: int = 14) -> str:
    """'Meedoen (maken deel uit van het team)' -> 'Meedoen' over a wrapped parenthetical (both wrapped)."""
    head, sep, rest = label.partition(" (")
    head = textwrap.fill(head, width, break_on_hyphens=False)
    return head if not sep else head + "\n" + textwrap.fill("(" + rest, width, break_on_hyphens=False)


# --------------------------------------------------------------------------- figures


def plot_involvement(inv: pd.DataFrame, synthetic: bool = False,
                     published: dict[str, float] | None = None) -> plt.Figure:
    """Heatmap of resident involvement (group × form, % with Wilson interval) from :func:`involvement_table`.

    On synthetic data with ``published`` (column -> published value) a cell Movisie did not publish is left
    empty ("niet gepubl."): the reconstruction's value there is invented, not a national finding."""
    setup_style()
    hidden: list[str] = []
    if synthetic and published is not None:
        cols = "involvement__" + inv["group"].astype(str) + "__" + inv["form"].astype(str)
        unpublished = ~cols.isin(list(published)).to_numpy()
        inv = inv.copy()
        inv.loc[unpublished, ["percent", "ci_low", "ci_high"]] = np.nan
        hidden = list(dict.fromkeys(inv.loc[unpublished, "group_label"]))
    groups = list(dict.fromkeys(inv["group_label"]))
    forms = list(dict.fromkeys(inv["form_label"]))
    pct = inv.pivot(index="group_label", columns="form_label", values="percent").loc[groups, forms]
    lo = inv.pivot(index="group_label", columns="form_label", values="ci_low").loc[groups, forms]
    hi = inv.pivot(index="group_label", columns="form_label", values="ci_high").loc[groups, forms]
    ns = inv.groupby("group_label", sort=False)["n"].max()
    annot = pct.copy().astype(object)
    for g in groups:
        for f in forms:
            p = pct.loc[g, f]
            annot.loc[g, f] = ("niet\ngepubl." if hidden else "–") if pd.isna(p) else (
                f"{percent_nl(p)}\n({lo.loc[g, f]:.0f}–{hi.loc[g, f]:.0f})")
    fig, ax = plt.subplots(figsize=(11, 5.4))
    sns.heatmap(pct.astype(float), annot=annot.to_numpy(), fmt="", cmap="cividis", vmin=0, vmax=100, ax=ax,
                cbar_kws={"label": "% van de gemeenten met wijkteams"}, linewidths=0.5, linecolor="white",
                annot_kws={"fontsize": 8.5})
    ax.set_yticklabels([f"{g} (n = {int(ns[g])})" for g in groups], rotation=0)
    ax.set_xticklabels([_two_lines(f) for f in forms], rotation=0, fontsize=8.5)
    ax.set_xlabel("Vorm van betrokkenheid")
    ax.set_ylabel("")
    ax.set_title("Betrokkenheid van bewoners bij het sociale (wijk)team")
    fig.tight_layout()
    set_plotted_base(fig, ns.to_numpy())
    text = ("Percentage gemeenten met wijkteams dat de vorm aankruiste, per groep (n: de gemeenten met wijkteams "
            "die de groep beantwoordden); tussen haakjes het 95 %-interval. 'Geen betrokkenheid' sluit de andere "
            "vormen uit; de overige vormen kunnen samen voorkomen"
            + (f". Leeg: niet gepubliceerd door Movisie ({', '.join(hidden)}); de reconstructie verzint daar "
               "geen landelijk cijfer" if hidden else ""))
    return add_caption(fig, text, method=METHOD_NL, synthetic=synthetic)


def _share_bars(tab: pd.DataFrame, published: dict[str, float], title: str, xlabel: str,
                rank_labels: dict[str, str] | None = None, bar_label: str = "Gereproduceerd") -> plt.Figure:
    tab = tab.sort_values("percent", ascending=True, kind="stable")
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(tab) + 1.6))
    y = np.arange(len(tab))
    ax.barh(y, tab["percent"], color=PALETTE[0], alpha=0.85, label=bar_label)
    ax.errorbar(tab["percent"], y, xerr=[tab["percent"] - tab["ci_low"], tab["ci_high"] - tab["percent"]],
                fmt="none", ecolor="#333333", capsize=3, lw=1, label="95 %-interval (Wilson)")
    pub = [published.get(c, np.nan) for c in tab["column"]]
    if any(not np.isnan(p) for p in pub):
        ax.scatter(pub, y, marker="D", s=36, color=PALETTE[1], zorder=3, label="Gepubliceerd")
    labels = list(tab["label"])
    if rank_labels:
        labels = [f"{lab} — {rank_labels.get(c, '')}".rstrip(" —") for lab, c in zip(labels, tab["column"], strict=True)]
    ax.set_yticks(y, [textwrap.fill(s, 48) for s in labels], fontsize=9)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}".replace(".", ",")))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    fig.tight_layout()
    return fig


def _option_shares_with_teams(tidy: pd.DataFrame, published: pd.DataFrame, variable: str,
                              codebook: Codebook | None, wave: int | None) -> tuple[Codebook, int, pd.DataFrame]:
    """Shares (Wilson) of each option of a multi-select ``variable`` among municipalities with teams."""
    cb = codebook or load_codebook()
    wave = wave or file_wave(published)
    v = cb.variable(variable)
    pop = tidy.loc[universe_mask(tidy, "with_teams", cb).to_numpy()]
    return cb, wave, shares(pop, v.columns(), labels={f"{v.name}__{o.code}": o.label for o in v.options})


def plot_composition(tidy: pd.DataFrame, published: pd.DataFrame, synthetic: bool = False,
                     codebook: Codebook | None = None, wave: int | None = None) -> plt.Figure:
    """Team composition: share of municipalities with teams per discipline, Wilson interval, published value."""
    cb, wave, tab = _option_shares_with_teams(tidy, published, "discipline", codebook, wave)
    pub = _published_by_column(published, cb, wave, "percent")
    left_out: list[str] = []
    if synthetic:  # an unpublished share of the reconstruction is invented: not drawn as a national finding
        keep = tab["column"].isin(list(pub)).to_numpy()
        left_out = tab.loc[~keep, "label"].tolist()
        tab = tab.loc[keep]
    setup_style()
    fig = _share_bars(tab, pub, "Samenstelling van de sociale (wijk)teams", "% van de gemeenten met wijkteams",
                      bar_label="Gereproduceerd (synthetisch)" if synthetic else "Gereproduceerd")
    set_plotted_base(fig, tab["n"].to_numpy())
    text = ("Aandeel gemeenten met wijkteams waarin de discipline in het team vertegenwoordigd is "
            "(n: gemeenten met wijkteams en een antwoord); ruit = gepubliceerd percentage"
            + (f". Niet getoond, want niet gepubliceerd: {', '.join(left_out)}" if left_out else ""))
    return add_caption(fig, text, method=METHOD_NL, synthetic=synthetic)


def plot_goals(tidy: pd.DataFrame, published: pd.DataFrame, synthetic: bool = False,
               codebook: Codebook | None = None, wave: int | None = None) -> plt.Figure:
    """Goals ranking: share naming each goal with Wilson interval, reproduced and published rank."""
    cb, wave, tab = _option_shares_with_teams(tidy, published, "goal", codebook, wave)
    r = ranks(tab.set_index("column")["percent"])
    pub_rank = _published_by_column(published, cb, wave, "rank")
    if synthetic:
        return _published_ranks(tab, pub_rank)
    rank_labels = {c: f"rang {int(r[c])}" + (f" (gepubl. {int(pub_rank[c])})" if c in pub_rank else "")
                   for c in tab["column"]}
    setup_style()
    fig = _share_bars(tab, {}, "Belangrijkste doelstellingen van de sociale (wijk)teams",
                      "% van de gemeenten met wijkteams dat het doel noemt", rank_labels)
    set_plotted_base(fig, tab["n"].to_numpy())
    text = ("Aandeel gemeenten met wijkteams dat het doel noemt, met de gereproduceerde rang (gelijke aandelen "
            "delen de rang) en tussen haakjes de gepubliceerde rang (n: gemeenten met wijkteams en een antwoord)")
    return add_caption(fig, text, method=METHOD_NL, synthetic=synthetic)


def _published_ranks(tab: pd.DataFrame, pub_rank: dict[str, float]) -> plt.Figure:
    """The goals as Movisie ranked them (synthetic data: the reconstruction's shares are invented, so only the
    published ranks are drawn; goals without a published rank are named in the caption)."""
    setup_style()
    shown = tab[tab["column"].isin(list(pub_rank))].assign(rank=lambda d: d["column"].map(pub_rank))
    shown = shown.sort_values(["rank", "label"], ascending=[False, True], kind="stable")
    left_out = tab.loc[~tab["column"].isin(list(pub_rank)), "label"].tolist()
    fig, ax = plt.subplots(figsize=(8.5, 0.5 * max(len(shown), 1) + 1.8))
    y = np.arange(len(shown))
    ax.scatter(shown["rank"], y, marker="D", s=60, color=PALETTE[1], zorder=3, label="Gepubliceerde rang")
    ax.set_yticks(y, [textwrap.fill(str(x), 48) for x in shown["label"]], fontsize=9)
    top = int(max(shown["rank"].max() if len(shown) else 1, 1))
    ax.set_xticks(range(1, top + 1), [str(i) for i in range(1, top + 1)])
    ax.set_xlim(top + 0.5, 0.5)  # rank 1 on the right: the most named goal
    ax.set_ylim(-0.7, len(shown) - 0.3)
    ax.set_xlabel("Rang in de publicatie (1 = het vaakst genoemd)")
    ax.set_title("Belangrijkste doelstellingen van de sociale (wijk)teams (gepubliceerde rangorde)")
    ax.legend(loc="lower left", fontsize=8, frameon=True)
    fig.tight_layout()
    set_plotted_base(fig, tab["n"].to_numpy())
    text = ("Rangorde van de doelen zoals Movisie die publiceerde (gelijke rang: even vaak genoemd); "
            "percentages zijn niet gepubliceerd en worden daarom niet getoond"
            + (f". Zonder gepubliceerde rang: {', '.join(left_out)}" if left_out else ""))
    return add_caption(fig, text, method="geen (gepubliceerde rangorde)", synthetic=True)


def plot_teams_per_municipality(tidy: pd.DataFrame, published: pd.DataFrame, synthetic: bool = False,
                                register: pd.DataFrame | None = None, codebook: Codebook | None = None,
                                wave: int | None = None) -> plt.Figure:
    """Teams per municipality with teams, G4 / G32 / other municipalities, with group means and published means."""
    cb = codebook or load_codebook()
    wave = wave or file_wave(published)
    reg = register if register is not None else load_register(cb.register_year(wave))
    df = tidy.merge(reg[["gm_code", "g4", "g32", "name"]], on="gm_code", how="left", validate="1:1")
    df["groep"] = np.where(df["g4"].fillna(False), "G4", np.where(df["g32"].fillna(False), "G32",
                                                                    "Overige gemeenten"))
    order = ["G4", "G32", "Overige gemeenten"]
    teams = df[df["has_teams"].eq("ja").fillna(False).to_numpy(dtype=bool) & df["n_teams"].notna().to_numpy()]
    teams = teams.assign(n_teams=teams["n_teams"].astype(float))
    setup_style()
    fig, ax = plt.subplots(figsize=(8.5, 5))
    data = [teams.loc[teams["groep"] == g, "n_teams"].to_numpy() for g in order]
    members = reg.assign(groep=np.where(reg["g4"].fillna(False), "G4", np.where(
        reg["g32"].fillna(False), "G32", "Overige gemeenten")))["groep"].value_counts()  # register, not survey
    # synthetic data: nothing of a group of fewer than MIN_GROUP_SYNTHETIC municipalities (the G4), no single
    # municipality's point; only published values of named municipalities (Rotterdam's 42) are marked
    small_groups = {g for g in order if synthetic and int(members.get(g, 0)) < MIN_GROUP_SYNTHETIC}
    if synthetic:
        data = [d if g not in small_groups else d[:0] for g, d in zip(order, data, strict=True)]
    boxed = [i for i, d in enumerate(data) if len(d) >= MIN_BOX_POINTS]  # a box of fewer values says nothing
    if boxed:
        ax.boxplot([data[i] for i in boxed], positions=boxed, widths=0.5, showfliers=False, patch_artist=True,
                   boxprops={"facecolor": "#EEEEEE", "edgecolor": "#777777"}, medianprops={"color": "#777777"},
                   whiskerprops={"color": "#777777"}, capprops={"color": "#777777"})
    rng = np.random.default_rng(JITTER_SEED)  # seeded jitter: the same figure on every run
    for i, d in enumerate(data):
        if synthetic:
            break
        ax.scatter(i + rng.uniform(-0.25, 0.25, len(d)), d, s=16, color=PALETTE[i], alpha=0.7, linewidths=0,
                   zorder=3)
    means = df.assign(n=df["n_teams"].astype("Float64").fillna(0)).groupby("groep")["n"].mean()
    for i, g in enumerate(order):
        if g in means.index and g not in small_groups:
            ax.scatter([i], [float(means[g])], marker="_", s=900, color="#000000", zorder=4,
                       label="Gemiddelde (alle respondenten)" if i == 0 else None)
    pub = published[(published["wave"] == wave) & (published["variable"] == "n_teams")
                    & (published["statistic"] == "mean")]
    for row in pub.itertuples(index=False):
        if row.breakdown in order:
            ax.scatter([order.index(row.breakdown)], [row.value], marker="D", s=40, color=PALETTE[1], zorder=5,
                       label="Gepubliceerd gemiddelde")
        elif row.breakdown == "all":
            ax.axhline(row.value, color=PALETTE[1], ls="--", lw=1, label=f"Gepubliceerd gemiddelde (alle): {row.value:g}")
    if synthetic:  # published counts of named municipalities (e.g. Rotterdam's 42), labelled as published
        groups = reg.assign(groep=np.where(reg["g4"].fillna(False), "G4", np.where(
            reg["g32"].fillna(False), "G32", "Overige gemeenten"))).set_index("gm_code")
        own = published[(published["wave"] == wave) & (published["variable"] == "n_teams")
                        & (published["statistic"] == "count")
                        & published["breakdown"].astype(str).isin(list(groups.index))]
        top_rows = [(str(groups.loc[r.breakdown, "name"]), str(groups.loc[r.breakdown, "groep"]), float(r.value))
                    for r in own.itertuples(index=False)]
        label = "{name}: {value:g} (gepubliceerd)"
    else:
        top = teams.sort_values("n_teams", ascending=False, kind="stable").head(1)
        top_rows = [(str(r.name), str(r.groep), float(r.n_teams)) for r in top.itertuples(index=False)]
        label = "{name}: {value:g}"
    for name, groep, value in top_rows:
        if synthetic:
            ax.scatter([order.index(groep)], [value], marker="*", s=120, color=PALETTE[5], zorder=5)
        ax.annotate(label.format(name=name, value=value), (order.index(groep), value),
                    xytext=(14, 0), textcoords="offset points", fontsize=8.5, ha="left", va="center",
                    arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.8})
    top_value = max([float(teams["n_teams"].max()) if len(teams) else 0.0] + [v for _n, _g, v in top_rows])
    if len(teams) and teams["n_teams"].min() >= 1 and top_value >= 15:
        ax.set_yscale("log")
        ticks = [t for t in (1, 2, 3, 5, 10, 20, 50, 100) if t <= top_value * 1.2]
        ax.set_yticks(ticks, [str(t) for t in ticks])
        ax.minorticks_off()
    counts = teams["groep"].value_counts()
    resp = df["groep"].value_counts()
    ax.set_xticks(range(len(order)), [f"{g}\n(alleen gepubliceerd)" if g in small_groups else
                                      f"{g}\n(n = {int(counts.get(g, 0))} met teams, "
                                      f"{int(resp.get(g, 0))} resp.)" for g in order], fontsize=9)
    ax.set_xlabel("")
    ax.set_ylabel("Aantal sociale (wijk)teams" + (" (logaritmische schaal)" if ax.get_yscale() == "log" else ""))
    ax.set_title("Aantal wijkteams per gemeente: G4, G32 en overige gemeenten")
    ax.set_xlim(-0.5, len(order) - 0.5)
    handles, labels = ax.get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=True))
    mean_label = "Gemiddelde (alle respondenten)"
    if mean_label in uniq:  # the 900-pt bar marker would run into the legend text
        uniq[mean_label] = Line2D([], [], color="#000000", lw=2)
    ax.legend(uniq.values(), uniq.keys(), fontsize=8, loc="upper right")
    fig.tight_layout()
    set_plotted_base(fig, int(sum(len(d) for d in data)) if synthetic else len(teams))
    small = [g for g, d in zip(order, data, strict=True) if 0 < len(d) < MIN_BOX_POINTS]
    if synthetic:
        text = ("Aantal teams per gemeente met wijkteams (doos: mediaan en kwartielen; geen punten per gemeente, "
                "want de antwoorden per gemeente zijn verzonnen)"
                + (f"; van de {' en '.join(sorted(small_groups))} (minder dan {MIN_GROUP_SYNTHETIC} gemeenten) "
                   "alleen gepubliceerde aantallen (ster)" if small_groups else "")
                + ". Streep: gemiddelde over alle responderende gemeenten van de groep (zonder wijkteams = 0), "
                "zoals de scorekaart rekent. G32 = de leden van het G32-netwerk op 1 januari zonder de G4 "
                "(aanname D4)")
    else:
        text = ("Aantal teams per gemeente met wijkteams (punten"
                + (f"; een doos met mediaan en kwartielen alleen bij minstens {MIN_BOX_POINTS} gemeenten, dus niet "
                   f"voor {' en '.join(small)}" if small else "; doos: mediaan en kwartielen")
                + "). Streep: gemiddelde over alle responderende gemeenten van de groep (zonder wijkteams = 0), "
                "zoals de scorekaart rekent. G32 = de leden van het G32-netwerk op 1 januari zonder de G4 (aanname D4)")
    return add_caption(fig, text, method="geen (aantallen en gemiddelden, geen steekproefschatting)",
                       synthetic=synthetic)


def trend_table(scorecard: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Reference rows of another wave paired with the same figure in the file's wave (for the trend figure).

    Columns: pair (description), wave, published_value, reproduced_value, ci_low, ci_high, finding_id.
    """
    wave = file_wave(published)
    key = ["variable", "category", "breakdown", "statistic"]
    sc = scorecard.set_index("finding_id")
    rows = []
    for ref in published[published["wave"] != wave].itertuples(index=False):
        same = published[(published["wave"] == wave)
                         & np.logical_and.reduce([published[k] == getattr(ref, k) for k in key])]
        if same.empty:
            continue
        cur = same.iloc[0]
        desc = str(sc.loc[cur["finding_id"], "description"])
        for fid, w in ((ref.finding_id, int(ref.wave)), (cur["finding_id"], wave)):
            s = sc.loc[fid]
            rows.append({"pair": desc, "wave": w, "finding_id": fid, "published_value": s["published_value"],
                         "reproduced_value": s["reproduced_value"], "ci_low": s["ci_low"], "ci_high": s["ci_high"],
                         "n": s["base_n_reproduced"]})
    return pd.DataFrame(rows, columns=["pair", "wave", "finding_id", "published_value", "reproduced_value",
                                       "ci_low", "ci_high", "n"])


def plot_trend(scorecard: pd.DataFrame, published: pd.DataFrame, synthetic: bool = False) -> plt.Figure:
    """Published values of the reference wave and the file's wave, with the reproduced value and its interval."""
    tab = trend_table(scorecard, published)
    setup_style()
    n_pairs = tab["pair"].nunique() if not tab.empty else 0
    fig, ax = plt.subplots(figsize=(7.5, 4.8 + 0.35 * n_pairs))
    if tab.empty:
        ax.text(0.5, 0.5, "Geen referentiecijfers van een andere meting", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return add_caption(fig, "Geen trend beschikbaar", synthetic=synthetic)
    waves = sorted(tab["wave"].unique())
    for i, (pair, t) in enumerate(tab.groupby("pair", sort=False)):
        col = PALETTE[i % len(PALETTE)]
        # one point per wave: a figure quoted again in a later wave is the same published number
        t = t.sort_values("wave").drop_duplicates("wave")
        ax.plot(t["wave"], t["published_value"], marker="o", color=col, lw=2,
                label=f"Gepubliceerd: {textwrap.shorten(pair, 70)}")
        for row in t.itertuples(index=False):
            ax.annotate(percent_nl(row.published_value), (row.wave, row.published_value), xytext=(-30, 6),
                        textcoords="offset points", fontsize=9)
        rep = t[t["reproduced_value"].notna()]
        if not rep.empty:
            ax.errorbar(rep["wave"] + 0.04, rep["reproduced_value"],
                        yerr=[rep["reproduced_value"] - rep["ci_low"], rep["ci_high"] - rep["reproduced_value"]],
                        fmt="s", color=col, mfc="white", capsize=4,
                        label="Gereproduceerd met 95 %-interval (Wilson), open vierkant" if i == 0 else None)
    ax.set_xticks(waves, [str(w) for w in waves])
    ax.set_xlim(min(waves) - 0.5, max(waves) + 0.5)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Percentage")
    ax.set_xlabel("Meting")
    ax.set_title("Ontwikkeling ten opzichte van de vorige meting")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    fig.tight_layout()
    n = tab.loc[tab["reproduced_value"].notna(), "n"].dropna()
    if len(n):
        set_plotted_base(fig, n.astype(int).to_numpy())
    ref_w = ", ".join(str(w) for w in waves[:-1])
    text = (f"Gepubliceerde percentages per meting; meting {ref_w} is alleen als referentie gepubliceerd en wordt "
            f"niet gereproduceerd. Meting {waves[-1]} gereproduceerd met interval")
    return add_caption(fig, text, method=METHOD_NL, synthetic=synthetic)


# --------------------------------------------------------------------------- all together


def reproduction_figures(tidy: pd.DataFrame, published: pd.DataFrame, scorecard: pd.DataFrame,
                         synthetic: bool = False, register: pd.DataFrame | None = None,
                         codebook: Codebook | None = None) -> dict[str, plt.Figure]:
    """The reproduction figures a wave's data supports, keyed by export name (``reproductie_<onderwerp>_<wave>``):
    involvement, composition, teams per municipality and goals where the wave asked those questions; the
    trend figure always."""
    wave = file_wave(published)
    cb = (codebook or load_codebook()).for_wave(wave)
    ref = sorted(int(w) for w in published["wave"].unique() if int(w) != wave)
    trend_name = f"reproductie_trend_{'_'.join(str(w) for w in ref)}_{wave}" if ref else f"reproductie_trend_{wave}"

    def has(variable: str) -> bool:
        """The wave asked the question and the table holds its columns (each wave gets what its data supports)."""
        try:
            v = cb.variable(variable)
        except KeyError:
            return False
        return all(c in tidy.columns for c in v.columns())

    grid = next((v.name for v in cb.variables if v.type == "grid"), None)
    figs: dict[str, plt.Figure] = {}
    if grid is not None and has(grid):
        figs[f"reproductie_betrokkenheid_{wave}"] = plot_involvement(
            involvement_table(tidy, cb), synthetic, _published_by_column(published, cb, wave, "percent"))
    if has("discipline"):
        figs[f"reproductie_samenstelling_{wave}"] = plot_composition(tidy, published, synthetic, cb, wave)
    if has("n_teams"):
        figs[f"reproductie_teams_per_gemeente_{wave}"] = plot_teams_per_municipality(tidy, published, synthetic,
                                                                                     register, cb, wave)
    if has("goal"):
        figs[f"reproductie_doelen_{wave}"] = plot_goals(tidy, published, synthetic, cb, wave)
    figs[trend_name] = plot_trend(scorecard, published, synthetic)
    return figs


def alt_text(fig: plt.Figure) -> str:
    """What the figure shows, for an ``<img alt>``: its title(s) and the first sentence of its caption."""
    titles = [t for t in [fig._suptitle.get_text() if fig._suptitle else ""]
              + [ax.get_title() for ax in fig.axes] if t]
    cap = (figure_caption(fig) or "").split(". ")[0].strip().rstrip(".")
    head = titles[0] if titles else "Figuur"
    return f"{head}: {cap}." if cap and cap != head else f"{head}."


def display_png(fig: plt.Figure, dpi: int = 100, colors: int = 96) -> bytes:
    """The figure as a small palette PNG for a page (no metadata, deterministic); the 200 dpi PNG and the SVG
    stay the downloadable exports."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True)
    return out.getvalue()


def display_figure(fig: plt.Figure, name: str, width: int = 820) -> None:
    """Show a figure on a page: a small PNG with alt text saying what it shows, then its caption."""
    from IPython.display import Image, Markdown, display

    display(Image(data=display_png(fig), format="png"), metadata={"image/png": {"width": width, "alt": alt_text(fig)}})
    text = figure_caption(fig)
    if text:
        display(Markdown(f"*Figuur `{name}`.* {text}"))


def save_reproduction_figures(figures: dict[str, plt.Figure], output_dir: str | Path | None = None
                              ) -> dict[str, list[Path]]:
    """Export each figure as PNG (200 dpi) and SVG into ``output_dir`` (default ``outputs/figures``)."""
    return {name: save_figure(fig, name, output_dir) for name, fig in figures.items()}


__all__ = [  # figure_caption and CAPTION_GID are re-exported for the notebook and older callers
    "CAPTION_GID", "JITTER_SEED", "MIN_BOX_POINTS", "MIN_GROUP_SYNTHETIC", "alt_text", "display_figure",
    "display_png", "figure_caption", "plot_composition", "plot_goals",
    "plot_involvement", "plot_teams_per_municipality", "plot_trend", "reproduction_figures",
    "save_reproduction_figures", "trend_table",
]
