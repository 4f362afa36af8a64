"""Figures of the trends across waves (Dutch labels, colour-blind palette, caption with n and method).

Both figures show *published* national figures (real, not the synthetic reconstruction): the trend of each
percentage with its Wilson interval, and the change between consecutive waves with its Newcombe interval.
The caption is drawn below the plot (PNG and SVG carry it) and read back with
:func:`wijkteam_stats.reproduce.figures.figure_caption`.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from wijkteam_stats.reference.figures import (
    PALETTE,
    add_caption,
    colour_name,
    percent_nl,
    set_plotted_base,
    setup_style,
)
from wijkteam_stats.reproduce.trends import KEY, p_range_nl, trend_label_nl

#: Marker per base source: filled = published or census base, open = largest possible base, cross = none.
MARKERS = {"published": "o", "census": "s", "upper_bound": "o", "not_published": "X"}


def _nl(x: float, decimals: int = 1) -> str:
    return f"{x:.{decimals}f}".replace(".", ",").replace("-", "−")


def _p_nl(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {_nl(p, 3)}"


def _n_nl(n: object, source: str) -> str:
    return f"{'≤ ' if source == 'upper_bound' else ''}{int(n)}"


def _base_text(g: pd.DataFrame) -> str:
    parts = []
    for r in g.itertuples(index=False):
        if r.base_source == "published":
            parts.append(f"{r.wave}: {int(r.base_n)}")
        elif r.base_source == "census":
            parts.append(f"{r.wave}: alle {int(r.base_n)}")
        elif r.base_source == "upper_bound":
            parts.append(f"{r.wave}: ≤ {int(r.base_n)}")
        else:
            parts.append(f"{r.wave}: onbekend")
    return ", ".join(parts)


def _known_bases(rows: pd.DataFrame, column: str = "base_n") -> list[int]:
    return sorted({int(v) for v in rows[column].dropna()})


def plot_national_trends(trends: pd.DataFrame) -> plt.Figure:
    """One panel per percentage published for more than one wave: value per wave with its Wilson interval."""
    setup_style()
    pct = trends[trends["statistic"] == "percent"]
    groups = [g.sort_values("wave") for _, g in pct.groupby(KEY, sort=True)]
    if not groups:
        raise ValueError("no percentage is published for more than one wave: nothing to plot")
    ncols = min(2, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows), squeeze=False)
    all_waves = sorted(set(pct["wave"]))
    parts = []
    for i, (ax, g) in enumerate(zip(axes.flat, groups, strict=False)):
        colour = PALETTE[i % len(PALETTE)]
        label = trend_label_nl(g.iloc[0])
        ax.plot(g["wave"], g["value"], color=colour, linewidth=1.5, zorder=2)
        for r in g.itertuples(index=False):
            filled = r.base_source in ("published", "census")
            if not math.isnan(r.ci_low):
                bars = ax.errorbar([r.wave], [r.percent], yerr=[[r.percent - r.ci_low], [r.ci_high - r.percent]],
                                   fmt="none", ecolor=colour, elinewidth=1.3, capsize=4, zorder=3)
                if not filled:
                    for line in bars[2]:
                        line.set_linestyle("--")
            ax.plot([r.wave], [r.value], marker=MARKERS.get(r.base_source, "o"), markersize=8, zorder=4,
                    color=colour, markerfacecolor=colour if filled else "white", markeredgewidth=1.6)
            ax.annotate(percent_nl(r.value), (r.wave, r.value), xytext=(8, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=9)
        ax.set_title(textwrap.fill(label, 40), fontsize=11)
        ax.set_xticks(all_waves)
        ax.set_xticklabels([str(w) for w in all_waves])
        ax.set_xlim(min(all_waves) - 0.5, max(all_waves) + 0.9)
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0f} %"))
        ax.set_xlabel("meting")
        ax.set_ylabel("percentage")
        parts.append(f"{label}: {_base_text(g)}")
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    fig.suptitle("Landelijke trends in de gepubliceerde cijfers", fontweight="bold")
    fig.tight_layout()
    bases = _known_bases(pct[pct["base_source"] != "not_published"])
    if bases:
        set_plotted_base(fig, bases)
    add_caption(fig, "Gepubliceerde landelijke percentages per meting (echte gepubliceerde cijfers van Movisie). "
                "Basis (gemeenten) per cijfer en meting: " + "; ".join(parts) + ". Volle symbolen: gepubliceerde "
                "basis of alle uitgenodigde gemeenten. Open symbool met gestippeld interval: basis niet gepubliceerd, "
                "interval bij de grootst mogelijke basis (het smalst mogelijke). Kruis: basis niet gepubliceerd, geen "
                "interval", method="Wilson 95 % uit de gepubliceerde basis", wrap=_wrap(fig))
    return fig


def _wrap(fig: plt.Figure) -> int:
    """Caption characters per line for the figure's width (8.5 pt text)."""
    return max(60, int(fig.get_figwidth() * 12.5))


def plot_changes(changes: pd.DataFrame) -> plt.Figure:
    """The change between consecutive waves of each percentage, in percentage points, with its Newcombe
    95 % interval (and the interval with finite-population correction where it applies)."""
    setup_style()
    rows = changes.reset_index(drop=True)
    if rows.empty:
        raise ValueError("no change between waves to plot")
    labels = [f"{trend_label_nl(r)}\n{int(r['wave_from'])} → {int(r['wave_to'])}" for _, r in rows.iterrows()]
    fig, ax = plt.subplots(figsize=(9, 0.75 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    tested = 0
    for yi, (_, r) in zip(y, rows.iterrows(), strict=True):
        if math.isnan(r["diff_low"]):
            ax.plot([r["diff_pp"]], [yi], marker="X", color=PALETTE[7], markersize=8, linestyle="none")
            ax.annotate("geen toets: basis niet gepubliceerd", (r["diff_pp"], yi), xytext=(8, 0),
                        textcoords="offset points", va="center", fontsize=8.5)
            continue
        tested += 1
        bound = "upper_bound" in (r["base_source_from"], r["base_source_to"])
        ax.plot([r["diff_low"], r["diff_high"]], [yi, yi], color=PALETTE[0], linewidth=2.2,
                linestyle="--" if bound else "-")
        if not math.isnan(r["diff_low_fpc"]):
            ax.plot([r["diff_low_fpc"], r["diff_high_fpc"]], [yi - 0.18, yi - 0.18], color=PALETTE[1],
                    linewidth=2.2)
        ax.plot([r["diff_pp"]], [yi], marker="o", color=PALETTE[0], markersize=7,
                markerfacecolor="white" if bound else PALETTE[0])
        holm = (f"; Holm {p_range_nl(r['p_adj_min'], r['p_adj_max'])}"
                if "p_adj_min" in r and not math.isnan(r["p_adj_min"]) else "")
        p_text = (f"p {p_range_nl(r['p_raw_min'], r['p_raw_max'])}" if "p_raw_min" in r
                  and not math.isnan(r["p_raw_min"]) else _p_nl(r["p_value"]))
        ax.annotate(f"{_nl(r['diff_pp'])} pp ({p_text}{holm})", (r["diff_high"], yi), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8.5)
    ax.axvline(0, color="#555555", linewidth=1)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=9)
    ax.set_xlabel("verschil met de vorige meting (procentpunten)")
    lo = np.nanmin(np.r_[rows["diff_low"].to_numpy(float), rows["diff_pp"].to_numpy(float), 0.0])
    hi = np.nanmax(np.r_[rows["diff_high"].to_numpy(float), rows["diff_pp"].to_numpy(float), 0.0])
    ax.set_xlim(lo - 3, hi + 14)
    ax.set_ylim(-0.7, len(rows) - 0.4)
    ax.set_title("Verandering tussen opeenvolgende metingen", fontweight="bold")
    fig.tight_layout()
    bases = "; ".join(
        f"{trend_label_nl(r)} {int(r['wave_from'])}→{int(r['wave_to'])}: "
        + (f"{_n_nl(r['n_from'], r['base_source_from'])} en {_n_nl(r['n_to'], r['base_source_to'])}"
           if pd.notna(r["n_from"]) and pd.notna(r["n_to"]) else "basis niet gepubliceerd")
        for _, r in rows.iterrows())
    done = rows[rows["p_value"].notna()]
    known = sorted(set(_known_bases(done, "n_from")) | set(_known_bases(done, "n_to")))
    if known:
        set_plotted_base(fig, known)
    fpc = rows["diff_low_fpc"].notna().any()
    add_caption(fig, f"Verschil met de vorige meting in procentpunten ({tested} getoetste veranderingen), "
                f"{colour_name(PALETTE[0])}: onafhankelijke steekproeven"
                + (f"; {colour_name(PALETTE[1])}: met eindige-populatiecorrectie waar de populatie bekend is "
                   "(gevoeligheid: veronderstelt een aselecte respons)" if fpc else "")
                + ". Gestippeld/open: basis niet gepubliceerd, grootst mogelijke basis gebruikt. p over alle "
                "aantallen die de afronding toelaat, Holm over de familie van trendtoetsen. Overlap in "
                f"respondenten maakt deze intervallen naar verwachting conservatief. Basis (gemeenten): {bases}",
                method="Newcombe 95 % voor het verschil", wrap=_wrap(fig))
    return fig


__all__ = ["MARKERS", "plot_changes", "plot_national_trends"]
