"""Figures of the size models (Dutch labels): predicted involvement by size, odds ratios, teams, power,
recovery and weighting. Each function returns a matplotlib Figure with its Dutch caption drawn below it
(``figures.add_caption``; n is the base of what is plotted, colours are named through ``figures.colour_name``);
saving is ``figures.save_figure`` (which checks the layout), or :func:`show` in a notebook."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from scipy import stats

from wijkteam_stats.models.fits import Fit
from wijkteam_stats.models.frame import SIZE_TERM, any_involvement, teams_outcome
from wijkteam_stats.reference import figures
from wijkteam_stats.reproduce.estimators import wilson_interval
from wijkteam_stats.reproduce.figures import display_figure

POP_TICKS = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000]


def _thousands(x: float, _pos: object = None) -> str:
    return f"{int(round(x)):,}".replace(",", ".")


def _pop_axis(ax: plt.Axes, low: float, high: float) -> None:
    ax.set_xscale("log")
    ticks = [t for t in POP_TICKS if low * 0.8 <= t <= high * 1.25]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.tick_params(axis="x", labelrotation=45)


def _pct(x: float, _pos: object = None) -> str:
    return f"{100 * x:.0f} %"


#: On synthetic data a drawn aggregate covers at least this many municipalities.
MIN_GROUP = 10


def _hc(fits: Mapping[str, Fit] | None, default: str = "HC1") -> str:
    types = {f.cov_type for f in (fits or {}).values() if f is not None}
    return types.pop() if len(types) == 1 else default


def _or_axis(ax: plt.Axes, low: float, high: float) -> None:
    ax.set_xscale("log")
    ticks = [v for v in (0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4, 6, 10) if low <= v <= high]
    ax.xaxis.set_major_locator(FixedLocator(ticks or [1]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:g}".replace(".", ",")))


def binned_shares(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    """Observed share of any involvement per size class (Wilson 95 %), at the geometric mean population of the
    class (not one municipality's exact size)."""
    y = any_involvement(frame, group)
    keep = y.notna().to_numpy()
    sub = frame.loc[keep].assign(_y=y[keep].astype(bool).to_numpy())
    rows = []
    for cls, s in sub.groupby(sub["size_class"].astype("string"), sort=False):
        k, n = int(s["_y"].sum()), len(s)
        lo, hi = wilson_interval(k, n)
        rows.append({"size_class": cls, "population": float(np.exp(np.log(s["population"].astype(float)).mean())),
                     "share": k / n, "ci_low": lo / 100, "ci_high": hi / 100, "n": n})
    return pd.DataFrame(rows).sort_values("population").reset_index(drop=True)


def binned_teams(sub: pd.DataFrame, teams: pd.Series) -> pd.DataFrame:
    """Mean number of teams per size class (95 % t-interval) at the geometric mean population; classes of
    fewer than :data:`MIN_GROUP` municipalities are left out."""
    df = pd.DataFrame({"cls": sub["size_class"].astype("string").to_numpy(),
                       "population": sub["population"].astype(float).to_numpy(), "y": teams.to_numpy(float)})
    rows = []
    for cls, g in df.groupby("cls", sort=False):
        n = len(g)
        if n < MIN_GROUP:
            continue
        mean, sd = float(g["y"].mean()), float(g["y"].std(ddof=1))
        half = float(stats.t.ppf(0.975, n - 1)) * sd / np.sqrt(n)
        pop = float(np.exp(np.log(g["population"]).mean()))  # geometric mean: not one municipality's size
        rows.append({"size_class": cls, "population": pop, "mean": mean,
                     "ci_low": max(mean - half, 0.5), "ci_high": mean + half, "n": n})
    return pd.DataFrame(rows, columns=["size_class", "population", "mean", "ci_low", "ci_high", "n"]
                        ).sort_values("population", kind="stable").reset_index(drop=True)


def plot_involvement_vs_size(curves: pd.DataFrame, frame: pd.DataFrame, labels: Mapping[str, str],
                             fits: Mapping[str, Fit] | None = None, synthetic: bool = False,
                             model: str = "logit_size", method: str | None = None) -> plt.Figure:
    """Six panels: predicted probability of any involvement over the observed population range with its
    95 % band, the observed share per size class (Wilson) and the odds ratio per doubling."""
    figures.setup_style()
    groups = list(labels)
    ncols = 3
    nrows = math.ceil(len(groups) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(12, 3.6 * nrows), sharey=True, squeeze=False)
    low = float(curves["population"].min()) if len(curves) else 1_000
    high = float(curves["population"].max()) if len(curves) else 1_000_000
    bases = []
    if synthetic and len(frame):  # the drawn range must not reveal the smallest or largest respondent's size
        meds = frame.groupby(frame["size_class"].astype("string"))["population"].median().astype(float)
        low, high = float(meds.min()) / 1.5, float(meds.max()) * 1.5
    for ax, g in zip(axes.flat, groups, strict=False):
        c = curves[(curves["outcome"] == g) & (curves["model"] == model)]
        if synthetic:
            c = c[(c["population"] >= low) & (c["population"] <= high)]
        if len(c):
            ax.fill_between(c["population"], c["ci_low"], c["ci_high"], color=figures.PALETTE[0], alpha=0.2,
                            linewidth=0, label="95 %-betrouwbaarheidsband")
            ax.plot(c["population"], c["predicted"], color=figures.PALETTE[0], lw=2, label="voorspelde kans")
        b = binned_shares(frame, g)
        if synthetic:
            b = b[b["n"] >= MIN_GROUP]
        bases.append(int(b["n"].sum()))
        ax.errorbar(b["population"], b["share"], yerr=[b["share"] - b["ci_low"], b["ci_high"] - b["share"]],
                    fmt="o", color=figures.PALETTE[1], ms=5, capsize=3, label="waargenomen per grootteklasse")
        ax.set_title(labels[g], fontsize=10)
        _pop_axis(ax, low, high)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(FuncFormatter(_pct))
        f = (fits or {}).get(g)
        if f is not None and f.estimable:
            lo, hi = f.ci(SIZE_TERM)
            txt = (f"OR per verdubbeling {math.exp(f.coef(SIZE_TERM)):.2f}".replace(".", ",")
                   + f"\n(95 %-BI {math.exp(lo):.2f}–{math.exp(hi):.2f}), n = {f.n}".replace(".", ","))
            if f.method != "mle":
                txt += f"\n[{f.method}]"
            ax.text(0.03, 0.97, txt, transform=ax.transAxes, va="top", fontsize=8,
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Kans op enige betrokkenheid")
    for ax in axes[-1, :]:
        ax.set_xlabel("Inwoners op 1 januari (logaritmische schaal)")
    handles, lab = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, lab, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 0.0), frameon=False)
    fig.suptitle("Bewonersbetrokkenheid naar gemeentegrootte (logistische regressie, robuuste SE)", y=1.0)
    fig.tight_layout()
    figures.set_plotted_base(fig, bases)
    text = ("Voorspelde kans op enige betrokkenheid per bewonersgroep over het waargenomen bereik van het inwonertal "
            "(logistische regressie op log2 inwoners), met 95 %-betrouwbaarheidsband; punten: waargenomen aandeel per "
            "grootteklasse (n: gemeenten met wijkteams die de groep beantwoordden)")
    method = method or f"Wald op de logit-schaal met robuuste {_hc(fits)}-SE; punten Wilson 95 %"
    return figures.add_caption(fig, text, method=method, synthetic=synthetic, wrap=150, y=-0.045)


def plot_odds_ratios(table_exp: pd.DataFrame, labels: Mapping[str, str], synthetic: bool = False,
                     models_shown: tuple[str, ...] = ("logit_size", "logit_size_network"),
                     method: str = "Wald met robuuste SE") -> plt.Figure:
    """Forest plot of the odds ratio per doubling of the population per group (and model)."""
    figures.setup_style()
    t = table_exp[(table_exp["term"] == SIZE_TERM) & table_exp["model"].isin(models_shown)]
    groups = list(labels)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(groups) * len(models_shown) + 1.5))
    names = {"logit_size": "alleen grootte", "logit_size_network": "grootte + G4/G32",
             "ordinal_ladder": "ordinaal (hoogste trede)"}
    offsets = np.linspace(-0.18, 0.18, len(models_shown)) if len(models_shown) > 1 else [0.0]
    for j, m in enumerate(models_shown):
        s = t[t["model"] == m].set_index("outcome")
        ys = [len(groups) - 1 - i + offsets[j] for i, g in enumerate(groups) if g in s.index]
        gs = [g for g in groups if g in s.index]
        est = s.loc[gs, "estimate"].to_numpy()
        ax.errorbar(est, ys, xerr=[est - s.loc[gs, "ci_low"].to_numpy(), s.loc[gs, "ci_high"].to_numpy() - est],
                    fmt="o" if j == 0 else "s", color=figures.PALETTE[j], capsize=3, label=names.get(m, m))
    ax.axvline(1, color="#555555", lw=1, ls="--")
    lo = float(np.nanmin(t["ci_low"])) if len(t) else 0.5
    hi = float(np.nanmax(t["ci_high"])) if len(t) else 2
    _or_axis(ax, min(lo, 0.9) * 0.95, max(hi, 1.1) * 1.05)
    ax.set_xlim(min(lo, 0.9) * 0.95, max(hi, 1.1) * 1.05)
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([labels[g] for g in reversed(groups)])
    ax.set_xlabel("Odds ratio per verdubbeling van het inwonertal (95 %-BI, robuuste SE)")
    ax.set_title("Enige betrokkenheid: effect van gemeentegrootte")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=len(models_shown), frameon=False, fontsize=8)
    fig.tight_layout()
    if len(t) and "n" in t.columns:
        figures.set_plotted_base(fig, t["n"].astype(int).to_numpy())
    text = ("Odds ratio per verdubbeling van het inwonertal per bewonersgroep, alleen grootte en met G4/G32 als "
            "extra variabele; 1 = geen verband (n: gemeenten met wijkteams die de groep beantwoordden)")
    return figures.add_caption(fig, text, method=method, synthetic=synthetic, wrap=105)


def plot_teams_vs_size(frame: pd.DataFrame, curve: pd.DataFrame, check: pd.DataFrame | None = None,
                       synthetic: bool = False, method: str | None = None) -> plt.Figure:
    """Number of teams against population (log-log) with the expected number (per model in ``curve``: the
    zero-truncated model with its 95 % band, the NB2 mean dashed); the published G32 mean (8) and
    Rotterdam (42, with the prediction interval) marked."""
    figures.setup_style()
    y = teams_outcome(frame)
    keep = y.notna().to_numpy()
    sub = frame.loc[keep]
    fig, ax = plt.subplots(figsize=(8, 5))
    curves = {m: c for m, c in curve.groupby("model", sort=False)} if "model" in curve.columns else {"": curve}
    if synthetic:  # no point at a municipality's exact population: means per size class (>= 10 municipalities)
        bins = binned_teams(sub, y[keep].astype(float))
        ax.errorbar(bins["population"], bins["mean"], yerr=[bins["mean"] - bins["ci_low"],
                    bins["ci_high"] - bins["mean"]], fmt="o", ms=6, capsize=3, color=figures.PALETTE[4],
                    label="gemiddelde per grootteklasse (95 %-interval)")
        span = (float(bins["population"].min()), float(bins["population"].max())) if len(bins) else None
    else:
        g32 = sub["g32"].astype(bool).to_numpy()
        ax.scatter(sub.loc[~g32, "population"].astype(float), y[keep][~g32].astype(float), s=14, alpha=0.6,
                   color=figures.PALETTE[4], label="gemeenten met teams")
        ax.scatter(sub.loc[g32, "population"].astype(float), y[keep][g32].astype(float), s=22, alpha=0.8,
                   marker="D", color=figures.PALETTE[3], label="G32-gemeenten")
        span = None
    names = {"truncnb2_teams": "verwacht aantal gegeven teams (nul-afgeknot, 95 %-band)",
             "nb2_teams": "NB2-gemiddelde (niet afgeknot)"}
    rot_pop = None
    if check is not None and len(check) and check["check"].str.startswith("Rotterdam").any():
        rot_pop = float(check.loc[check["check"].str.startswith("Rotterdam"), "population"].iloc[0])
    for m, c in curves.items():
        if span is not None:  # synthetic: the curve between the size classes (and to published Rotterdam)
            c = c[(c["population"] >= span[0]) & (c["population"] <= max(span[1], rot_pop or span[1]))]
        if not len(c):
            continue
        main = m != "nb2_teams" or len(curves) == 1
        if main:
            ax.fill_between(c["population"], c["ci_low"], c["ci_high"], color=figures.PALETTE[0], alpha=0.2,
                            linewidth=0)
        ax.plot(c["population"], c["predicted"], color=figures.PALETTE[0] if main else "#555555",
                lw=2 if main else 1.2, ls="-" if main else "--", label=names.get(m, "verwacht aantal (95 %-band)"))
    if check is not None and len(check):
        with_pi = check[check["pi_low"].notna()]
        rot = (with_pi if len(with_pi) else check)
        rot = rot[rot["check"].str.startswith("Rotterdam")]
        if len(rot):
            r = rot.iloc[0]
            pop = float(r["population"])
            ax.scatter([pop], [r["published"]], marker="*", s=180, color=figures.PALETTE[5], zorder=5,
                       label=f"Rotterdam gepubliceerd ({int(r['published'])})")
            if np.isfinite(r["pi_low"]):
                ax.vlines(pop, r["pi_low"], r["pi_high"], color=figures.PALETTE[5], lw=2, alpha=0.6,
                          label="95 %-voorspellingsinterval Rotterdam")
        g = check[check["check"].str.startswith("G32")]
        if len(g):
            ax.axhline(float(g.iloc[0]["published"]), color=figures.PALETTE[3], ls=":", lw=1.2,
                       label="gepubliceerd G32-gemiddelde (8)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    low = float(sub["population"].astype(float).min()) if len(sub) else 1_000
    high = float(sub["population"].astype(float).max()) if len(sub) else 1_000_000
    if span is not None:  # the axis must not show where the smallest or largest respondent lies either
        low, high = span[0] / 2, max(span[1], rot_pop or span[1]) * 1.2
    _pop_axis(ax, low, high)
    ax.yaxis.set_major_locator(FixedLocator([0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}".replace(".", ",")))
    ax.set_xlabel("Inwoners op 1 januari (logaritmische schaal)")
    ax.set_ylabel("Aantal sociale (wijk)teams (log-schaal)")
    ax.set_title("Aantal teams naar inwonertal (gemeenten met teams)")
    ax.legend(loc="upper left", fontsize=8, frameon=True, framealpha=0.9)
    fig.tight_layout()
    figures.set_plotted_base(fig, int(keep.sum()))
    text = ("Aantal sociale (wijk)teams naar inwonertal met het verwachte aantal gegeven teams (nul-afgeknot model) "
            "en het NB2-gemiddelde (gestreept); ster: Rotterdam zoals gepubliceerd met voorspellingsinterval, "
            "stippellijn: gepubliceerd G32-gemiddelde")
    if synthetic:
        text += (f"; punten: gemiddelde per grootteklasse van minstens {MIN_GROUP} gemeenten op het gemiddelde "
                 "inwonertal van de klasse (geen punten per gemeente: die antwoorden zijn verzonnen)")
    method = method or ("delta-methode op de log-schaal met robuuste SE; voorspellingsinterval uit het "
                        "afgeknotte model")
    return figures.add_caption(fig, text, method=method, synthetic=synthetic, wrap=105)


def plot_power_curve(curve: pd.DataFrame, mdor: pd.DataFrame, labels: Mapping[str, str], target: float = 0.8,
                     alpha: float = 0.05, synthetic: bool = False, hc_type: str = "HC1") -> plt.Figure:
    """Simulated power of the size test against the true odds ratio per doubling, one line per group."""
    figures.setup_style()
    fig, ax = plt.subplots(figsize=(8, 6))
    for i, (g, s) in enumerate(curve.groupby("group", sort=False)):
        s = s.sort_values("odds_ratio")
        m = mdor[(mdor["group"] == g) & (mdor["side"] == "increase")]
        extra = ""
        if len(m) and np.isfinite(m["min_detectable_or"].iloc[0]):
            extra = f" (MDE {m['min_detectable_or'].iloc[0]:.2f})".replace(".", ",")
        ax.plot(s["odds_ratio"], s["power"], marker="o", ms=3, color=figures.PALETTE[i % len(figures.PALETTE)],
                label=f"{labels.get(g, g)}, n = {int(s['n'].iloc[0])}{extra}")
    ax.axhline(target, color="#555555", ls="--", lw=1)
    ax.axhline(alpha, color="#999999", ls=":", lw=1)
    ax.axvline(1, color="#999999", lw=0.8)
    ax.set_xscale("log")
    ors = sorted(curve["odds_ratio"].unique())
    # reciprocal pairs (0,67 and 1,5; 0,5 and 2) spaced so that the labels never run together
    ticks = [v for v in (0.5, 0.67, 1, 1.5, 2, 2.5, 3) if ors[0] <= v <= ors[-1]]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:g}".replace(".", ",")))
    ax.yaxis.set_major_formatter(FuncFormatter(_pct))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Werkelijke odds ratio per verdubbeling van het inwonertal")
    ax.set_ylabel(f"Onderscheidend vermogen (α = {alpha:g})".replace(".", ","))
    n_rep = int(curve["n_rep"].iloc[0]) if len(curve) else 0
    ax.set_title(f"Ontwerpanalyse: onderscheidend vermogen ({n_rep} simulaties per punt)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False, fontsize=8)
    fig.tight_layout()
    if len(curve):
        figures.set_plotted_base(fig, curve.groupby("group", sort=False)["n"].first().astype(int).to_numpy())
    text = ("Onderscheidend vermogen van de toets op het grootte-effect tegen de werkelijke odds ratio per "
            "verdubbeling, met de werkelijke itembases en inwonertallen; MDE = kleinste OR > 1 met "
            f"{100 * target:.0f} % vermogen")
    method = f"{n_rep} simulaties per punt, robuuste {hc_type}-SE, α = {alpha:g} tweezijdig".replace(".", ",")
    return figures.add_caption(fig, text, method=method, synthetic=synthetic, wrap=105)


def plot_recovery(rec: pd.DataFrame, summary: pd.DataFrame, labels: Mapping[str, str],
                  synthetic: bool = False, hc_type: str = "HC1") -> plt.Figure:
    """Known-truth recovery: the estimates of the size slope per group around the true value, with the
    coverage of the 95 % intervals."""
    figures.setup_style()
    groups = [g for g in labels if g in set(rec["group"])]
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(groups) + 1.8))
    truth = float(rec["truth"].iloc[0])
    rng = np.random.default_rng(0)
    for i, g in enumerate(groups):
        s = rec[rec["group"] == g]
        yy = len(groups) - 1 - i + rng.uniform(-0.25, 0.25, len(s))
        ax.scatter(np.exp(s["estimate"]), yy, s=6, alpha=0.35,
                   color=np.where(s["covers"], figures.PALETTE[0], figures.PALETTE[5]))
        cov = summary.loc[summary["group"] == g, "coverage"]
        if len(cov):
            ax.text(1.01, len(groups) - 1 - i, f"{100 * cov.iloc[0]:.1f} %".replace(".", ","),
                    transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.axvline(math.exp(truth), color="#000000", lw=1.5)
    est = np.exp(rec["estimate"].dropna())
    _or_axis(ax, float(est.min()) * 0.95, float(est.max()) * 1.05)
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([labels[g] for g in reversed(groups)])
    pooled = summary[summary["group"] == "alle groepen"]
    title = "Herstel van een bekend grootte-effect"
    if len(pooled):
        p = pooled.iloc[0]
        title += (f": dekking {100 * p['coverage']:.1f} % van {int(p['intervals'])} intervallen").replace(".", ",")
    ax.set_title(title, fontsize=11)
    covered, missed = figures.colour_name(figures.PALETTE[0]), figures.colour_name(figures.PALETTE[5])
    ax.set_xlabel(f"Geschatte odds ratio per verdubbeling; lijn: werkelijke OR {math.exp(truth):.2f}".replace(".", ",")
                  + f"\n({missed}: het 95 %-BI mist de werkelijke waarde; rechts: dekking per groep)")
    fig.tight_layout()
    n_rep = int(rec["rep"].nunique()) if "rep" in rec.columns else len(rec)
    text = (f"Schattingen van een bekend grootte-effect (OR {math.exp(truth):g} per verdubbeling) in {n_rep} "
            f"gesimuleerde enquêtes; {covered}: het 95 %-interval bevat de werkelijke waarde, {missed}: niet; "
            "percentages: dekking van het 95 %-interval per groep").replace(".", ",")
    return figures.add_caption(fig, text, method=f"Wald met robuuste {hc_type}-SE", synthetic=synthetic,
                               with_n=False, wrap=105)


def plot_weighting(headline: pd.DataFrame, synthetic: bool = False, method: str | None = None) -> plt.Figure:
    """Headline percentages unweighted (Wilson) and post-stratified (linearisation) side by side; ``method``
    states the intervals plotted (e.g. both with the finite-population correction)."""
    figures.setup_style()
    h = headline.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(h) + 1.8))
    y = np.arange(len(h))[::-1]
    for j, (col, name) in enumerate((("unweighted", "ongewogen (Wilson)"), ("weighted", "gewogen (poststratificatie)"))):
        est = h[f"pct_{col}"].to_numpy()
        ax.errorbar(est, y + (0.15 if j == 0 else -0.15),
                    xerr=[est - h[f"ci_low_{col}"].to_numpy(), h[f"ci_high_{col}"].to_numpy() - est],
                    fmt="o" if j == 0 else "s", color=figures.PALETTE[j], capsize=3, label=name)
    ax.set_yticks(y)
    ax.set_yticklabels([textwrap.fill(str(lab), 30) for lab in h["label"]], fontsize=8)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_locator(FixedLocator([0, 20, 40, 60, 80, 100]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f} %"))
    ax.set_xlabel("Percentage (95 %-BI)")
    ax.set_title("Kerncijfers ongewogen en gewogen\nnaar grootteklasse × G32")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize=8)
    fig.tight_layout()
    if "n" in h.columns:
        figures.set_plotted_base(fig, h["n"].astype(int).to_numpy())
    text = ("Kerncijfers ongewogen en gepoststratificeerd naar grootteklasse × G32 (CBS-aantallen op 1 januari); "
            "n per rij: de gemeenten die de vraag beantwoordden")
    method = method or "ongewogen Wilson 95 %; gewogen linearisatie met eindigepopulatiecorrectie, logit-interval"
    return figures.add_caption(fig, text, method=method, synthetic=synthetic, wrap=105)


def show(fig: plt.Figure, name: str, output_dir: str | Path | None, width: int = 820) -> None:
    """Save ``fig`` as PNG + SVG under ``output_dir``, display a small PNG with alt text and its caption
    and close it. Returns nothing, so a notebook cell ending in ``show(...)`` prints no file paths."""
    figures.save_figure(fig, name, output_dir)
    plt.close(fig)
    display_figure(fig, name, width)


__all__ = [
    "binned_shares", "show", "plot_involvement_vs_size", "plot_odds_ratios", "plot_power_curve", "plot_recovery",
    "plot_teams_vs_size", "plot_weighting",
]
