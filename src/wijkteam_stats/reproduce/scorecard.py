"""The reproduction scorecard: every row of a published-figures file recomputed from a tidy survey table.

The engine is driven by the published-figures file and the codebook only: reproducing another wave
means adding its file (and codebook entries for questions the codebook lacks), not editing code.
Every input row appears exactly once in the scorecard, in file order, with a status:

``match``
    the reproduced number agrees with the published one within the tolerance of its qualifier
    (and the published base, when there is one, equals the reproduced base);
``mismatch``
    it does not (the reason says by how much, or which base differs);
``not_reproducible``
    the number cannot be computed from this table: a reference figure of another wave, a variable or
    category the codebook does not know, a column the table lacks, an unknown breakdown, ...

Semantics (documented here because they are choices):

* **Universe** (published ``universe``): ``invited`` = the register of ``codebook.register_year(wave)``;
  ``respondents`` = all tidy rows; any other name via ``codebook.universes`` (``column`` == ``equals``),
  e.g. ``with_teams`` = ``has_teams == "ja"``. Sub-population breakdowns (``work_income_tasks``,
  ``broad integral teams``) are that universe and do not narrow it further.
* **Breakdown** narrows the universe: ``all``; ``G32`` / ``non-G32`` under the wave's reading of the G32
  breakdown (``data/raw/waves.yaml``: the declared reading, else the only one under which all figures fit, as
  the consistency audit finds it; without wave settings: the network members on 1 January, the G4 among
  the non-G32); ``G4``; a CBS code ``GMxxxx`` (that municipality's value); a resident group of the grid
  (consumed by :meth:`Codebook.indicator`); ``rank``; ``size``.
* **percent** = ``100 · k / n`` over the universe rows whose indicator is not missing (item non-response
  excluded) with a 95 % Wilson interval; ``n`` is the reproduced base, compared with ``base_n`` when
  published (a different base makes the row a ``mismatch``, stated in the reason).
* **Derived**: ``n_respondents`` = number of tidy rows; ``response_rate`` = ``100 · rows / invited``.
* **count** of a count variable = sum over the universe (base = universe rows); with a ``GMxxxx``
  breakdown: that municipality's value. **count** of a yes/no indicator = ``k``.
* **mean** = sum over the universe / number of universe rows (a municipality outside the question's
  population, e.g. without teams, counts as 0 teams); the mean over the rows that answered is reported
  in the reason too, because a source may mean either ("gemiddeld drie per gemeente").
* **rank** of an answer option: competition rank (``method="min"``, ties share the best rank) of its
  share among the sibling options of the codebook variable; of a count variable: the rank of the
  municipality named by a sibling row with a ``GMxxxx`` breakdown (same variable and category) among the
  universe's values. Qualifier ``exact``: the rank must equal the value and must not be shared;
  ``verbal``: the rank must equal the value; whether it is shared is reported.
* **verbal** with breakdown ``size`` ("vrijwel uitsluitend kleine gemeenten"): the share of the
  municipalities with the indicator that have fewer than ``SMALL_POPULATION`` inhabitants must be at
  least ``VERBAL_SMALL_SHARE`` (both from :mod:`wijkteam_stats.reproduce.tolerances`).
* **verbal** recognised by a rule of the vocabulary (``verbal_rules`` in ``published/vocabulary.yaml``):
  ``share_below`` / ``share_above`` a percentage of the universe; ``top_options``: the named options are the
  most chosen of their question in any order (every other option strictly less often). Other verbal rows are
  ``not_reproducible`` with that reason.
* Rows of another wave than the file's wave (the 2014 trend reference) are ``not_reproducible`` with
  the reason "reference figure of wave 2014 (comparison only)"; they stay in the scorecard.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import Codebook, Indicator, Variable, load_codebook
from wijkteam_stats.reference.municipalities import register as load_register
from wijkteam_stats.reference.panel import panel_wave
from wijkteam_stats.reference.published import file_wave, load_published, load_vocabulary, verbal_rule
from wijkteam_stats.reference.waves import breakdown_groups, known_waves
from wijkteam_stats.reference.waves import settings as wave_settings
from wijkteam_stats.reference.writers import safe_to_csv
from wijkteam_stats.reproduce import tolerances as tol
from wijkteam_stats.reproduce.estimators import (
    indicator_values,
    option_shares,
    proportion,
    proportion_from_counts,
    rank_shared,
    ranks,
    shares,
    universe_mask,
    wilson_fpc_interval,
)
from wijkteam_stats.reproduce.panel import panel_overlap
from wijkteam_stats.reproduce.readings import choose_reading, evaluate_readings
from wijkteam_stats.reproduce.tolerances import VERBAL_MAJORITY

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

SCORECARD_COLUMNS = [
    "finding_id", "wave", "description", "statistic", "unit", "published_value", "qualifier", "tolerance",
    "reproduced_value", "ci_low", "ci_high", "population_n", "ci_low_fpc", "ci_high_fpc", "base_n_published",
    "base_n_reproduced", "status", "reason", "toelichting",
]
STATUSES = ["match", "mismatch", "not_reproducible"]

#: Dutch column headers for display (notebook, HTML).
HEADERS_NL = {
    "finding_id": "Bevinding", "wave": "Meting", "description": "Omschrijving", "statistic": "Statistiek",
    "unit": "Eenheid", "published_value": "Gepubliceerd", "qualifier": "Precisie", "tolerance": "Tolerantie",
    "reproduced_value": "Gereproduceerd", "ci_low": "95 %-BI onder", "ci_high": "95 %-BI boven",
    "population_n": "N (populatie)", "ci_low_fpc": "95 %-BI met EPC onder", "ci_high_fpc": "95 %-BI met EPC boven",
    "base_n_published": "n gepubliceerd", "base_n_reproduced": "n gereproduceerd", "status": "Status",
    "reason": "Reden (Engels)", "toelichting": "Toelichting",
}
STATUS_NL = {"match": "klopt", "mismatch": "wijkt af", "not_reproducible": "niet reproduceerbaar"}

#: Unit of a count variable's total and mean (default "aantal").
COUNT_UNITS = {"n_teams": "teams"}
#: Dutch descriptions of the derived (non-questionnaire) variables.
DERIVED_NL = {
    "n_respondents": "Aantal gemeenten dat de enquête invulde",
    "response_rate": "Respons (% van de uitgenodigde gemeenten)",
}
BREAKDOWN_NL = {"G32": "G32", "non-G32": "overige gemeenten (niet-G32)", "G4": "G4", "rank": "rangorde",
                "size": "gemeentegrootte"}
_GM = re.compile(r"^GM\d{4}$")


class NotReproducible(Exception):
    """A published row cannot be computed from the data at hand; the messages are the scorecard reason (English)
    and toelichting (Dutch)."""

    def __init__(self, en: str, nl: str) -> None:
        super().__init__(en)
        self.nl = nl


@dataclass(frozen=True)
class Note:
    """One fact of a scorecard reason, worded in English (``reason``) and Dutch (``toelichting``)."""

    en: str
    nl: str


def _dec(x: float, decimals: int = 1) -> str:
    """A number with a fixed number of decimals and a Dutch decimal comma (``86,8``)."""
    return f"{float(x):.{decimals}f}".replace(".", ",")


def render_notes(notes: list[Note]) -> tuple[str, str]:
    """The English reason and the Dutch toelichting of a list of notes ("; "-separated)."""
    return "; ".join(n.en for n in notes), "; ".join(n.nl for n in notes)


# --------------------------------------------------------------------------- tolerances


@dataclass(frozen=True)
class Tolerance:
    """How close a reproduced number must be: ``|reproduced - published| <= half_width`` (None: rule-based)."""

    half_width: float | None
    text: str


def _nl(x: float, decimals: int = 1) -> str:
    x = float(x)
    s = f"{x:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{x:.0f}"
    return s.replace(".", ",")


def tolerance_for(statistic: str, qualifier: str) -> Tolerance:
    """The tolerance of a published number (from :mod:`wijkteam_stats.reproduce.tolerances`), with a Dutch text."""
    if statistic == "rank":
        return Tolerance(None, "zelfde rang, niet gedeeld" if qualifier == "exact" else "zelfde rang (gedeeld mag)")
    if statistic == "verbal":
        return Tolerance(None, f"≥ {_nl(100 * tol.VERBAL_SMALL_SHARE, 0)} % kleine gemeenten "
                               f"(< {tol.SMALL_POPULATION:,} inw.)".replace(",", "."))
    width = float(tol.tolerance(qualifier, statistic))
    if width == 0:
        return Tolerance(0.0, "exact")
    unit = " pp" if statistic == "percent" else ""
    return Tolerance(width, f"±{_nl(width, 2)}{unit}")


def _within(res: _Result, published: float, row: Any) -> bool:
    """Exact (Fraction) comparison through :func:`wijkteam_stats.reproduce.tolerances.within`."""
    est = res.exact if res.exact is not None else Fraction(str(res.value))
    return tol.within(est, published, row.qualifier, row.statistic)


# --------------------------------------------------------------------------- context


@dataclass
class _Context:
    tidy: pd.DataFrame           # tidy table + register columns _g32, _g4, _population, _name
    invited: pd.DataFrame        # register of the wave's reference date
    codebook: Codebook
    published: pd.DataFrame
    wave: int
    names: dict[str, str] = field(default_factory=dict)
    vocabulary: dict = field(default_factory=load_vocabulary)


@dataclass
class _Result:
    value: float | None
    unit: str
    description: str
    base_n: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    status: str = "match"
    notes: list[Note] = field(default_factory=list)
    exact: Fraction | None = None
    population_n: int | None = None
    ci_low_fpc: float | None = None
    ci_high_fpc: float | None = None


def _with_fpc(res: _Result, k: int, n: int, population: int | None) -> _Result:
    """``res`` with the project's one finite-population interval (:func:`wilson_fpc_interval`) when the size
    of the population the share is about is known from the register (S13); unchanged otherwise."""
    if population is None or n <= 0:
        return res
    res.population_n = int(population)
    res.ci_low_fpc, res.ci_high_fpc = wilson_fpc_interval(k, n, population)
    return res


def _register_population(row: Any, ctx: _Context, bkind: str) -> int | None:
    """The number of register municipalities a share of respondents is about (all invited, or the G32, non-G32
    or G4 of the register under the wave's reading); None for a sub-population the register cannot count
    (e.g. municipalities with teams: its size needs the weights, page 02)."""
    if row.universe != "respondents":
        return None
    inv = ctx.invited
    if bkind == "all":
        return len(inv)
    g32 = inv["in_G32"] if "in_G32" in inv.columns else inv["g32"]
    non = inv["in_non_G32"] if "in_non_G32" in inv.columns else ~inv["g32"].astype(bool)
    sel = {"G32": g32, "non-G32": non, "G4": inv["g4"]}.get(bkind)
    return None if sel is None else int(sel.astype(bool).sum())


def _join_register(tidy: pd.DataFrame, invited: pd.DataFrame) -> pd.DataFrame:
    if "gm_code" not in tidy.columns:
        raise ValueError("survey table has no column 'gm_code'")
    codes = tidy["gm_code"].astype("string")
    if codes.isna().any():
        raise ValueError(f"survey table: gm_code missing in row(s) {list(tidy.index[codes.isna()])}")
    dup = codes[codes.duplicated()]
    if len(dup):
        raise ValueError(f"survey table: gm_code not unique: {sorted(set(dup))}")
    reg = invited.set_index("gm_code")
    unknown = sorted(set(codes) - set(reg.index))
    if unknown:
        raise ValueError(
            f"survey table: gm_code(s) {unknown} are not municipalities of the wave's register "
            f"({int(invited['year'].iloc[0])})"
        )
    out = tidy.copy()
    out["_g32"] = reg.loc[codes, "g32"].to_numpy(dtype=bool)
    out["_non_g32"] = ~out["_g32"]
    if "in_G32" in reg.columns:  # the wave's reading of the G32 breakdown
        out["_g32"] = reg.loc[codes, "in_G32"].to_numpy(dtype=bool)
        out["_non_g32"] = reg.loc[codes, "in_non_G32"].to_numpy(dtype=bool)
    out["_g4"] = reg.loc[codes, "g4"].to_numpy(dtype=bool)
    out["_population"] = reg.loc[codes, "population"].astype("Int64").to_numpy()
    out["_name"] = reg.loc[codes, "name"].astype(str).to_numpy()
    return out


# --------------------------------------------------------------------------- helpers


def _grid_variable(cb: Codebook) -> Variable | None:
    return next((v for v in cb.variables if v.type == "grid"), None)


def _breakdown_kind(row: Any, ctx: _Context, ind: Indicator | None) -> str:
    b = str(row.breakdown).strip()
    if b == "all":
        return "all"
    if b in ("G32", "non-G32", "G4"):
        return b
    if _GM.match(b):
        return "municipality"
    if b in ("rank", "size"):
        return b
    grid = _grid_variable(ctx.codebook)
    if ind is not None and grid is not None and ind.variable == grid.name and any(
        g.published == b for g in grid.groups
    ):
        return "group"
    if re.sub(r"[\s-]+", "_", b.lower()) == row.universe:
        return "universe"
    raise NotReproducible(f"unknown breakdown {b!r} (not all, G32, non-G32, G4, GMxxxx, rank, size, a resident "
                          f"group or the universe {row.universe!r})",
                          f"onbekende uitsplitsing {b!r} (geen van 'all', 'G32', 'non-G32', 'G4', GMxxxx, 'rank', "
                          f"'size', een bewonersgroep of het universum {row.universe!r})")


def _narrow(df: pd.DataFrame, kind: str, breakdown: str) -> pd.DataFrame:
    if kind == "G32":
        return df[df["_g32"]]
    if kind == "non-G32":
        return df[df["_non_g32"]]
    if kind == "G4":
        return df[df["_g4"]]
    if kind == "municipality":
        return df[df["gm_code"] == breakdown]
    return df


def _universe_rows(row: Any, ctx: _Context) -> pd.DataFrame:
    try:
        mask = universe_mask(ctx.tidy, row.universe, ctx.codebook)
    except ValueError:
        raise NotReproducible(f"universe {row.universe!r} (the register) is only defined for the derived "
                              "response figures",
                              f"universum {row.universe!r} (het gemeenteregister) bestaat alleen voor de afgeleide "
                              "responscijfers") from None
    except KeyError as err:
        raise NotReproducible(str(err.args[0]), f"universum {row.universe!r} is niet te bepalen: het codeboek kent "
                              "het niet of de enquêtetabel mist de kolom ervan") from None
    return ctx.tidy.loc[mask.to_numpy()]


def _option_label(cb: Codebook, ind: Indicator, code_or_col: str) -> str:
    v = cb.variable(ind.variable)
    code = code_or_col.split("__")[-1] if v.type == "multi" else code_or_col
    return next((o.label for o in v.options if o.code == code), code)


def _describe(row: Any, ctx: _Context, ind: Indicator | None) -> str:
    cb = ctx.codebook
    b = str(row.breakdown)
    if row.variable in cb.derived:
        text = DERIVED_NL.get(row.variable, row.category)
    elif ind is None:
        return str(row.category)
    else:
        v = cb.variable(ind.variable)
        if v.type == "grid":
            parts = ind.column.split("__")
            g = next(x for x in v.groups if x.code == parts[1])
            f = next(x for x in v.forms if x.code == parts[2])
            return f"Betrokkenheid {g.label.lower()}: {f.label}"
        if v.type == "count":
            text = {"mean": f"{v.question} (gemiddelde per gemeente)",
                    "count": f"{v.question} (totaal)"}.get(row.statistic, v.question)
            if _GM.match(b):
                text = f"{v.question} ({ctx.names.get(b, b)})"
            elif b == "rank":
                text = f"{v.question} (rang van de gemeente met de meeste)"
        elif v.type == "yesno":
            text = v.question
        else:
            key = ind.column if v.type == "multi" else str(ind.equals)
            text = f"{v.question} – {_option_label(cb, ind, key)}"
    if b in BREAKDOWN_NL and not (b == "rank" and ind is not None and cb.variable(ind.variable).type == "count"):
        text += f" [{BREAKDOWN_NL[b]}]"
    return text


def _unit(row: Any, cb: Codebook, ind: Indicator | None) -> str:
    if row.statistic == "percent" or (row.statistic == "verbal" and row.breakdown == "size"):
        return "%"
    if row.statistic == "rank":
        return "rang"
    if row.variable in cb.derived:
        return "gemeenten"
    if ind is not None and cb.variable(ind.variable).type == "count":
        return COUNT_UNITS.get(ind.variable, "aantal")
    return "gemeenten"


def _fmt(x: float, decimals: int = 2) -> str:
    return f"{x:.{decimals}f}"


# --------------------------------------------------------------------------- row computations


def _derived(row: Any, ctx: _Context, kind: str) -> _Result:
    spec = ctx.codebook.derived[row.variable]
    bkind = _breakdown_kind(row, ctx, None)
    if bkind not in ("all", "G32", "non-G32", "G4"):
        raise NotReproducible(f"breakdown {row.breakdown!r} is not defined for {row.variable!r}",
                              f"uitsplitsing {row.breakdown!r} bestaat niet voor {row.variable!r}")
    resp = _narrow(ctx.tidy, bkind, row.breakdown)
    inv = ctx.invited
    g32 = inv["in_G32"] if "in_G32" in inv.columns else inv["g32"]
    non = inv["in_non_G32"] if "in_non_G32" in inv.columns else ~inv["g32"]
    inv = {"G32": inv[g32], "non-G32": inv[non], "G4": inv[inv["g4"]]}.get(bkind, inv)
    dk = spec.get("kind", row.variable)
    desc = _describe(row, ctx, None)
    if row.statistic == "count" and dk == "n_respondents":
        return _Result(float(len(resp)), "gemeenten", desc, len(inv),
                       notes=[Note(f"{len(resp)} responding of {len(inv)} invited municipalities",
                                   f"{len(resp)} van de {len(inv)} uitgenodigde gemeenten vulden de enquête in")],
                       exact=Fraction(len(resp)))
    if row.statistic == "percent" and dk in ("response_rate", "n_respondents"):
        p = proportion_from_counts(len(resp), len(inv))
        return _with_fpc(_Result(p.percent, "%", desc, p.n, p.ci_low, p.ci_high,
                                 notes=[Note(f"{p.k} of {p.n} invited municipalities responded",
                                             f"{p.k} van de {p.n} uitgenodigde gemeenten reageerden: "
                                             f"{_dec(p.percent)} %")],
                                 exact=Fraction(100 * p.k, p.n) if p.n else None), p.k, p.n, p.n)
    if row.statistic == "percent" and dk == "panel":  # the share that also answered an earlier wave
        earlier = panel_wave(row, ctx.codebook)
        try:
            k, n = panel_overlap(resp["gm_code"].astype(str).tolist(), ctx.codebook.register_year(int(row.wave)),
                                 int(earlier), load_codebook().register_year(int(earlier)))
        except FileNotFoundError as err:
            raise NotReproducible(f"panel figure: {err}", f"panelcijfer: geen bestand van meting {earlier} om de "
                                  "gemeenten mee te koppelen") from None
        p = proportion_from_counts(k, n)
        return _Result(p.percent, "%", desc, p.n, p.ci_low, p.ci_high,
                       notes=[Note(f"{k} of {n} respondents also answered {earlier}",
                                   f"{k} van de {n} respondenten deden in {earlier} ook mee")],
                       exact=Fraction(100 * k, n) if n else None)
    raise NotReproducible(f"derived variable {row.variable!r} ({dk}) has no rule for statistic {row.statistic!r}",
                          f"de afgeleide variabele {row.variable!r} ({dk}) heeft geen rekenregel voor statistiek "
                          f"{row.statistic!r}")


def _rank_of_count(row: Any, ctx: _Context, ind: Indicator, pop: pd.DataFrame, desc: str) -> _Result:
    pub = ctx.published
    sib = pub[(pub["wave"] == row.wave) & (pub["variable"] == row.variable) & (pub["category"] == row.category)
              & pub["breakdown"].astype(str).str.match(_GM.pattern)]
    if sib.empty:
        raise NotReproducible("no row of the file names the municipality this rank is about "
                              "(a row with the same variable and category and a GMxxxx breakdown)",
                              "geen rij in het bestand noemt de gemeente waar deze rang over gaat (een rij met "
                              "dezelfde variabele en categorie en een uitsplitsing GMxxxx)")
    code = str(sib["breakdown"].iloc[0])
    name = ctx.names.get(code, code)
    vals = pd.to_numeric(pop.set_index("gm_code")[ind.column], errors="raise").astype("Float64").dropna()
    if code not in vals.index:
        return _Result(None, "rang", desc, len(vals), status="mismatch",
                       notes=[Note(f"{code} ({name}) has no value of {ind.column} among the universe's respondents",
                                   f"{code} ({name}) heeft geen waarde voor {ind.column} onder de respondenten "
                                   "van het universum")])
    r = ranks(vals)
    rank = int(r[code])
    shared = rank_shared(vals, code)
    head = f"{code} ({name}): {_fmt(float(vals[code]), 0)} {COUNT_UNITS.get(ind.variable, '')}".rstrip()
    notes = [Note(f"{head}, rank {rank} of {len(vals)}", f"{head}, rang {rank} van {len(vals)}")]
    if shared:
        others = ", ".join(ctx.names.get(c, c) for c in shared)
        notes.append(Note(f"rank shared with {others}", f"rang gedeeld met {others}"))
    else:
        notes.append(Note("rank not shared", "rang niet gedeeld"))
    ok = rank == int(row.value) and (not shared or row.qualifier != "exact")
    return _Result(float(rank), "rang", desc, len(vals), status="match" if ok else "mismatch", notes=notes)


def _rank_of_option(row: Any, ctx: _Context, ind: Indicator, pop: pd.DataFrame, desc: str) -> _Result:
    cb = ctx.codebook
    v = cb.variable(ind.variable)
    if v.type == "multi":
        missing = [c for c in ind.siblings if c not in pop.columns]
        if missing:
            raise NotReproducible(f"survey table lacks column(s) {missing}",
                                  f"de enquêtetabel mist kolom(men) {missing}")
        tab = shares(pop, list(ind.siblings)).set_index("column")
        key = ind.column
    elif v.type == "single":
        tab = option_shares(pop, ind.column, list(ind.siblings)).set_index("label")
        key = str(ind.equals)
    else:
        raise NotReproducible(f"variable {ind.variable!r} ({v.type}) has no sibling options to rank among",
                              f"variabele {ind.variable!r} ({v.type}) heeft geen andere antwoordopties om mee te "
                              "vergelijken")
    pct = tab["percent"]
    r = ranks(pct)
    rank = int(r[key])
    shared = rank_shared(pct, key)
    n_key = int(tab.loc[key, "n"])
    notes = [Note(f"{_fmt(pct[key], 1)} % (n = {n_key}), rank {rank} of {len(pct)} options",
                  f"{_dec(pct[key])} % (n = {n_key}), rang {rank} van {len(pct)} antwoordopties")]
    if shared:
        notes.append(Note(
            "shared with " + ", ".join(f"{_option_label(cb, ind, s)} ({_fmt(pct[s], 1)} %)" for s in shared),
            "rang gedeeld met " + ", ".join(f"{_option_label(cb, ind, s)} ({_dec(pct[s])} %)" for s in shared)))
    else:
        notes.append(Note("rank not shared", "rang niet gedeeld"))
    if int(row.value) == 1:
        most = Fraction(int(tab.loc[key, "k"]), max(int(tab.loc[key, "n"]), 1)) > VERBAL_MAJORITY
        half = _fmt(100 * float(VERBAL_MAJORITY), 0)
        notes.append(Note(f"{'more' if most else 'not more'} than {half} % of the base (reported, not required)",
                          f"{'meer' if most else 'niet meer'} dan {half} % van de basis (ter informatie, geen eis)"))
    ok = rank == int(row.value) and (not shared or row.qualifier != "exact")
    base = int(tab.loc[key, "n"])
    return _Result(float(rank), "rang", desc, base, status="match" if ok else "mismatch", notes=notes)


def _verbal_size(row: Any, ctx: _Context, ind: Indicator, pop: pd.DataFrame, desc: str) -> _Result:
    sel = pop[_indicator(pop, ind).fillna(False).to_numpy(dtype=bool)]
    popn = sel["_population"]
    known = popn.notna()
    small = (popn[known] < tol.SMALL_POPULATION)
    p = proportion_from_counts(int(small.sum()), int(known.sum()))
    small_n = f"{tol.SMALL_POPULATION:,}".replace(",", ".")
    notes = [Note(f"{p.k} of {p.n} municipalities with this answer have fewer than {small_n} inhabitants",
                  f"{p.k} van de {p.n} gemeenten met dit antwoord hebben minder dan {small_n} inwoners"
                  + (f" ({_dec(p.percent)} %)" if p.n else ""))]
    if (~known).any():
        n_unknown = int((~known).sum())
        notes.append(Note(f"{n_unknown} without population left out",
                          f"{n_unknown} zonder bekend inwonertal buiten beschouwing gelaten"))
    if p.n == 0:
        return _Result(None, "%", desc, 0, status="mismatch",
                       notes=[*notes, Note("no municipality with this answer", "geen gemeente met dit antwoord")])
    ok = Fraction(p.k, p.n) >= tol.VERBAL_SMALL_SHARE
    threshold = _nl(100 * tol.VERBAL_SMALL_SHARE, 0)
    notes.append(Note(f"threshold {threshold} %", f"drempel {threshold} %"))
    return _Result(p.percent, "%", desc, p.n, p.ci_low, p.ci_high, status="match" if ok else "mismatch",
                   notes=notes)


def _exact_sum(vals: pd.Series) -> Fraction:
    return sum((Fraction(str(x)) for x in vals.dropna()), Fraction(0))


def _indicator(pop: pd.DataFrame, ind: Indicator) -> pd.Series:
    return indicator_values(pop[ind.column], ind.equals)


def _verbal_share(row: Any, ind: Indicator, pop: pd.DataFrame, desc: str, rule: dict) -> _Result:
    """'iets minder dan de helft': the share of the universe below (or above) a threshold."""
    p = proportion(pop[ind.column], ind.equals)
    if p.n == 0:
        return _Result(None, "%", desc, 0, status="mismatch",
                       notes=[Note("no non-missing answer in the universe", "geen enkel antwoord in het universum")])
    limit = Fraction(str(rule["value"]))
    share = Fraction(100 * p.k, p.n)
    below = rule["rule"] == "share_below"
    ok = share < limit if below else share > limit
    word_en, word_nl = ("below", "onder") if below else ("above", "boven")
    notes = [Note(f"{p.k} of {p.n}; '{rule['phrase']}': {word_en} {_fmt(float(limit), 0)} %",
                  f"{p.k} van {p.n} gemeenten: {_dec(p.percent)} %; '{rule['phrase']}': {word_nl} "
                  f"{_nl(float(limit), 0)} %")]
    return _Result(p.percent, "%", desc, p.n, p.ci_low, p.ci_high, status="match" if ok else "mismatch", notes=notes)


def _verbal_top(row: Any, ctx: _Context) -> _Result:
    """'most time spent on A, B, C': the named options are the top ones of their question, in any order."""
    cb = ctx.codebook
    parts = [p.strip() for p in str(row.category).split(";") if p.strip()]
    try:
        inds = [cb.indicator(row.variable, p, row.breakdown) for p in parts]
    except KeyError as err:
        raise NotReproducible(str(err.args[0]), f"het codeboek kent de genoemde opties niet: {err.args[0]}") from None
    v = cb.variable(inds[0].variable)
    if v.type != "multi" or any(i.variable != v.name for i in inds):
        raise NotReproducible("'top options' needs options of one multi-select question",
                              "'de meest gekozen opties' vraagt om opties van één vraag met meerdere antwoorden")
    missing = [c for c in inds[0].siblings if c not in ctx.tidy.columns]
    if missing:
        raise NotReproducible(f"survey table lacks column(s) {missing}", f"de enquêtetabel mist kolom(men) {missing}")
    pop = _narrow(_universe_rows(row, ctx), _breakdown_kind(row, ctx, inds[0]), str(row.breakdown))
    tab = shares(pop, list(inds[0].siblings)).set_index("column")
    named = [i.column for i in inds]
    others = [c for c in tab.index if c not in named]
    low = min(tab.loc[named, "k"])
    high = max(tab.loc[others, "k"]) if others else -1
    ok = low > high
    desc = _describe(row, ctx, inds[0])
    label = ", ".join(f"{_option_label(cb, inds[0], c)} {int(tab.loc[c, 'k'])}" for c in named)
    notes = [Note(f"named: {label}; most chosen other option: {high}",
                  f"genoemd: {label}; meest gekozen andere optie: {high} gemeenten"),
             Note(f"the {len(named)} named options are {'the' if ok else 'not the'} top {len(named)}",
                  f"de {len(named)} genoemde opties zijn {'de' if ok else 'niet de'} {len(named)} meest gekozen")]
    return _Result(float(low), "gemeenten", desc, int(tab.loc[named[0], "n"]), status="match" if ok else "mismatch",
                   notes=notes)


def _compute(row: Any, ctx: _Context) -> _Result:
    cb = ctx.codebook
    if row.variable in cb.derived:
        return _derived(row, ctx, row.variable)
    if row.statistic == "verbal":
        rule = verbal_rule(row, ctx.vocabulary)
        if rule is None and row.breakdown != "size":
            raise NotReproducible("no rule expresses this verbal statement (add one under verbal_rules in "
                                  "data/raw/published/vocabulary.yaml if it can be checked)",
                                  "geen regel drukt deze verbale bevinding uit (bijvoorbeeld een open antwoord); "
                                  "niet te controleren met de enquêtegegevens")
        if rule is not None and rule["rule"] == "top_options":
            return _verbal_top(row, ctx)
    try:
        ind = cb.indicator(row.variable, row.category, row.breakdown)
    except KeyError:
        raise NotReproducible(
            f"the codebook does not know published variable {row.variable!r} (category {row.category!r}, "
            f"breakdown {row.breakdown!r}); add it to the codebook",
            f"het codeboek kent de gepubliceerde variabele {row.variable!r} niet (categorie {row.category!r}, "
            f"uitsplitsing {row.breakdown!r}); voeg die toe aan het codeboek",
        ) from None
    desc = _describe(row, ctx, ind)
    if ind.column not in ctx.tidy.columns:
        raise NotReproducible(f"the survey table has no column {ind.column!r}",
                              f"de enquêtetabel heeft geen kolom {ind.column!r}")
    bkind = _breakdown_kind(row, ctx, ind)
    pop = _narrow(_universe_rows(row, ctx), bkind, str(row.breakdown))
    var = cb.variable(ind.variable)
    unit = _unit(row, cb, ind)
    numeric = var.type == "count" and ind.equals is None

    if row.statistic == "rank":
        if bkind not in ("rank", "all"):
            raise NotReproducible(f"no rank rule for breakdown {row.breakdown!r}",
                                  f"geen rangregel voor uitsplitsing {row.breakdown!r}")
        if numeric:
            return _rank_of_count(row, ctx, ind, pop, desc)
        return _rank_of_option(row, ctx, ind, pop, desc)
    if row.statistic == "verbal":
        if bkind == "size":
            return _verbal_size(row, ctx, ind, pop, desc)
        rule = verbal_rule(row, ctx.vocabulary)
        if rule is not None and rule["rule"] in ("share_below", "share_above"):
            return _verbal_share(row, ind, pop, desc, rule)
        raise NotReproducible(f"no rule to check a verbal finding with breakdown {row.breakdown!r}",
                              f"geen regel om een verbale bevinding met uitsplitsing {row.breakdown!r} te controleren")
    if bkind in ("rank", "size"):
        raise NotReproducible(f"breakdown {row.breakdown!r} is not defined for statistic {row.statistic!r}",
                              f"uitsplitsing {row.breakdown!r} bestaat niet voor statistiek {row.statistic!r}")
    if bkind == "municipality" and pop.empty:
        name = ctx.names.get(str(row.breakdown), str(row.breakdown))
        return _Result(None, unit, desc, 0, status="mismatch",
                       notes=[Note(f"{row.breakdown} ({name}) is not among the universe's respondents",
                                   f"{row.breakdown} ({name}) zit niet bij de respondenten van het universum")])

    if row.statistic == "percent":
        if numeric:
            raise NotReproducible(f"a percentage of the count variable {ind.column!r} needs a category rule",
                                  f"een percentage van de telvariabele {ind.column!r} vraagt om een categorieregel")
        p = proportion(pop[ind.column], ind.equals)
        if p.n == 0:
            return _Result(None, unit, desc, 0, status="mismatch",
                           notes=[Note("no non-missing answer in the universe", "geen enkel antwoord in het universum")])
        notes = [Note(f"{p.k} of {p.n}", f"{p.k} van {p.n} gemeenten: {_dec(p.percent)} %")]
        if p.n < len(pop):
            n_miss = len(pop) - p.n
            notes.append(Note(f"{n_miss} item non-response excluded",
                              f"{n_miss} {'gemeente' if n_miss == 1 else 'gemeenten'} zonder antwoord op deze vraag "
                              "niet meegeteld"))
        return _with_fpc(_Result(p.percent, unit, desc, p.n, p.ci_low, p.ci_high, notes=notes,
                                 exact=Fraction(100 * p.k, p.n)), p.k, p.n, _register_population(row, ctx, bkind))
    if row.statistic == "count":
        if numeric:
            vals = pd.to_numeric(pop[ind.column], errors="raise").astype("Float64")
            total = _exact_sum(vals)
            if bkind == "municipality":
                name = ctx.names.get(str(row.breakdown), str(row.breakdown))
                if vals.isna().all():
                    return _Result(None, unit, desc, len(pop), status="mismatch",
                                   notes=[Note(f"{row.breakdown} ({name}) has no value of {ind.column}",
                                               f"{row.breakdown} ({name}) heeft geen waarde voor {ind.column}")])
                notes = [Note(f"value of {row.breakdown} ({name})",
                              f"waarde van {row.breakdown} ({name}): {_fmt(float(total), 0)}")]
            else:
                n_val = int(vals.notna().sum())
                notes = [Note(f"sum over {n_val} municipalities with a value",
                              f"som over {n_val} gemeenten met een waarde: {_fmt(float(total), 0)}")]
            return _Result(float(total), unit, desc, len(pop), notes=notes, exact=total)
        p = proportion(pop[ind.column], ind.equals)
        return _Result(float(p.k), "gemeenten", desc, p.n, notes=[Note(f"{p.k} of {p.n}", f"{p.k} van {p.n} gemeenten")],
                       exact=Fraction(p.k))
    if row.statistic == "mean":
        if not numeric:
            raise NotReproducible(f"a mean needs a count variable; {ind.column!r} is {var.type}",
                                  f"een gemiddelde vraagt om een telvariabele; {ind.column!r} is van type {var.type}")
        vals = pd.to_numeric(pop[ind.column], errors="raise").astype("Float64")
        n_all, n_ans = len(pop), int(vals.notna().sum())
        if n_all == 0:
            return _Result(None, unit, desc, 0, status="mismatch", notes=[Note("empty universe", "leeg universum")])
        total = _exact_sum(vals)
        value = total / n_all
        notes = [Note(f"over all {n_all} municipalities of the universe (no value = 0): {_fmt(float(value))}",
                      f"over alle {n_all} gemeenten van het universum (geen waarde = 0): {_dec(value, 2)}")]
        notes.append(Note(f"over the {n_ans} with a value: {_fmt(float(total / n_ans)) if n_ans else 'n/a'}",
                          f"over de {n_ans} met een waarde: {_dec(total / n_ans, 2) if n_ans else 'n.v.t.'}"))
        return _Result(float(value), unit, desc, n_all, notes=notes, exact=value)
    raise NotReproducible(f"no rule for statistic {row.statistic!r}", f"geen rekenregel voor statistiek {row.statistic!r}")


# --------------------------------------------------------------------------- the engine


def _evaluate(row: Any, ctx: _Context) -> dict[str, Any]:
    cb = ctx.codebook
    published_value = None if pd.isna(row.value) else float(row.value)
    base_pub = None if pd.isna(row.base_n) else int(row.base_n)
    try:
        ind = None if row.variable in cb.derived else cb.indicator(row.variable, row.category, row.breakdown)
    except KeyError:
        ind = None
    out: dict[str, Any] = {
        "finding_id": row.finding_id, "wave": int(row.wave), "description": str(row.category),
        "statistic": row.statistic, "unit": _unit(row, cb, ind), "published_value": published_value,
        "qualifier": row.qualifier, "tolerance": "", "reproduced_value": None, "ci_low": None, "ci_high": None,
        "population_n": None, "ci_low_fpc": None, "ci_high_fpc": None,
        "base_n_published": base_pub, "base_n_reproduced": None, "status": "not_reproducible", "reason": "",
        "toelichting": "",
    }
    with contextlib.suppress(KeyError, StopIteration):
        out["description"] = _describe(row, ctx, ind)
    tol = tolerance_for(row.statistic, row.qualifier)
    out["tolerance"] = tol.text
    if int(row.wave) != ctx.wave:
        out["reason"], out["toelichting"] = render_notes([Note(
            f"reference figure of wave {int(row.wave)} (comparison only)",
            f"referentiecijfer van meting {int(row.wave)} (alleen ter vergelijking; de gegevens van meting "
            f"{ctx.wave} kunnen het niet controleren)")])
        return out
    try:
        res = _compute(row, ctx)
    except NotReproducible as err:
        out["reason"], out["toelichting"] = str(err), err.nl
        return out
    out.update(description=res.description, unit=res.unit, reproduced_value=res.value, ci_low=res.ci_low,
               ci_high=res.ci_high, base_n_reproduced=res.base_n, population_n=res.population_n,
               ci_low_fpc=res.ci_low_fpc, ci_high_fpc=res.ci_high_fpc)
    status, notes = res.status, list(res.notes)
    if (status == "match" and tol.half_width is not None and published_value is not None
            and (res.value is None or not _within(res, published_value, row))):
        status = "mismatch"
        if res.value is not None:
            diff = res.value - published_value
            notes.insert(0, Note(f"off by {_fmt(diff)} (tolerance {tol.text})",
                                 f"wijkt {_dec(diff, 2)} af (tolerantie {tol.text})"))
    if base_pub is not None and res.base_n is not None and base_pub != res.base_n:
        status = "mismatch"
        notes.append(Note(f"base differs: published n = {base_pub}, reproduced n = {res.base_n}",
                          f"basis verschilt: gepubliceerd n = {base_pub}, gereproduceerd n = {res.base_n}"))
    out["status"] = status
    out["reason"], out["toelichting"] = render_notes(notes)
    return out


def build_scorecard(published: pd.DataFrame | str | Path, tidy: pd.DataFrame,
                    register: pd.DataFrame | None = None, codebook: Codebook | None = None,
                    wave: int | None = None) -> pd.DataFrame:
    """Recompute every row of a published-figures file from a tidy survey table (see the module docstring).

    ``published`` is a loaded table or a path (validated with :func:`load_published`); ``register`` defaults
    to the municipality register of ``codebook.register_year(wave)``; ``wave`` defaults to the file's wave.
    Returns one row per published row, in file order, with :data:`SCORECARD_COLUMNS`.
    """
    pub = load_published(published) if isinstance(published, (str, Path)) else published.reset_index(drop=True)
    wave = int(wave) if wave is not None else file_wave(pub)
    cb = (codebook or load_codebook()).for_wave(wave)  # the questions this wave asked
    invited = register if register is not None else load_register(cb.register_year(wave))
    invited = with_reading(pub, invited, wave)
    ctx = _Context(_join_register(tidy, invited), invited, cb, pub, wave,
                   dict(zip(invited["gm_code"], invited["name"], strict=True)))
    rows = [_evaluate(r, ctx) for r in pub.itertuples(index=False)]
    sc = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    for c in ("published_value", "reproduced_value", "ci_low", "ci_high", "ci_low_fpc", "ci_high_fpc"):
        sc[c] = pd.to_numeric(sc[c]).astype(float)
    for c in ("wave", "base_n_published", "base_n_reproduced", "population_n"):
        sc[c] = sc[c].astype("Int64")
    if len(sc) != len(pub) or list(sc["finding_id"]) != list(pub["finding_id"]):
        raise AssertionError("scorecard lost or reordered rows")  # pragma: no cover
    return sc


def with_reading(pub: pd.DataFrame, invited: pd.DataFrame, wave: int) -> pd.DataFrame:
    """The register with ``in_G32`` / ``in_non_G32`` under the wave's reading (unchanged without wave settings
    or when no reading fits: then the register's 1 January ``g32`` flag decides)."""
    if wave not in known_waves() or "in_G32" in invited.columns:
        return invited
    settings = wave_settings(wave)
    chosen, _ = choose_reading(evaluate_readings(pub, invited, settings, wave), settings)
    if chosen is None:
        return invited
    groups = breakdown_groups(invited, chosen.reading).set_index("gm_code")
    out = invited.copy()
    out["in_G32"] = groups.loc[out["gm_code"], "in_G32"].to_numpy()
    out["in_non_G32"] = groups.loc[out["gm_code"], "in_non_G32"].to_numpy()
    return out


def scorecard_path(wave: int, output_dir: str | Path | None = None) -> Path:
    """``<output_dir>/tables/reproduction_scorecard_<wave>.csv`` (default output dir ``outputs/``)."""
    return Path(output_dir or paths.OUTPUTS).resolve() / "tables" / f"reproduction_scorecard_{int(wave)}.csv"


def write_scorecard(scorecard: pd.DataFrame, wave: int, output_dir: str | Path | None = None) -> Path:
    """Write the scorecard as UTF-8 CSV (numbers rounded to 4 decimals) and return its path."""
    path = scorecard_path(wave, output_dir)
    paths.ensure_dir(path.parent)
    out = scorecard.copy()
    for c in ("reproduced_value", "ci_low", "ci_high", "ci_low_fpc", "ci_high_fpc"):
        out[c] = out[c].round(4)
    safe_to_csv(out, path)
    return path


def read_scorecard(path: str | Path) -> pd.DataFrame:
    """Read a scorecard CSV written by :func:`write_scorecard`."""
    sc = pd.read_csv(path, dtype={"finding_id": str, "status": str, "reason": str, "toelichting": str},
                     keep_default_na=False,
                     na_values=[""])
    for c in ("wave", "base_n_published", "base_n_reproduced", "population_n"):
        if c in sc.columns:
            sc[c] = sc[c].astype("Int64")
    return sc


def status_counts(scorecard: pd.DataFrame) -> dict[str, int]:
    """Number of rows per status (all three statuses, zeros included)."""
    counts = scorecard["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def status_summary_nl(scorecard: pd.DataFrame) -> str:
    """One Dutch line with the number of rows per status (``63 cijfers: 62 klopt, 0 wijkt af, ...``)."""
    c = status_counts(scorecard)
    return f"{len(scorecard)} cijfers: " + ", ".join(f"{c[s]} {STATUS_NL[s]}" for s in STATUSES)


def failing_targets(scorecard: pd.DataFrame, wave: int | None = None) -> pd.DataFrame:
    """Numeric target rows (a published value, of the file's wave) whose status is ``mismatch``."""
    wave = int(wave) if wave is not None else int(scorecard["wave"].mode().iloc[0])
    sel = (scorecard["wave"] == wave) & scorecard["published_value"].notna() & (scorecard["status"] == "mismatch")
    return scorecard[sel.fillna(False).to_numpy(dtype=bool)]


#: Dutch words for the published precision and the kind of statistic on pages (codes stay in the CSV).
QUALIFIER_NL = {"exact": "exact", "rounded": "afgerond", "approximate": "ongeveer", "verbal": "in woorden"}
STATISTIC_NL = {"percent": "percentage", "mean": "gemiddelde", "count": "aantal", "rank": "rang",
                "verbal": "in woorden", "median": "mediaan"}


def display_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for reading: Dutch headers, Dutch statuses, the Dutch ``toelichting`` instead of the English
    ``reason``, numbers rounded (1 decimal)."""
    out = scorecard.drop(columns=["reason"]) if "toelichting" in scorecard.columns else scorecard.copy()
    for c in ("published_value", "reproduced_value", "ci_low", "ci_high", "ci_low_fpc", "ci_high_fpc"):
        if c in out.columns:
            out[c] = out[c].round(1)
    out["status"] = out["status"].map(STATUS_NL).fillna(out["status"])
    for col, words in (("qualifier", QUALIFIER_NL), ("statistic", STATISTIC_NL)):  # the CSV keeps the codes
        if col in out.columns:
            out[col] = out[col].map(words).fillna(out[col])
    return out.rename(columns=HEADERS_NL)


def _cell_nl(x: Any, decimals: int = 1) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float):
        return f"{x:.{decimals}f}".rstrip("0").rstrip(".").replace(".", ",") if decimals else f"{x:.0f}"
    return str(x)


def style_table(table: pd.DataFrame, decimals: int = 1) -> Styler:
    """A pandas Styler for display: Dutch decimal comma, "–" for missing, no index, nothing truncated."""
    # a uuid from the content (pandas draws a random one): the same table gives the same HTML on every run
    uuid = hashlib.sha256(table.to_csv().encode("utf-8")).hexdigest()[:8]
    return table.style.set_uuid(uuid).format(lambda x: _cell_nl(x, decimals)).hide(axis="index")


def style_scorecard(scorecard: pd.DataFrame) -> Styler:
    """A pandas Styler of :func:`display_table` with the status coloured (colour-blind-safe) and Dutch numbers."""
    # darker shades of the Okabe-Ito green/vermillion/grey: white text on them reaches the 4.5:1 contrast of WCAG AA
    colours = {"klopt": "#00704F", "wijkt af": "#A64500", "niet reproduceerbaar": "#595959"}
    styler = style_table(display_table(scorecard))
    return styler.map(lambda s: f"color: white; background-color: {colours.get(s, '#ffffff')}",
                      subset=[HEADERS_NL["status"]])


def wilson_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """The percentage rows with their 95 % Wilson interval (Dutch headers), for display."""
    sel = (scorecard["unit"] == "%") & scorecard["reproduced_value"].notna()
    cols = ["finding_id", "description", "published_value", "reproduced_value", "ci_low", "ci_high",
            *[c for c in ("ci_low_fpc", "ci_high_fpc", "population_n") if c in scorecard.columns], "base_n_reproduced"]
    tab = scorecard.loc[sel.to_numpy(dtype=bool), cols].copy()
    for c in ("reproduced_value", "ci_low", "ci_high", "ci_low_fpc", "ci_high_fpc"):
        if c in tab.columns:
            tab[c] = tab[c].round(1)
    return tab.rename(columns=HEADERS_NL)


# --------------------------------------------------------------------------- notebook helpers


@dataclass(frozen=True)
class ReproductionInputs:
    """The resolved (absolute) inputs of a reproduction run."""

    wave: int
    survey_path: Path
    published_path: Path
    output_dir: Path


def reproduction_inputs(wave: int | str = 2015, survey_path: str | Path | None = None,
                        published_path: str | Path | None = None,
                        output_dir: str | Path | None = None) -> ReproductionInputs:
    """Resolve notebook parameters: None means the shipped synthetic survey, the wave's published file and
    ``outputs/``; paths become absolute; missing input files raise ``FileNotFoundError``."""
    w = int(str(wave).strip())
    survey = Path(survey_path).expanduser().resolve() if survey_path else paths.synthetic_survey_file(w)
    pub = Path(published_path).expanduser().resolve() if published_path else paths.published_file(w)
    out = Path(output_dir).expanduser().resolve() if output_dir else paths.OUTPUTS
    for what, p in (("survey file", survey), ("published-figures file", pub)):
        if not p.is_file():
            raise FileNotFoundError(f"{what} {p} does not exist")
    return ReproductionInputs(w, survey, pub, out)


def conclusion_nl(scorecard: pd.DataFrame, wave: int, synthetic: bool) -> str:
    """A short Dutch conclusion (Markdown) of a scorecard."""
    wave = int(wave)
    own = scorecard[scorecard["wave"] == wave]
    targets = own[own["published_value"].notna()]
    verbal = own[own["published_value"].isna()]
    c = status_counts(own)
    n_match = int((targets["status"] == "match").sum())
    lines = [
        f"Van de {len(own)} gepubliceerde cijfers van meting {wave} zijn er {c['match']} gereproduceerd binnen "
        f"hun tolerantie, wijken er {c['mismatch']} af en zijn er {c['not_reproducible']} niet reproduceerbaar.",
        f"Numerieke doelcijfers: {n_match} van {len(targets)} kloppen; verbale bevindingen (rangordes, "
        f"aandelen): {int((verbal['status'] == 'match').sum())} van {len(verbal)} kloppen.",
    ]
    other = scorecard[scorecard["wave"] != wave]
    if len(other):
        waves = ", ".join(str(int(w)) for w in sorted(other["wave"].unique()))
        lines.append(f"{len(other)} referentiecijfer(s) van meting {waves} staan alleen ter vergelijking in de "
                     "scorekaart en in de trendfiguur.")
    bad = failing_targets(scorecard, wave)
    if len(bad):
        lines.append(f"Afwijkende numerieke cijfers ({len(bad)}): {', '.join(bad['finding_id'])}; de reden staat "
                     "per rij in de scorekaart.")
    if synthetic:
        lines.append("De gegevens zijn de SYNTHETISCHE reconstructie. Die is juist zo gemaakt dat zij de "
                     "gepubliceerde cijfers haalt: een overeenkomst laat dus alleen zien dat de rekenregels van dit "
                     "project en de reconstructie op elkaar aansluiten, niet dat Movisie zo rekende of hoe de echte "
                     "gemeenten antwoordden.")
    return "\n\n".join(lines)
