"""Trends across survey waves: published national figures over time, the test of each change, and a
merger-stable panel of the responding municipalities.

National trends (from the published-figures files of all waves)
---------------------------------------------------------------
A *trend* is a (variable, category, breakdown, statistic) published for more than one wave. A file quotes
figures of its own wave and, as reference rows, figures of earlier waves (e.g. the 2017 file quotes the
2014 and 2015 shares of municipalities with teams). Rule for a figure quoted more than once: the row of the
wave's **own** file is used; a quote in another wave's file is used only when the wave's own file lacks the
figure (then the quote with a published base, else the lowest ``finding_id``). Every other quote of the
same figure is listed in ``quoted_in``; a quote whose value differs from the one used is flagged in
``conflict`` (and never silently averaged).

The base of a percentage, in this order (``base_source``):

* ``published``: ``base_n`` of the row used, or of another quote of the same wave's figure with the same value;
* ``census``: universe ``invited`` (e.g. the response rate) over all municipalities: the base is the wave's
  register, the figure a complete count of the population (no sampling error; see below);
* ``upper_bound``: the base is not published, but cannot exceed the size of its universe, which the same
  wave does publish (respondents: the published number of respondents; municipalities with teams: the
  published count, or the largest count consistent with the rounded published share). Intervals and tests
  at that largest possible base are the *narrowest* the data allow: a change that is not significant there is
  not significant at any smaller base; a significant one is flagged as resting on a bound;
* ``not_published``: nothing says how large the base is (e.g. a G32 share). No base is invented: no interval,
  no test.

The count ``k`` behind a rounded percentage is the published count of the same figure when there is one,
else the whole number closest to ``value · n / 100`` among those that reproduce the published percentage
within its rounding (:func:`wijkteam_stats.reproduce.tolerances.share_within`); ``k_min``/``k_max`` give the
range. The 95 % interval is Wilson's (statsmodels ``proportion_confint(method="wilson")``) on ``k`` of ``n``.

The test of a change, and what it assumes
-----------------------------------------
Waves are surveys of (mostly) the same finite population of municipalities (403, 393, 388 invited; mergers
shrink it) with partial overlap in respondents. The test used is the **independent-samples two-proportion
test**: the pooled score (z) test (statsmodels ``proportions_ztest``) with the **Newcombe** hybrid score
interval for the difference (built from the two Wilson intervals; equal to statsmodels
``confint_proportions_2indep(method="newcomb")``). It assumes

1. each wave's respondents are a simple random sample of that wave's population (non-response ignorable);
   no interval covers non-response bias;
2. the two waves' samples are independent.

Assumption 2 is false in a known direction: many municipalities answer in several waves, and a
municipality's answers are positively correlated over time (a municipality with teams keeps them). Then
``Var(p2 - p1) = V1 + V2 - 2 Cov(p1, p2)`` with ``Cov > 0``, so the independent-samples variance is too
large: the interval is too wide and the p-value too large. The test is **conservative**. The paired analysis
(:func:`paired_change`, McNemar's exact test on the municipalities that answered both waves) needs the real
municipality-level data and speaks only about those municipalities.

The paired component. When the number ``m`` of municipalities that answered both waves is known (a published
panel figure, :func:`published_overlap`, or the survey files when they are real, :func:`overlap_shares`),
:func:`overlap_z_test` uses it: with answers correlated ``rho`` within a municipality over time,
``Cov(p1, p2) = rho · m · p̄(1 - p̄) / (n1 n2)`` under the null, so the variance of the pooled test becomes
``p̄(1 - p̄) (1/n1 + 1/n2 - 2 rho m / (n1 n2))``. It applies to figures over all respondents (``m`` is an
overlap of respondents; within another universe it is not known). The share fixes ``m`` but not ``rho``:

* ``rho`` not known (the usual case; it needs the paired answers): the verdict stays the independent one
  (``rho = 0``, the conservative end) and ``p_overlap_min``/``p_overlap_max`` give the p range over
  ``rho`` in [0, 1], every ``m`` the published share allows and every count the rounding allows: how far the
  overlap *could* move the verdict, said in Dutch (:func:`overlap_assumption_nl`, :func:`change_sentence_nl`);
* ``rho`` given (estimated from the paired answers of real data, ``correlation=``): the p range over every
  ``m`` and count at that ``rho`` replaces the raw p range in the family and the verdict (same Holm and
  rounding-range rule; it can only be smaller than the independent one when ``rho > 0``).

With the population size known (universe ``respondents``, breakdown ``all``: the wave's invited
municipalities), a second version applies the **finite-population correction** ``f = (N - n) / (N - 1)`` to
each variance: the pooled z test with ``p̄(1 - p̄)(f1/n1 + f2/n2)`` and a Newcombe interval from Wilson
intervals at the effective size ``n / f`` (Kish). It answers the question about the finite population of
invited municipalities rather than an infinite super-population. For a ``census`` figure ``n = N``: the
change is a fact about the population up to rounding; the FPC columns are left empty and the
independent-samples test is shown only as a super-population reading (response as a random decision).

Panel (municipality-level, needs survey tables)
-----------------------------------------------
Every wave's municipality codes are mapped to the municipalities of 1 January 2025 with the CBS crosswalk
(:func:`wijkteam_stats.reference.municipalities.to_2025`): a municipality that merged maps wholly to its
successor, one that was split (Haaren 2021, Littenseradiel 2018) to each part with its area share, the
largest share being the *main* link. The panel follows territory, not administrations: a 2025 municipality
counts as having answered in a wave when a predecessor whose main link it is answered (Haaren counts for
Vught, where 44 % of its area went, not for Tilburg). ``overlap_shares`` gives, per wave, the share of
respondents that also answered the previous wave, by identical CBS code and by main 2025 municipality. On SYNTHETIC data the respondents of each wave were drawn independently: overlaps are invented
and must not be shown as findings (the notebook withholds them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reference import municipalities, paths, provenance, waves
from wijkteam_stats.reference.codebook import Codebook, link_categories, load_codebook
from wijkteam_stats.reference.panel import panel_wave
from wijkteam_stats.reference.published import file_wave, load_published
from wijkteam_stats.reference.writers import safe_to_csv
from wijkteam_stats.reproduce.estimators import fpc_factor, wilson_fpc_interval
from wijkteam_stats.reproduce.tolerances import share_within

#: A trend is a figure with the same values in these columns in more than one wave.
KEY = ["variable", "category", "breakdown", "statistic"]
#: Statistics that form a numeric trend (ranks and verbal statements are listed in the inventory only).
NUMERIC = ("percent", "count", "mean")
CONFIDENCE = 0.95
METHOD_NL = "Wilson 95 %-interval uit de gepubliceerde basis"
TEST_NL = ("tweesteekproeventoets voor proporties (gepoolde z-toets) met Newcombe-interval voor het verschil, "
           "onafhankelijke steekproeven; conservatief bij overlap in respondenten")

BASE_SOURCES_NL = {
    "published": "gepubliceerd",
    "census": "volledige telling (register)",
    "upper_bound": "bovengrens (niet gepubliceerd)",
    "not_published": "niet gepubliceerd",
}

TREND_COLUMNS = [
    *KEY, "universe", "wave", "value", "qualifier", "finding_id", "quoted_in", "conflict", "base_n",
    "base_source", "base_note", "population_n", "k", "k_min", "k_max", "k_exact", "percent", "ci_low", "ci_high",
    "ci_low_fpc", "ci_high_fpc",
]
CHANGE_COLUMNS = [
    *KEY, "universe", "wave_from", "wave_to", "value_from", "value_to", "diff_pp", "n_from", "n_to",
    "base_source_from", "base_source_to", "test", "z", "p_value", "diff_low", "diff_high", "z_fpc",
    "p_value_fpc", "diff_low_fpc", "diff_high_fpc", "note",
    # the verdict over every count the published rounding allows, adjusted over the family of trend tests
    "k_from_min", "k_from_max", "k_to_min", "k_to_max", "p_raw_min", "p_raw_max", "p_fpc_min", "p_fpc_max",
    "family", "family_size", "p_adj_min", "p_adj_max", "verdict",
    # the paired component: municipalities that answered both waves (published share or survey files)
    "overlap_m_min", "overlap_m_max", "overlap_source", "rho", "p_overlap_min", "p_overlap_max",
]
#: The family of all change tests between waves; Holm's adjustment runs over it (S17).
TREND_FAMILY = "trends"
#: Verdict codes of a change (``verdict`` column) and their Dutch wording.
VERDICTS_NL = {
    "distinguishable": "onderscheidbaar van nul",
    "not_distinguishable": "niet onderscheidbaar van nul",
    "rounding_dependent": "niet onderscheidbaar van nul (hangt af van de afronding van de gepubliceerde cijfers)",
    "bound_only": ("geen oordeel: alleen bij de grootst mogelijke (niet gepubliceerde) basis onderscheidbaar, bij een "
                   "kleinere basis niet zeker"),
    "census": "volledige telling: het verschil is een feit over de uitgenodigde gemeenten (op afronding na)",
    "not_tested": "niet getoetst",
}


# --------------------------------------------------------------------------- published figures


def published_files(folder: str | Path | None = None) -> list[Path]:
    """The published-figures files of all waves in ``folder`` (default ``data/raw/published``), sorted."""
    folder = Path(folder) if folder is not None else paths.RAW_PUBLISHED
    return sorted(folder.glob("movisie_*.csv"))


def all_published(files: Iterable[str | Path] | None = None) -> pd.DataFrame:
    """Every row of every published-figures file (validated by ``load_published``), with ``file_wave`` (the
    wave the file describes) and ``own`` (the row is about the file's own wave, not a reference quote)."""
    files = list(files) if files is not None else published_files()
    if not files:
        raise FileNotFoundError("no published-figures files (movisie_<wave>.csv) to build trends from")
    frames = []
    for f in files:
        df = load_published(f)
        frames.append(df.assign(file_wave=_file_wave(df), source_file=Path(f).name))
    out = pd.concat(frames, ignore_index=True)
    dup = out["finding_id"].duplicated(keep=False)
    if dup.any():
        ids = ", ".join(sorted(set(out.loc[dup, "finding_id"])))
        raise ValueError(f"finding_id used in more than one published file: {ids}")
    out["own"] = out["wave"] == out["file_wave"]
    return link_categories(out)  # a reworded category links by its codebook option, never by published text


def _file_wave(df: pd.DataFrame) -> int:
    """The wave a file describes: the year in its finding ids (``F<wave>-nnn``, also on its reference rows),
    else the most frequent ``wave`` (a file may quote more rows of earlier waves than of its own)."""
    years = df["finding_id"].str.extract(r"^F(\d{4})-")[0].dropna()
    return int(years.mode().iloc[0]) if len(years) else file_wave(df)


def _chosen(group: pd.DataFrame) -> pd.Series:
    """The row used for one figure of one wave (rule in the module docstring)."""
    g = group.assign(_has_base=group["base_n"].notna())
    g = g.sort_values(["own", "_has_base", "finding_id"], ascending=[False, False, True], kind="stable")
    return g.iloc[0]


def select_figures(pub: pd.DataFrame) -> pd.DataFrame:
    """One row per (figure, wave): the row used, with ``quoted_in`` (other finding ids of the same figure),
    ``conflict`` (those whose value differs) and ``base_n`` completed from a same-valued quote."""
    rows = []
    for _, group in pub.groupby([*KEY, "wave"], sort=True, dropna=False):
        used = _chosen(group).copy()
        others = group[group["finding_id"] != used["finding_id"]]
        used["quoted_in"] = ";".join(sorted(others["finding_id"]))
        same = others["value"].eq(used["value"]) | (others["value"].isna() & pd.isna(used["value"]))
        used["conflict"] = ";".join(sorted(others.loc[~same, "finding_id"]))
        used["base_from"] = used["finding_id"] if pd.notna(used["base_n"]) else ""
        if pd.isna(used["base_n"]):
            donors = others[same & others["base_n"].notna()].sort_values("finding_id")
            if len(donors):
                used["base_n"] = donors["base_n"].iloc[0]
                used["base_from"] = donors["finding_id"].iloc[0]
        rows.append(used.drop(labels=["_has_base"], errors="ignore"))
    return pd.DataFrame(rows).reset_index(drop=True)


def multiwave_inventory(pub: pd.DataFrame) -> pd.DataFrame:
    """Every published variable that appears in more than one wave, with whether it forms a trend and why not.

    Columns: variable, waves, categories, statistics, trend (bool), reason (Dutch, for the report). A variable whose category,
    breakdown or statistic differs between waves (e.g. ``explicitly_no_teams``: "organises care otherwise"
    in 2014, "explicitly chooses not to" in 2015) is not a trend: the questions differ.
    """
    figs = select_figures(pub)
    rows = []
    for var, g in figs.groupby("variable", sort=True):
        waves = sorted(set(g["wave"]))
        if len(waves) < 2:
            continue
        counts = g.groupby(KEY)["wave"].nunique()
        trends = counts[counts > 1]
        numeric = [k for k in trends.index if k[3] in NUMERIC]
        if numeric:
            reason = f"{len(numeric)} trend(s): zelfde categorie, uitsplitsing en statistiek in meer metingen"
        elif len(trends):
            reason = "alleen een rangorde of verbale uitspraak keert terug: geen numerieke trend"
        else:
            reason = "categorie, uitsplitsing of statistiek verschilt tussen de metingen: niet hetzelfde cijfer"
        rows.append({
            "variable": var, "waves": ";".join(map(str, waves)),
            "categories": " | ".join(sorted(set(g["category"]))),
            "statistics": ";".join(sorted(set(g["statistic"]))), "trend": bool(numeric), "reason": reason,
        })
    return pd.DataFrame(rows, columns=["variable", "waves", "categories", "statistics", "trend", "reason"])


# --------------------------------------------------------------------------- bases and intervals


def consistent_counts(value: float, n: int, qualifier: str = "rounded") -> list[int]:
    """Whole counts ``k`` (0..n) whose share ``100 k / n`` reproduces the published percentage ``value``."""
    return [k for k in range(int(n) + 1) if share_within(k, int(n), value, qualifier)]


def wilson(k: float, n: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson interval of ``k`` of ``n`` in percent (statsmodels ``method="wilson"``); NaN when ``n`` is 0.

    ``k`` and ``n`` may be fractional (an effective sample size after the finite-population correction).
    """
    if not n or n <= 0:
        return (math.nan, math.nan)
    lo, hi = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    return (100 * float(lo), 100 * float(hi))


def wilson_fpc(k: int, n: int, population: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson interval with the finite-population correction (the project's one rule:
    :func:`wijkteam_stats.reproduce.estimators.wilson_fpc_interval`)."""
    return wilson_fpc_interval(k, n, population, confidence)


def _register_size(wave: int) -> int | None:
    """Number of invited municipalities of a wave (its register); None when the wave's register year is unknown."""
    try:
        year = waves.register_year(wave)
    except KeyError:
        return None
    try:
        return len(municipalities.register(year))
    except ValueError:
        return None


def _universe_figure(universe: str, codebook: Codebook) -> tuple[str, str] | None:
    """The published (variable, category) that defines a universe among the respondents (e.g. with_teams ->
    has_teams / works with sociale (wijk)teams), from the codebook's universe definition."""
    spec = codebook.universes.get(universe) or {}
    col = spec.get("column")
    if not col:
        return None
    try:
        var = codebook.variable(col)
    except KeyError:
        return None
    for o in var.options:
        if o.code == spec.get("equals") and o.published:
            return o.published.get("variable"), o.published.get("category")
    if var.published and "category" in var.published:
        return var.published["variable"], var.published["category"]
    return None


def _figure(figs: pd.DataFrame, wave: int, variable: str, category: str | None, breakdown: str,
            statistic: str) -> pd.Series | None:
    m = (figs["wave"] == wave) & (figs["variable"] == variable) & (figs["breakdown"] == breakdown) & (
        figs["statistic"] == statistic)
    if category is not None:
        m &= figs["category"] == category
    hit = figs[m]
    return None if hit.empty else hit.iloc[0]


def _respondents(figs: pd.DataFrame, wave: int) -> int | None:
    row = _figure(figs, wave, "n_respondents", None, "all", "count")
    return None if row is None else int(row["value"])


def _base(row: pd.Series, figs: pd.DataFrame, codebook: Codebook) -> tuple[int | None, str, str, int | None]:
    """(n, base_source, note, population N for the FPC) of one figure."""
    wave = int(row["wave"])
    if row["universe"] == "invited" and row["breakdown"] == "all":
        size = _register_size(wave)
        if size is not None:
            return size, "census", f"alle {size} gemeenten van het register (meting {wave})", size
    population = None
    if row["universe"] == "respondents" and row["breakdown"] == "all":
        population = _register_size(wave)
    if pd.notna(row["base_n"]):
        src = row.get("base_from") or row["finding_id"]
        return int(row["base_n"]), "published", f"basis gepubliceerd ({src})", population
    if row["breakdown"] != "all":
        return None, "not_published", "basis niet gepubliceerd", None
    n_resp = _respondents(figs, wave)
    if row["universe"] == "respondents" and n_resp is not None:
        return n_resp, "upper_bound", f"basis ≤ {n_resp} respondenten (item-non-respons onbekend)", population
    defining = _universe_figure(str(row["universe"]), codebook)
    if defining is not None:
        count = _figure(figs, wave, defining[0], defining[1], "all", "count")
        if count is not None:
            n = int(count["value"])
            return n, "upper_bound", f"basis ≤ {n} ({defining[0]}, {count['finding_id']})", None
        share = _figure(figs, wave, defining[0], defining[1], "all", "percent")
        if share is not None and n_resp is not None:
            ks = consistent_counts(float(share["value"]), n_resp, str(share["qualifier"]))
            if ks:
                return (max(ks), "upper_bound",
                        f"basis ≤ {max(ks)} ({share['value']:g} % van {n_resp}, {share['finding_id']})", None)
    return None, "not_published", "basis niet gepubliceerd", None


def _count_for(row: pd.Series, figs: pd.DataFrame, n: int) -> tuple[int | None, int | None, int | None, bool]:
    """(k, k_min, k_max, exact) behind a percentage of ``n``; k None when no whole count fits; ``exact`` when
    the count itself is published (then only ``k`` is possible, whatever else rounds to the percentage)."""
    wave = int(row["wave"])
    ks = consistent_counts(float(row["value"]), n, str(row["qualifier"]))
    if not ks:
        return None, None, None, False
    published = _figure(figs, wave, str(row["variable"]), str(row["category"]), str(row["breakdown"]), "count")
    if published is None and row["variable"] == "response_rate":
        published = _figure(figs, wave, "n_respondents", None, str(row["breakdown"]), "count")
    if published is not None and int(published["value"]) in ks:
        return int(published["value"]), min(ks), max(ks), True
    target = float(row["value"]) * n / 100
    k = min(ks, key=lambda c: (abs(c - target), c))
    return k, min(ks), max(ks), False


def national_trends(pub: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """One row per wave of every numeric figure published for more than one wave (columns ``TREND_COLUMNS``),
    sorted by figure and wave; intervals only where a base is known (``base_source``)."""
    cb = codebook or load_codebook()
    all_figs = select_figures(pub)
    figs = all_figs[all_figs["statistic"].isin(NUMERIC)]
    n_waves = figs.groupby(KEY)["wave"].transform("nunique")
    figs = figs[n_waves > 1]
    rows = []
    for _, r in figs.sort_values([*KEY, "wave"], kind="stable").iterrows():
        out = {c: r.get(c) for c in [*KEY, "universe", "wave", "value", "qualifier", "finding_id",
                                      "quoted_in", "conflict"]}
        out.update(base_n=pd.NA, base_source="not_published", base_note="", population_n=pd.NA, k=pd.NA,
                   k_min=pd.NA, k_max=pd.NA, k_exact=False, percent=math.nan, ci_low=math.nan, ci_high=math.nan,
                   ci_low_fpc=math.nan, ci_high_fpc=math.nan)
        if r["statistic"] != "percent":
            out["base_source"] = "census" if r["universe"] == "invited" else "not_published"
            out["base_note"] = "telling" if r["statistic"] == "count" else "gemiddelde: geen interval"
            rows.append(out)
            continue
        n, source, note, population = _base(r, all_figs, cb)
        out.update(base_source=source, base_note=note)
        if n is not None:
            k, k_min, k_max, exact = _count_for(r, all_figs, n)
            out.update(base_n=n, population_n=population if population is not None else pd.NA)
            if k is None:
                out["base_note"] = note + f"; geen geheel aantal van {n} geeft {r['value']:g} %"
            else:
                lo, hi = wilson(k, n)
                out.update(k=k, k_min=k_min, k_max=k_max, k_exact=exact or source == "census", percent=100 * k / n,
                           ci_low=lo, ci_high=hi)
                if population is not None:
                    lo_f, hi_f = wilson_fpc(k, n, population)
                    out.update(ci_low_fpc=lo_f, ci_high_fpc=hi_f)
        rows.append(out)
    df = pd.DataFrame(rows, columns=TREND_COLUMNS)
    for c in ("base_n", "population_n", "k", "k_min", "k_max"):
        df[c] = df[c].astype("Int64")
    df["wave"] = df["wave"].astype(int)
    return df.reset_index(drop=True)

# --------------------------------------------------------------------------- changes between waves


def newcombe_interval(k1: float, n1: float, k2: float, n2: float,
                      confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``p2 - p1`` in percentage points, from the two Wilson intervals
    (Newcombe 1998, method 10; independent samples)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = (x / 100 for x in wilson(k1, n1, confidence))
    l2, u2 = (x / 100 for x in wilson(k2, n2, confidence))
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return (100 * low, 100 * high)


def pooled_z_test(k1: int, n1: int, k2: int, n2: int, f1: float = 1.0, f2: float = 1.0) -> tuple[float, float]:
    """Two-sided pooled z test of ``p1 == p2``; ``f1``/``f2`` are finite-population corrections of the two
    variances (1 = none, then identical to statsmodels ``proportions_ztest``). Returns (z, p)."""
    if f1 == 1.0 and f2 == 1.0:
        z, p = proportions_ztest([k2, k1], [n2, n1])
        return float(z), float(p)
    pbar = (k1 + k2) / (n1 + n2)
    var = pbar * (1 - pbar) * (f1 / n1 + f2 / n2)
    d = k2 / n2 - k1 / n1
    if var <= 0:
        return (math.nan, math.nan)
    z = d / math.sqrt(var)
    return float(z), float(2 * (1 - _norm_cdf(abs(z))))


def overlap_z_test(k1: int, n1: int, k2: int, n2: int, m: int, rho: float, f1: float = 1.0,
                   f2: float = 1.0) -> tuple[float, float]:
    """Two-sided pooled z test of ``p1 == p2`` with a paired component: ``m`` municipalities answered both
    waves with answers correlated ``rho``; variance ``p̄(1 - p̄)(f1/n1 + f2/n2 - 2 rho m / (n1 n2))``.
    ``m == 0`` or ``rho == 0`` is :func:`pooled_z_test`. Returns (z, p)."""
    if not 0 <= m <= min(n1, n2):
        raise ValueError(f"overlap m={m} must lie between 0 and the smaller base ({min(n1, n2)})")
    if not -1 <= rho <= 1:
        raise ValueError(f"correlation rho={rho} must lie between -1 and 1")
    if m == 0 or rho == 0:
        return pooled_z_test(k1, n1, k2, n2, f1, f2)
    pbar = (k1 + k2) / (n1 + n2)
    var = pbar * (1 - pbar) * (f1 / n1 + f2 / n2 - 2 * rho * m / (n1 * n2))
    d = k2 / n2 - k1 / n1
    if var <= 0:
        return (math.nan, math.nan)
    z = d / math.sqrt(var)
    return float(z), float(2 * (1 - _norm_cdf(abs(z))))


def overlap_p_range(ks1: Iterable[int], n1: int, ks2: Iterable[int], n2: int, ms: Iterable[int],
                    rhos: Iterable[float]) -> tuple[float, float]:
    """The smallest and largest p of :func:`overlap_z_test` over every count pair, overlap ``m`` in ``ms``
    (capped at the smaller base) and correlation in ``rhos``."""
    ms = sorted({min(int(m), n1, n2) for m in ms})
    ps = [overlap_z_test(k1, n1, k2, n2, m, r)[1] for k1 in ks1 for k2 in ks2 for m in ms for r in rhos]
    ps = [p for p in ps if not math.isnan(p)]
    return (min(ps), max(ps)) if ps else (math.nan, math.nan)


def _overlap_row(overlap: pd.DataFrame | None, wave_from: int, wave_to: int) -> pd.Series | None:
    if overlap is None or overlap.empty:
        return None
    row = overlap[(overlap["wave_from"] == int(wave_from)) & (overlap["wave_to"] == int(wave_to))]
    return None if row.empty or pd.isna(row.iloc[0]["k_min"]) else row.iloc[0]


def _norm_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _scope_note(key: tuple) -> str:
    """A caveat for breakdowns whose definition may differ between waves (G32, G4, non-G32)."""
    if key[2] in ("G32", "non-G32", "G4"):
        return (f"wie tot de {key[2]} telt kan per meting verschillen (peildatum, G4 erin of niet; zie de "
                f"consistentie-audit van elke meting)")
    return ""


def counts_allowed(row: pd.Series | object) -> list[int]:
    """The whole counts a trend row allows: its published count only (``k_exact``), else every count from
    ``k_min`` to ``k_max`` that reproduces the rounded percentage on the base; empty without a count."""
    k = getattr(row, "k", None) if not isinstance(row, pd.Series) else row["k"]
    if k is None or pd.isna(k):
        return []
    get = (lambda c: row[c]) if isinstance(row, pd.Series) else (lambda c: getattr(row, c))
    if bool(get("k_exact")) or pd.isna(get("k_min")):
        return [int(k)]
    return list(range(int(get("k_min")), int(get("k_max")) + 1))


def p_range(ks1: Iterable[int], n1: int, ks2: Iterable[int], n2: int, f1: float = 1.0,
            f2: float = 1.0) -> tuple[float, float]:
    """The smallest and largest two-sided p of the pooled z test (:func:`pooled_z_test`, with the variance
    factors ``f1``/``f2``) over every pair of counts ``k1`` in ``ks1``, ``k2`` in ``ks2``."""
    ps = [pooled_z_test(k1, n1, k2, n2, f1, f2)[1] for k1 in ks1 for k2 in ks2]
    ps = [p for p in ps if not math.isnan(p)]
    return (min(ps), max(ps)) if ps else (math.nan, math.nan)


def holm(p_values: Iterable[float]) -> list[float]:
    """Holm's step-down adjusted p-values (statsmodels ``multipletests``); NaN stays NaN and is not counted."""
    from statsmodels.stats.multitest import multipletests

    p = [float(x) for x in p_values]
    ok = [i for i, x in enumerate(p) if not math.isnan(x)]
    out = [math.nan] * len(p)
    if ok:
        adj = multipletests([p[i] for i in ok], method="holm")[1]
        for i, a in zip(ok, adj, strict=True):
            out[i] = float(a)
    return out


def verdict(p_adj_max: float, p_adj_min: float, base_sources: Iterable[str], alpha: float = 0.05) -> str:
    """The verdict code of a change (:data:`VERDICTS_NL`): ``distinguishable`` only when the Holm-adjusted p
    is below ``alpha`` over *every* count the rounding allows (``p_adj_max``) and both bases are published;
    ``rounding_dependent`` when only some counts give that; ``bound_only`` when it rests on an unpublished
    (upper-bound) base; ``census`` for a complete count."""
    sources = set(base_sources)
    if "census" in sources:
        return "census"
    if math.isnan(p_adj_max):
        return "not_tested"
    if p_adj_max < alpha:
        return "bound_only" if "upper_bound" in sources else "distinguishable"
    if p_adj_min < alpha:
        return "bound_only" if "upper_bound" in sources else "rounding_dependent"
    return "not_distinguishable"


def change_tests(trends: pd.DataFrame, confidence: float = CONFIDENCE, alpha: float = 0.05,
                 overlap: pd.DataFrame | None = None,
                 correlation: Mapping[tuple, float] | None = None) -> pd.DataFrame:
    """The change between consecutive waves of every percentage trend (columns ``CHANGE_COLUMNS``).

    ``z``/``p_value``/``diff_low``/``diff_high``: independent-samples pooled z test and Newcombe interval at
    the counts of the trend table. ``*_fpc``: the same with the finite-population correction, where both
    waves' population sizes are known (not for a census); shown as a sensitivity reading, never as the
    verdict (its random-subset assumption is doubtful, S17). ``p_raw_min``/``p_raw_max`` (and
    ``p_fpc_min``/``p_fpc_max``): the p range over every count the published rounding allows
    (``k_from_min``..``k_to_max``); ``p_adj_min``/``p_adj_max``: Holm over the family ``TREND_FAMILY`` (every
    tested change, ``family_size``); ``verdict``: :func:`verdict`. Without a base on either side: no test,
    ``note`` says why. See the module docstring for the assumptions and the effect of overlapping respondents.

    ``overlap`` (columns wave_from, wave_to, k_min, k_max, source; :func:`published_overlap` or
    :func:`survey_overlap`): the municipalities that answered both waves, used as a paired component in the
    change tests of figures over all respondents (``overlap_*``, ``p_overlap_*``); ``correlation`` maps
    (variable, category, breakdown, wave_from, wave_to) to a known within-municipality correlation, which
    then decides the verdict (module docstring).
    """
    rows = []
    correlation = dict(correlation or {})
    pct = trends[trends["statistic"] == "percent"]
    for key, g in pct.groupby(KEY, sort=True):
        g = g.sort_values("wave")
        for a, b in zip(g.itertuples(index=False), g.iloc[1:].itertuples(index=False), strict=False):
            out = dict(zip(KEY, key, strict=True))
            out.update(universe=b.universe if a.universe == b.universe else f"{a.universe}/{b.universe}",
                       wave_from=a.wave, wave_to=b.wave, value_from=a.value, value_to=b.value,
                       diff_pp=b.value - a.value, n_from=a.base_n, n_to=b.base_n,
                       base_source_from=a.base_source, base_source_to=b.base_source, test="", z=math.nan,
                       p_value=math.nan, diff_low=math.nan, diff_high=math.nan, z_fpc=math.nan,
                       p_value_fpc=math.nan, diff_low_fpc=math.nan, diff_high_fpc=math.nan, note="",
                       k_from_min=pd.NA, k_from_max=pd.NA, k_to_min=pd.NA, k_to_max=pd.NA, p_raw_min=math.nan,
                       p_raw_max=math.nan, p_fpc_min=math.nan, p_fpc_max=math.nan, family="", family_size=pd.NA,
                       p_adj_min=math.nan, p_adj_max=math.nan, verdict="not_tested", overlap_m_min=pd.NA,
                       overlap_m_max=pd.NA, overlap_source="", rho=math.nan, p_overlap_min=math.nan,
                       p_overlap_max=math.nan)
            if a.universe != b.universe:
                out["note"] = "universum verschilt tussen de metingen: geen toets"
                rows.append(out)
                continue
            if pd.isna(a.k) or pd.isna(b.k):
                missing = [str(w.wave) for w in (a, b) if pd.isna(w.k)]
                out["note"] = "; ".join(filter(None, [
                    f"basis niet gepubliceerd ({', '.join(missing)}): geen interval, geen toets", _scope_note(key)]))
                rows.append(out)
                continue
            k1, n1, k2, n2 = int(a.k), int(a.base_n), int(b.k), int(b.base_n)
            ks1, ks2 = counts_allowed(a), counts_allowed(b)
            out.update(k_from_min=min(ks1), k_from_max=max(ks1), k_to_min=min(ks2), k_to_max=max(ks2))
            out["diff_pp"] = 100 * (k2 / n2 - k1 / n1)
            out["z"], out["p_value"] = pooled_z_test(k1, n1, k2, n2)
            out["p_raw_min"], out["p_raw_max"] = p_range(ks1, n1, ks2, n2)
            out["diff_low"], out["diff_high"] = newcombe_interval(k1, n1, k2, n2, confidence)
            out["test"] = "pooled z, Newcombe"
            out["family"] = TREND_FAMILY
            notes = []
            census = a.base_source == "census" or b.base_source == "census"
            if census:
                notes.append("volledige telling: het verschil is een feit over de populatie (op afronding na); "
                             "de toets leest de respons als toevalsproces (superpopulatie)")
            elif pd.notna(a.population_n) and pd.notna(b.population_n):
                f1, f2 = fpc_factor(n1, int(a.population_n)), fpc_factor(n2, int(b.population_n))
                out["z_fpc"], out["p_value_fpc"] = pooled_z_test(k1, n1, k2, n2, f1, f2)
                out["p_fpc_min"], out["p_fpc_max"] = p_range(ks1, n1, ks2, n2, f1, f2)
                e1, e2 = n1 / f1, n2 / f2
                out["diff_low_fpc"], out["diff_high_fpc"] = newcombe_interval(
                    k1 / n1 * e1, e1, k2 / n2 * e2, e2, confidence)
            ov = _overlap_row(overlap, a.wave, b.wave)
            if ov is not None and not census and a.universe == "respondents" and key[2] == "all":
                ms = range(int(ov["k_min"]), int(ov["k_max"]) + 1)
                rho = correlation.get((*key[:3], int(a.wave), int(b.wave)))
                out.update(overlap_m_min=min(min(ms), n1, n2), overlap_m_max=min(max(ms), n1, n2),
                           overlap_source=str(ov.get("source", "published")))
                if rho is None:
                    out["p_overlap_min"], out["p_overlap_max"] = overlap_p_range(ks1, n1, ks2, n2, ms, (0.0, 1.0))
                else:
                    out["rho"] = float(rho)
                    out["p_overlap_min"], out["p_overlap_max"] = overlap_p_range(ks1, n1, ks2, n2, ms, (rho,))
                    out["p_raw_min"], out["p_raw_max"] = out["p_overlap_min"], out["p_overlap_max"]
                    out["test"] = "pooled z met gepaarde component, Newcombe"
            if "upper_bound" in (a.base_source, b.base_source):
                notes.append("basis niet gepubliceerd: getoetst bij de grootst mogelijke basis (ondergrens van "
                             "de onzekerheid)")
            out["note"] = "; ".join(filter(None, [*notes, _scope_note(key)]))
            rows.append(out)
    df = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    fam = df["family"] == TREND_FAMILY
    if fam.any():
        df.loc[fam, "family_size"] = int(fam.sum())
        df.loc[fam, "p_adj_min"] = holm(df.loc[fam, "p_raw_min"])
        df.loc[fam, "p_adj_max"] = holm(df.loc[fam, "p_raw_max"])
        df.loc[fam, "verdict"] = [
            verdict(hi, lo, (sf, st), alpha) for hi, lo, sf, st in
            zip(df.loc[fam, "p_adj_max"], df.loc[fam, "p_adj_min"], df.loc[fam, "base_source_from"],
                df.loc[fam, "base_source_to"], strict=True)]
    for c in ("n_from", "n_to", "k_from_min", "k_from_max", "k_to_min", "k_to_max", "family_size",
              "overlap_m_min", "overlap_m_max"):
        df[c] = df[c].astype("Int64")
    return df.reset_index(drop=True)


def trend_label_nl(row: pd.Series | Mapping) -> str:
    """A short Dutch label of a trend figure (for tables and figure panels)."""
    labels = {
        "response_rate": "Respons",
        "n_respondents": "Aantal responderende gemeenten",
        "has_teams": "Werkt met sociale (wijk)teams",
    }
    variable, category = row["variable"], row["category"]
    if variable in labels:
        text = labels[variable]
    elif variable == "team_type" and "target" in str(category):
        text = "Doelgroepgerichte teams"
    else:
        text = f"{variable}: {category}"
    if row["breakdown"] != "all":
        text += f" ({row['breakdown']})"
    return text


def trend_summary_nl(trends: pd.DataFrame) -> pd.DataFrame:
    """One line per trend: Dutch label and the values over time (``69 → 87 → 83 %``)."""
    rows = []
    for key, g in trends.groupby(KEY, sort=True):
        g = g.sort_values("wave")
        unit = " %" if key[3] == "percent" else ""
        values = " → ".join(f"{v:g}".replace(".", ",") for v in g["value"])
        rows.append({"cijfer": trend_label_nl(dict(zip(KEY, key, strict=True))),
                     "metingen": " → ".join(str(w) for w in g["wave"]), "waarden": values + unit})
    return pd.DataFrame(rows, columns=["cijfer", "metingen", "waarden"])


def _nl(x: float, decimals: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return "–"
    return f"{x:.{decimals}f}".replace(".", ",").replace("-", "−")


def _p_nl(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return "< 0,001" if p < 0.001 else _nl(p, 3)


def _p_eq(p: float) -> str:
    return _p_nl(p) if p < 0.001 else f"= {_p_nl(p)}"


def trends_table_nl(trends: pd.DataFrame) -> pd.DataFrame:
    """The trend table for the report: Dutch headers, decimal commas, the base and where it comes from."""
    rows = []
    for _, r in trends.iterrows():
        unit = " %" if r["statistic"] == "percent" else ""
        has_ci = not math.isnan(r["ci_low"])
        base = "–" if pd.isna(r["base_n"]) else ("≤ " if r["base_source"] == "upper_bound" else "") + str(
            int(r["base_n"]))
        rows.append({
            "cijfer": trend_label_nl(r), "meting": int(r["wave"]), "gepubliceerd": f"{r['value']:g}{unit}",
            "basis": base, "herkomst basis": BASE_SOURCES_NL.get(r["base_source"], r["base_source"]),
            "k van n": "–" if pd.isna(r["k"]) else f"{int(r['k'])} van {int(r['base_n'])}",
            "95 %-interval (Wilson)": f"{_nl(r['ci_low'])} – {_nl(r['ci_high'])}" if has_ci else "–",
            "met eindige-populatiecorrectie": (
                "geen steekproef (volledige telling)" if r["base_source"] == "census" and has_ci
                else f"{_nl(r['ci_low_fpc'])} – {_nl(r['ci_high_fpc'])}" if not math.isnan(r["ci_low_fpc"])
                else "–"),
            "bron": r["finding_id"] + (f" (ook geciteerd in {r['quoted_in'].replace(';', ', ')})"
                                       if r["quoted_in"] else ""),
        })
    return pd.DataFrame(rows)


def p_range_nl(low: float, high: float) -> str:
    """'0,167–0,315' (one value when both ends agree to three decimals); '–' when not tested."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "–"
    a, b = _p_nl(low), _p_nl(high)
    return a if a == b else f"{a}–{b}"


def _counts_nl(kmin: object, kmax: object, n: object) -> str:
    if pd.isna(kmin):
        return "–"
    ks = str(int(kmin)) if int(kmin) == int(kmax) else f"{int(kmin)}–{int(kmax)}"
    return f"{ks} van {int(n)}"


def changes_table_nl(changes: pd.DataFrame) -> pd.DataFrame:
    """The change tests for the report: Dutch headers, decimal commas, the counts the rounding allows, the p
    range over them (raw and Holm-adjusted over the family of trend tests), the verdict and the FPC reading
    as a sensitivity check."""
    rows = []
    for _, r in changes.iterrows():
        tested = not math.isnan(r["p_value"])
        fam = (f"{r['family']} ({int(r['family_size'])} toetsen)" if r["family"] and pd.notna(r["family_size"])
               else "–")
        rows.append({
            "cijfer": trend_label_nl(r), "van → naar": f"{int(r['wave_from'])} → {int(r['wave_to'])}",
            "gepubliceerd": f"{r['value_from']:g} → {r['value_to']:g} %",
            "aantallen (afronding)": (f"{_counts_nl(r['k_from_min'], r['k_from_max'], r['n_from'])} → "
                                      f"{_counts_nl(r['k_to_min'], r['k_to_max'], r['n_to'])}" if tested else "–"),
            "verschil (pp)": _nl(r["diff_pp"]),
            "95 %-interval verschil (Newcombe)": f"{_nl(r['diff_low'])} – {_nl(r['diff_high'])}" if tested else "–",
            "p (z-toets, ongecorrigeerd)": p_range_nl(r["p_raw_min"], r["p_raw_max"]),
            "familie": fam,
            "p na Holm": p_range_nl(r["p_adj_min"], r["p_adj_max"]),
            "oordeel": VERDICTS_NL.get(r["verdict"], r["verdict"]),
            "p met EPC (gevoeligheid)": p_range_nl(r["p_fpc_min"], r["p_fpc_max"]),
            "opmerking": r["note"],
        })
    return pd.DataFrame(rows)


#: Why the finite-population reading does not decide a verdict (Dutch, for the report).
FPC_CAVEAT_NL = ("die correctie veronderstelt dat de responderende gemeenten een aselecte deelverzameling van de "
                 "uitgenodigde gemeenten zijn (de extra precisie komt helemaal uit die aanname), en dat is "
                 "twijfelachtig: de respons hangt samen met grootte en G32-lidmaatschap. Deze lezing telt daarom "
                 "niet mee in het oordeel")


def _p_phrase(low: float, high: float) -> str:
    """'p < 0,001', 'p = 0,259' or 'p tussen 0,167 en 0,315' (Dutch)."""
    a, b = _p_nl(low), _p_nl(high)
    if a == b:
        return f"p {_p_eq(low)}"
    return f"p tussen {a} en {b}"


def change_sentence_nl(c: pd.Series | Mapping) -> str:
    """One Dutch sentence on one tested change: the difference with its interval, the p range over the counts
    the rounding allows, raw and Holm-adjusted over the family of trend tests, the verdict, and the FPC
    reading as a sensitivity check with its assumption (generated from the numbers, never fixed text)."""
    span = f"{int(c['wave_from'])}→{int(c['wave_to'])}"
    if math.isnan(c["p_value"]):
        return f"Verandering {span}: niet te toetsen ({c['note']})."
    adj = (f"na Holm-correctie over de familie van {int(c['family_size'])} trendtoetsen "
           f"{_p_phrase(c['p_adj_min'], c['p_adj_max'])}")
    ci = f"95 %-interval {_nl(c['diff_low'])} tot {_nl(c['diff_high'])}"
    if c["verdict"] == "census":
        return (f"Verandering {span}: {_nl(c['diff_pp'])} procentpunt. Als volledige telling is dat een feit over de "
                f"uitgenodigde gemeenten (op afronding na); gelezen als toevalsproces van respons: {ci}, "
                f"{_p_phrase(c['p_raw_min'], c['p_raw_max'])}, {adj}.")
    exact = (c["k_from_min"] == c["k_from_max"]) and (c["k_to_min"] == c["k_to_max"])
    counts = (f"{int(c['wave_from'])}: {_counts_nl(c['k_from_min'], c['k_from_max'], c['n_from'])}; "
              f"{int(c['wave_to'])}: {_counts_nl(c['k_to_min'], c['k_to_max'], c['n_to'])}")
    where = (f"Bij de gepubliceerde aantallen ({counts})" if exact else
             f"Over alle aantallen die de afgeronde percentages toelaten ({counts})")
    text = (f"Verandering {span}: {_nl(c['diff_pp'])} procentpunt ({ci}). {where} is de uitkomst van de z-toets "
            f"voor onafhankelijke steekproeven {_p_phrase(c['p_raw_min'], c['p_raw_max'])}, {adj}: "
            f"{VERDICTS_NL.get(c['verdict'], c['verdict'])}.")
    text += _overlap_sentence_nl(c)
    if not math.isnan(c["p_fpc_min"]):
        text += (f" Met eindige-populatiecorrectie zou dat {_p_phrase(c['p_fpc_min'], c['p_fpc_max'])} zijn; "
                 f"{FPC_CAVEAT_NL}.")
    if c["note"]:
        text += f" Let op: {c['note']}."
    return text


def _overlap_sentence_nl(c: pd.Series | Mapping) -> str:
    """The paired component of a change in Dutch ('' when no overlap is known for it)."""
    lo, hi = c.get("p_overlap_min", math.nan), c.get("p_overlap_max", math.nan)
    if lo is None or hi is None or math.isnan(lo):
        return ""
    m = (str(int(c["overlap_m_min"])) if c["overlap_m_min"] == c["overlap_m_max"]
         else f"{int(c['overlap_m_min'])} tot {int(c['overlap_m_max'])}")
    where = "volgens de gemeentelijke bestanden" if c.get("overlap_source") == "survey" else "volgens de gepubliceerde cijfers"
    rho = c.get("rho", math.nan)
    if rho is None or math.isnan(rho):
        return (f" {m} gemeenten deden {where} aan beide metingen mee. Hoe sterk hun antwoorden over de tijd "
                f"samenhangen is niet bekend; met die overlap als gepaard deel van de toets ligt de p-waarde tussen "
                f"{_p_nl(lo)} (als elke gemeente haar antwoord vasthoudt) en {_p_nl(hi)} (geen samenhang, de "
                f"toets hierboven). Het oordeel gebruikt de voorzichtige kant (geen samenhang).")
    return (f" {m} gemeenten deden {where} aan beide metingen mee, met een samenhang van hun antwoorden van "
            f"{_nl(rho, 2)}; de toets rekent die overlap mee als gepaard deel (p {p_range_nl(lo, hi)}, "
            f"ongecorrigeerd), en het oordeel rust daarop.")


def conclusions_nl(trends: pd.DataFrame, changes: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """One Dutch sentence per trend, with its tested changes (generated from the figures, never fixed text)."""
    out = []
    for key, g in trends.groupby(KEY, sort=True):
        g = g.sort_values("wave")
        row = dict(zip(KEY, key, strict=True))
        unit = " %" if row["statistic"] == "percent" else ""
        series = " → ".join(f"{v:g}{unit} ({w})" for v, w in zip(g["value"], g["wave"], strict=True))
        text = f"**{trend_label_nl(row)}**: {series}."
        ch = changes[(changes[KEY] == pd.Series(row)).all(axis=1)] if len(changes) else changes
        for _, c in ch.iterrows():
            text += " " + change_sentence_nl(c)
        if row["statistic"] == "percent" and g["base_source"].eq("not_published").all():
            text += " De basis is in geen van de metingen gepubliceerd: geen interval en geen toets."
        out.append(text)
    return out


# --------------------------------------------------------------------------- merger-stable panel

PANEL_COLUMNS = ["wave", "register_year", "gm_code", "gm_code_2025", "name_2025", "area_share", "main"]


def respondent_codes(survey_path: str | Path, wave: int) -> list[str]:
    """The CBS codes of a wave's responding municipalities: a cleaned ``.parquet`` table as is, else the
    export through ``clean_survey`` (codes of the wave's register year), sorted."""
    p = Path(survey_path)
    if not p.is_file():
        raise FileNotFoundError(f"survey file not found: {p}")
    table = pd.read_parquet(p) if p.suffix.lower() == ".parquet" else clean_survey(p, int(wave)).table
    return sorted(table["gm_code"].astype(str))


def panel(codes_by_wave: Mapping[int, Iterable[str]]) -> pd.DataFrame:
    """Every wave's municipality codes mapped to the 2025 municipalities with the CBS crosswalk of the wave's
    register year: one row per (wave, code, 2025 municipality) with the area share and the main link, sorted
    like :func:`wijkteam_stats.reference.municipalities.to_2025` (largest share first).

    The same rows as ``to_2025(code, register_year)`` for each code, in one vectorised join (a wave's whole
    register maps in milliseconds). Raises ValueError naming the wave and the codes that are not
    municipalities of that register year.
    """
    cw = municipalities.crosswalk().rename(columns={
        "van_gm_code": "gm_code", "naar_gm_code_2025": "gm_code_2025", "naar_naam_2025": "name_2025",
        "aandeel_oppervlakte": "area_share", "hoofdkoppeling": "main"})
    frames = []
    for wave in sorted(codes_by_wave):
        year = waves.register_year(int(wave))
        codes = pd.DataFrame({"gm_code": sorted({str(c) for c in codes_by_wave[wave]})})
        links = codes.merge(cw[cw["van_jaar"] == year], on="gm_code", how="left", validate="1:m")
        unknown = sorted(set(links.loc[links["gm_code_2025"].isna(), "gm_code"]))
        if unknown:
            raise ValueError(f"wave {wave}: not municipalities of 1 January {year}: {', '.join(unknown[:10])}")
        frames.append(links.assign(wave=int(wave), register_year=year))
    if not frames:
        return pd.DataFrame(columns=PANEL_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[PANEL_COLUMNS]
    out = out.sort_values(["wave", "gm_code", "area_share", "gm_code_2025"],
                          ascending=[True, True, False, True], kind="stable")
    out["main"] = out["main"].astype(bool)
    return out.reset_index(drop=True)


def presence(panel_rows: pd.DataFrame) -> pd.DataFrame:
    """Per 2025 municipality and wave: answered, i.e. a respondent of that wave has it as its *main* 2025
    municipality (a split municipality counts where most of its territory went, not in every part), as a
    boolean table (index gm_code_2025, one column per wave) plus ``n_waves``; sorted by code."""
    main = panel_rows[panel_rows["main"]]
    if main.empty:
        return pd.DataFrame(columns=["n_waves"])
    tab = pd.crosstab(main["gm_code_2025"], main["wave"]) > 0
    tab.columns = [int(c) for c in tab.columns]
    tab["n_waves"] = tab.sum(axis=1).astype(int)
    return tab.sort_index()


def overlap_shares(panel_rows: pd.DataFrame) -> pd.DataFrame:
    """Per wave (after the first): how many of its respondents also answered the previous wave.

    Columns: wave, previous_wave, respondents; ``also_previous_same_code`` (the same CBS code answered the
    previous wave: the same municipality, no territorial change in between) and ``also_previous_2025``
    (its main 2025 municipality is the main 2025 municipality of a respondent of the previous wave: follows
    mergers, e.g. Leeuwarderadeel 2014 and Leeuwarden 2015 are one 2025 Leeuwarden) with their shares.
    """
    main = panel_rows[panel_rows["main"]]
    waves_ = sorted(set(main["wave"]))
    rows = []
    for prev, wave in zip(waves_, waves_[1:], strict=False):
        before = main[main["wave"] == prev]
        cur = main[main["wave"] == wave]
        n = len(cur)
        same = int(cur["gm_code"].isin(set(before["gm_code"])).sum())
        terr = int(cur["gm_code_2025"].isin(set(before["gm_code_2025"])).sum())
        rows.append({"wave": wave, "previous_wave": prev, "respondents": n, "also_previous_same_code": same,
                     "share_same_code": same / n if n else math.nan, "also_previous_2025": terr,
                     "share_2025": terr / n if n else math.nan})
    return pd.DataFrame(rows, columns=["wave", "previous_wave", "respondents", "also_previous_same_code",
                                       "share_same_code", "also_previous_2025", "share_2025"])


def multiwave_counts(panel_rows: pd.DataFrame) -> pd.DataFrame:
    """How many 2025 municipalities answered in 1, 2, ... waves (columns n_waves, municipalities_2025)."""
    pres = presence(panel_rows)
    if pres.empty:
        return pd.DataFrame(columns=["n_waves", "municipalities_2025"])
    counts = pres["n_waves"].value_counts().sort_index()
    return pd.DataFrame({"n_waves": counts.index.astype(int), "municipalities_2025": counts.to_numpy()})


def answers_on_2025(panel_rows: pd.DataFrame, tables: Mapping[int, pd.DataFrame], column: str) -> pd.DataFrame:
    """One answer (``column`` of each wave's tidy table) per (2025 municipality, wave), for following a
    municipality over time. Only respondents whose *main* link is that 2025 municipality count; among several
    (a merger), the one with the 2025 code itself, else the largest area share, else the lowest code.
    Columns: gm_code_2025, name_2025, wave, gm_code, area_share, value. Only meaningful on real data (on
    SYNTHETIC data each wave's answers were invented independently)."""
    frames = []
    for wave, table in sorted(tables.items()):
        if column not in table.columns:
            raise KeyError(f"wave {wave}: the survey table has no column {column!r}")
        frames.append(table[["gm_code", column]].astype({"gm_code": str}).assign(wave=int(wave)))
    if not frames:
        return pd.DataFrame(columns=["gm_code_2025", "name_2025", "wave", "gm_code", "area_share", "value"])
    answers = pd.concat(frames, ignore_index=True).rename(columns={column: "value"})
    merged = panel_rows[panel_rows["main"]].merge(answers, on=["wave", "gm_code"], how="inner", validate="1:1")
    merged = merged.assign(_own=merged["gm_code"] == merged["gm_code_2025"])
    merged = merged.sort_values(["gm_code_2025", "wave", "_own", "area_share", "gm_code"],
                                ascending=[True, True, False, False, True], kind="stable")
    out = merged.drop_duplicates(["gm_code_2025", "wave"], keep="first")
    return out[["gm_code_2025", "name_2025", "wave", "gm_code", "area_share", "value"]].reset_index(drop=True)


def transitions(followed: pd.DataFrame, wave_from: int, wave_to: int) -> pd.DataFrame:
    """Cross-table of the answers of the 2025 municipalities that answered both waves (rows: ``wave_from``,
    columns: ``wave_to``): the paired view that the independent-samples test ignores."""
    a = followed[followed["wave"] == wave_from].set_index("gm_code_2025")["value"]
    b = followed[followed["wave"] == wave_to].set_index("gm_code_2025")["value"]
    both = a.index.intersection(b.index)
    return pd.crosstab(a.loc[both].rename(str(wave_from)), b.loc[both].rename(str(wave_to)), dropna=False)


def paired_change(followed: pd.DataFrame, wave_from: int, wave_to: int, positive: object) -> dict:
    """McNemar's exact test of a change in the share ``value == positive`` among the 2025 municipalities that
    answered both waves (the paired test the independent-samples test cannot be; real data only).

    Returns n_pairs, share_from and share_to (percent), the discordant counts (``from_only``: positive in
    ``wave_from`` only, ``to_only``) and the exact two-sided p-value (NaN without discordant pairs to test).
    """
    a = followed[followed["wave"] == wave_from].set_index("gm_code_2025")["value"]
    b = followed[followed["wave"] == wave_to].set_index("gm_code_2025")["value"]
    both = a.index.intersection(b.index)
    a, b = a.loc[both].eq(positive), b.loc[both].eq(positive)
    from_only, to_only = int((a & ~b).sum()), int((~a & b).sum())
    n = len(both)
    p = math.nan
    if from_only + to_only:
        p = float(mcnemar([[int((a & b).sum()), from_only], [to_only, int((~a & ~b).sum())]], exact=True).pvalue)
    return {"wave_from": int(wave_from), "wave_to": int(wave_to), "n_pairs": n,
            "share_from": 100 * a.mean() if n else math.nan, "share_to": 100 * b.mean() if n else math.nan,
            "from_only": from_only, "to_only": to_only, "p_value": p}


def presence_table(panel_rows: pd.DataFrame) -> pd.DataFrame:
    """Which 2025 municipalities answered in which waves: gm_code_2025, name_2025, one boolean column per
    wave (``wave_<year>``) and n_waves, sorted by code."""
    pres = presence(panel_rows)
    if pres.empty:
        return pd.DataFrame(columns=["gm_code_2025", "name_2025", "n_waves"])
    names = panel_rows.drop_duplicates("gm_code_2025").set_index("gm_code_2025")["name_2025"]
    out = pres.rename(columns={c: f"wave_{c}" for c in pres.columns if c != "n_waves"})
    out.insert(0, "name_2025", names.reindex(out.index).to_numpy())
    return out.rename_axis("gm_code_2025").reset_index()


# --------------------------------------------------------------------------- one call for the notebook / CLI


@dataclass
class TrendResult:
    """Everything the trends notebook shows. ``panel``/``overlap``/``multiwave`` are None unless every
    wave's survey file is not SYNTHETIC by its provenance record (real, or no record: "herkomst onbekend", said
    in the notebook), because on SYNTHETIC data they would be invented."""

    published: pd.DataFrame
    trends: pd.DataFrame
    changes: pd.DataFrame
    inventory: pd.DataFrame
    register_panel: pd.DataFrame
    survey_paths: dict[int, Path]
    synthetic: dict[int, bool]
    panel: pd.DataFrame | None = None
    overlap: pd.DataFrame | None = None
    multiwave: pd.DataFrame | None = None
    tables: dict[int, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def waves(self) -> list[int]:
        """The waves with a published-figures file."""
        return sorted(set(self.published["file_wave"]))

    @property
    def any_synthetic(self) -> bool:
        """True when a survey file in use is SYNTHETIC (or none is available): the panel is withheld."""
        return not self.survey_paths or any(self.synthetic.values())


def default_survey_paths(wave_list: Iterable[int]) -> dict[int, Path]:
    """The shipped SYNTHETIC export of each wave that has one (``data/raw/survey``)."""
    out = {}
    for w in wave_list:
        p = paths.synthetic_survey_file(int(w))
        if p.is_file():
            out[int(w)] = p
    return out


def build_trends(published: Iterable[str | Path] | str | Path | None = None,
                 survey_paths: Mapping[int | str, str | Path] | None = None) -> TrendResult:
    """National trends from the published-figures files (a folder, a list of files, or the shipped ones) and,
    when every wave's survey file is real data, the merger-stable panel of respondents."""
    if published is None or isinstance(published, (str, Path)) and Path(published).is_dir():
        files = published_files(published)
    elif isinstance(published, (str, Path)):
        files = [Path(published)]
    else:
        files = [Path(f) for f in published]
    pub = all_published(files)
    trends = national_trends(pub)
    wave_list = sorted(set(pub["file_wave"]))
    surveys = ({int(k): Path(v) for k, v in survey_paths.items()} if survey_paths is not None
               else default_survey_paths(wave_list))
    for w, p in surveys.items():
        if not p.is_file():
            raise FileNotFoundError(f"survey file of wave {w} not found: {p}")
    synthetic = {w: provenance.is_synthetic(p) for w, p in surveys.items()}
    reg, notes = {}, []
    for w in wave_list:
        try:
            reg[w] = municipalities.register(waves.register_year(w))["gm_code"].tolist()
        except KeyError as err:
            notes.append(f"meting {w}: registerjaar onbekend ({err.args[0]}); niet in het register-panel")
    known_overlap = published_overlap(pub)
    result = TrendResult(pub, trends, change_tests(trends, overlap=known_overlap), multiwave_inventory(pub),
                         panel(reg), surveys, synthetic, notes=notes)
    if not result.any_synthetic:
        result.tables = {w: _tidy(p, w) for w, p in surveys.items()}
        result.panel = panel({w: sorted(t["gm_code"].astype(str)) for w, t in result.tables.items()})
        result.overlap = overlap_shares(result.panel)
        result.multiwave = multiwave_counts(result.panel)
        # real files: their overlap is exact; a published share covers only the pairs the files do not
        own = survey_overlap(result.overlap)
        pairs = set(zip(own["wave_from"], own["wave_to"], strict=True))
        rest = known_overlap[[(a, b) not in pairs for a, b in zip(known_overlap["wave_from"],
                                                                  known_overlap["wave_to"], strict=True)]]
        result.changes = change_tests(trends, overlap=pd.concat([own, rest], ignore_index=True) if len(rest) else own)
    return result


def _tidy(path: Path, wave: int) -> pd.DataFrame:
    return pd.read_parquet(path) if path.suffix.lower() == ".parquet" else clean_survey(path, int(wave)).table


def register_summary(register_panel: pd.DataFrame) -> pd.DataFrame:
    """Per wave: invited municipalities, how many are still a 2025 municipality of their own, how many merged
    into another, how many were split, and the number of 2025 municipalities they cover."""
    rows = []
    for wave, g in register_panel.groupby("wave", sort=True):
        links = g.groupby("gm_code")["gm_code_2025"].nunique()
        same = int((g[g["main"]]["gm_code"] == g[g["main"]]["gm_code_2025"]).sum())
        rows.append({"meting": int(wave), "registerjaar": int(g["register_year"].iloc[0]),
                     "gemeenten": int(links.size), "ongewijzigd_in_2025": same,
                     "gesplitst": int((links > 1).sum()),
                     "opgegaan_in_andere": int(links.size - same - (links > 1).sum()),
                     "gemeenten_2025": int(g["gm_code_2025"].nunique())})
    return pd.DataFrame(rows)


def write_tables(result: TrendResult, output_dir: str | Path | None = None) -> list[Path]:
    """Write the trend tables to ``<output_dir>/tables/trends/`` (CSV through the safe writer); the panel
    tables only when they exist (real data)."""
    folder = paths.ensure_dir((Path(output_dir) if output_dir else paths.OUTPUTS) / "tables" / "trends")
    out = [
        safe_to_csv(result.trends, folder / "national_trends.csv"),
        safe_to_csv(result.changes, folder / "changes.csv"),
        safe_to_csv(result.inventory, folder / "multiwave_inventory.csv"),
        safe_to_csv(result.register_panel, folder / "register_to_2025.csv"),
    ]
    if result.panel is not None:
        out.append(safe_to_csv(result.panel, folder / "respondent_panel_2025.csv"))
        out.append(safe_to_csv(result.overlap, folder / "respondent_overlap.csv"))
        out.append(safe_to_csv(result.multiwave, folder / "respondents_multiwave.csv"))
        out.append(safe_to_csv(presence_table(result.panel), folder / "respondents_by_2025_municipality.csv"))
    return out


def published_overlap(pub: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """The published panel figures ("x % of this wave's respondents also answered wave W"): one row per
    (earlier wave, wave) with the share and the overlap count it implies (columns wave_from, wave_to, percent,
    k_min, k_max, n_to, finding_id). Empty when no wave publishes one."""
    cb = codebook or load_codebook()
    rows = []
    own = pub[pub["own"]] if "own" in pub.columns else pub
    figs = select_figures(pub)
    for r in own.itertuples():
        earlier = panel_wave(r, cb)
        if earlier is None or pd.isna(r.value):
            continue
        n = _respondents(figs, int(r.wave))
        ks = consistent_counts(float(r.value), int(n), str(r.qualifier)) if n else []
        rows.append({"wave_from": int(earlier), "wave_to": int(r.wave), "percent": float(r.value),
                     "k_min": min(ks) if ks else pd.NA, "k_max": max(ks) if ks else pd.NA, "n_to": n,
                     "finding_id": r.finding_id, "source": "published"})
    return pd.DataFrame(rows, columns=OVERLAP_COLUMNS)


#: Columns of an overlap table (:func:`published_overlap`, :func:`survey_overlap`).
OVERLAP_COLUMNS = ["wave_from", "wave_to", "percent", "k_min", "k_max", "n_to", "finding_id", "source"]


def survey_overlap(shares: pd.DataFrame) -> pd.DataFrame:
    """The overlap of the survey files (:func:`overlap_shares`) as an overlap table: the municipalities with
    the same CBS code in both waves (the same respondent; a merger makes a new one), exact counts."""
    rows = [{"wave_from": int(r.previous_wave), "wave_to": int(r.wave),
             "percent": 100 * r.share_same_code, "k_min": int(r.also_previous_same_code),
             "k_max": int(r.also_previous_same_code), "n_to": int(r.respondents), "finding_id": "",
             "source": "survey"} for r in shares.itertuples()]
    return pd.DataFrame(rows, columns=OVERLAP_COLUMNS)


def overlap_assumption_nl(overlap: pd.DataFrame, wave_from: int, wave_to: int) -> str:
    """What a change test between two waves assumes about their respondents, in Dutch: independent samples,
    and (when a panel figure is published) how many municipalities answered both, with what that means."""
    row = overlap[(overlap["wave_from"] == int(wave_from)) & (overlap["wave_to"] == int(wave_to))]
    if row.empty:
        return (f"De toets behandelt {wave_from} en {wave_to} als onafhankelijke steekproeven; hoeveel gemeenten "
                "aan beide metingen meededen, is niet gepubliceerd.")
    r = row.iloc[0]
    k = f"{r['k_min']}" if r["k_min"] == r["k_max"] else f"{r['k_min']} tot {r['k_max']}"
    where = "Volgens de gemeentelijke bestanden" if r.get("source") == "survey" else "Volgens de gepubliceerde cijfers"
    return (f"{where} deed {_nl(r['percent'], 0)} % van de respondenten van {wave_to} "
            f"({k} gemeenten) ook mee in {wave_from}. De toets van een verandering over alle respondenten rekent "
            "die gemeenten mee als gepaard deel: hun antwoorden in beide metingen hangen samen, wat de onzekerheid "
            "van het verschil kleiner maakt. Hoe sterk die samenhang is, is zonder de antwoorden per gemeente niet "
            "bekend; daarom staat de p-waarde tussen geen samenhang (de toets voor onafhankelijke steekproeven) en "
            "volledige samenhang, en rust het oordeel op de voorzichtige kant: geen samenhang.")


__all__ = [
    "CHANGE_COLUMNS", "FPC_CAVEAT_NL", "KEY", "TREND_FAMILY", "VERDICTS_NL", "change_sentence_nl",
    "counts_allowed", "holm", "p_range", "p_range_nl", "verdict", "paired_change", "presence_table", "changes_table_nl", "conclusions_nl", "trends_table_nl", "TrendResult", "answers_on_2025", "build_trends", "default_survey_paths",
    "register_summary", "transitions", "write_tables", "METHOD_NL", "PANEL_COLUMNS", "TEST_NL", "TREND_COLUMNS", "all_published",
    "change_tests", "consistent_counts", "fpc_factor", "multiwave_counts", "multiwave_inventory",
    "national_trends", "newcombe_interval", "OVERLAP_COLUMNS", "overlap_assumption_nl", "overlap_p_range",
    "overlap_z_test", "survey_overlap", "overlap_shares", "published_overlap", "panel", "pooled_z_test", "presence",
    "published_files", "respondent_codes", "select_figures", "trend_label_nl", "trend_summary_nl", "wilson",
    "wilson_fpc",
]
