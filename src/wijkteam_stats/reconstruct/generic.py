"""The wave-generic SYNTHETIC reconstruction: driven by the published-figures file and the codebook alone.

Step 1 (aggregate counts, scipy MILP): per group of municipalities of the wave's G32 reading (``g32`` network
members, ``g4``, ``other``; the reading the consistency audit chose, see
:mod:`wijkteam_stats.reproduce.readings`), the number of respondents, and per question of the wave the number
that answered and the count of every answer option (of a count question: the total). Every published row of
the wave becomes constraints: a percentage, count, total or mean over any universe (``respondents``, or a codebook universe such as ``with_teams``) and
breakdown (``all``, ``G32``, ``non-G32``, ``G4``), a response rate or count of the ``invited``, competition
ranks of options (ties equal, a better rank strictly more often, unpublished options below), a verbal finding with a rule in the vocabulary (``share_below``,
``share_above``, ``top_options``). A published ``base_n`` fixes how many answered. Rows the codebook cannot
express (a municipality's own value, the resident-involvement grid) are left out and reported; nothing else is
required (no leading-city or team-count anchors).
Unpublished options get a soft, even target so that the published figures dominate.

Step 2 (municipalities, seeded): respondents drawn uniformly within each group; answers assigned question by
question in codebook order within each group, among the rows of the question's universe; multi-select
questions filled so that every answering municipality ticks at least one option.

If the figures admit no joint solution, :class:`~wijkteam_stats.reconstruct.feasibility.ReconstructionError`
names a smallest set of conflicting rows (deletion filter). The result is NOT Movisie's data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from wijkteam_stats.reconstruct.feasibility import ReconstructionError, _add, _c, _Model, _scale, _v
from wijkteam_stats.reconstruct.sampling import apportion, fill_multiselect
from wijkteam_stats.reference import municipalities
from wijkteam_stats.reference.codebook import Codebook, Variable, load_codebook
from wijkteam_stats.reference.panel import linked, panel_wave
from wijkteam_stats.reference.published import load_published, load_vocabulary, verbal_rule
from wijkteam_stats.reference.wave_settings import WaveSettings
from wijkteam_stats.reference.waves import breakdown_groups
from wijkteam_stats.reference.waves import settings as wave_settings
from wijkteam_stats.reproduce.base_check import base_conflicts
from wijkteam_stats.reproduce.panel import earlier_respondents
from wijkteam_stats.reproduce.readings import ReadingResult, choose_reading, evaluate_readings
from wijkteam_stats.reproduce.tolerances import SMALL_POPULATION, VERBAL_SMALL_SHARE, value_interval

#: Bump when the generic generator's output for the same inputs changes.
GENERIC_VERSION = "2.0.0"
CELLS = ("g32", "g4", "other")
#: Published breakdown -> the groups it covers, per G4 placement.
_BREAKDOWN_CELLS = {
    "all": {"in_g32": CELLS, "in_other": CELLS, "apart": CELLS},
    "G32": {"in_g32": ("g32", "g4"), "in_other": ("g32",), "apart": ("g32",)},
    "non-G32": {"in_g32": ("other",), "in_other": ("other", "g4"), "apart": ("other",)},
    "G4": {"in_g32": ("g4",), "in_other": ("g4",), "apart": ("g4",)},
}
#: Soft target share of an unpublished multi-select option (weight ``SOFT_WEIGHT``).
UNPUBLISHED_MULTI_SHARE = 0.3
SOFT_WEIGHT = 0.05
#: A count question's total (e.g. teams) is spread over the municipalities of its pooled cells in proportion to
#: population^exponent times a log-normal factor (sd): recorded in the sidecar, read by the models' text.
TEAMS_POPULATION_EXPONENT = 1.0
TEAMS_DISPERSION = 0.25
#: Default seconds HiGHS may spend on one solve (``--time-limit``; a time-out is reported as such, never as a
#: conflict).
TIME_LIMIT = 60.0
#: Breakdowns that name a group of municipalities -> the groups they cover, per G4 placement.
_BREAKDOWN_GROUPS = _BREAKDOWN_CELLS
_GM = re.compile(r"^GM\d{4}$")


@dataclass
class GenericReconstruction:
    """A generic reconstruction: the tidy table and what it was built from."""

    tidy: pd.DataFrame
    wave: int
    seed: int
    reading: ReadingResult
    reading_reason: str
    counts: dict[str, int]
    objective: float
    used_rows: list[str]
    skipped_rows: dict[str, str] = field(default_factory=dict)
    notes: dict = field(default_factory=dict)


def _stream(seed: int, step: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), *(ord(ch) for ch in step)])


def _is_universe_breakdown(r) -> bool:
    """A breakdown that names the row's own universe (``work_income_tasks``, ``broad integral teams``)."""
    return re.sub(r"[\s-]+", "_", str(r.breakdown).strip().lower()) == str(r.universe)


def _substantive(cb: Codebook) -> list[Variable]:
    """The questions to reconstruct, in codebook order; each resident group of a grid is a multi-select question
    of its own (``involvement__wijkbewoners`` with the grid's forms as options)."""
    out = []
    for v in cb.variables:
        if v.role != "substantive":
            continue
        if v.type in ("single", "yesno", "multi", "count"):
            out.append(v)
        elif v.type == "grid":
            out += [replace(v, name=f"{v.name}__{g.code}", type="multi", options=v.forms, groups=(), forms=())
                    for g in v.groups]
    return out


def _total_key(v: Variable, cell: str) -> str:
    return f"{v.name}#total@{cell}"


def _option_key(v: Variable, code: str, cell: str) -> str:
    return f"{v.name}={code}@{cell}"


def _answered_key(v: Variable, cell: str) -> str:
    return f"{v.name}#answered@{cell}"


def _count_bounds(v: Variable, universe: str) -> tuple[float, float]:
    """A count question's range per answering municipality: [min, max] of the codebook, at least 1 when it is
    asked of a universe defined by having the thing counted (e.g. teams of municipalities with teams)."""
    lo = float(v.min or 0)
    if universe != "respondents":
        lo = max(lo, 1.0)
    return lo, float(v.max if v.max is not None else 1000)


def _codes(v: Variable) -> list[str]:
    if v.type == "count":
        return []
    return ["true", "false"] if v.type == "yesno" else v.option_codes()


class _Builder:
    """The MILP of one wave: cells, questions, universes and the constraints of published rows."""

    def __init__(self, pub: pd.DataFrame, cb: Codebook, sizes: dict[str, int], g4: str, vocab: dict,
                 cell_group: dict[str, str] | None = None, small: dict[str, bool] | None = None,
                 panel: dict[str, bool] | None = None):
        self.pub, self.cb, self.sizes, self.g4, self.vocab = pub, cb, sizes, g4, vocab
        self.n = int(pub.loc[pub["variable"] == "n_respondents", "value"].iloc[0])
        self.questions = _substantive(cb)
        self.universe_of: dict[str, str] = {}
        self.base_of: dict[str, int] = {}
        self.skipped: dict[str, str] = {}
        #: every cell (a group, a group and size class, or one anchored municipality) -> its group
        self.cell_group = cell_group or {c: c for c in CELLS}
        self.small = small or {}
        self.panel = panel or {}  # fine cell -> its municipalities answered the earlier wave of the panel row
        self.all_cells = tuple(self.cell_group)
        self.groups = tuple(dict.fromkeys(self.cell_group.values()))
        self.caps: dict[str, int] = {}  # count question -> most a municipality outside its anchors may have
        #: the cells of each question: the fine cells when a figure about it names a municipality or size (and for
        #: the questions defining its universe), else the groups (so the solver cannot tie answers to size)
        self.qcells: dict[str, tuple[str, ...]] = {}
        self.partitions = self._partitions()
        self.level: dict[str, int] = {}

    def _partitions(self) -> dict[int, dict[str, tuple[str, ...]]]:
        """Four nested partitions of the fine cells: -1 one cell (every respondent); 0 the groups; 1 the groups with
        every anchored municipality apart; 2 the fine cells (size classes and anchors)."""
        anchors = [f for f in self.all_cells if _GM.match(f)]
        p0 = {g: tuple(f for f in self.all_cells if self.cell_group[f] == g) for g in self.groups}
        p1: dict[str, tuple[str, ...]] = {a: (a,) for a in anchors}
        for g, fs in p0.items():
            rest = tuple(f for f in fs if f not in anchors)
            if rest:
                p1[g if len(rest) == len(fs) else f"{g}/rest"] = rest
        p2 = {f: (f,) for f in self.all_cells}
        return {-1: {"all": tuple(self.all_cells)}, 0: p0, 1: p1, 2: p2}

    def members(self, cell: str) -> tuple[str, ...]:
        """The fine cells of a cell of any partition."""
        for part in self.partitions.values():
            if cell in part:
                return part[cell]
        raise KeyError(cell)

    def csize(self, cell: str) -> int:
        return sum(self.sizes[f] for f in self.members(cell))

    def vcells(self, v: Variable, fine: tuple[str, ...]) -> tuple[str, ...]:
        """The cells of question ``v`` that make up a set of fine cells."""
        fs = set(fine)
        return tuple(c for c in self.qcells[v.name] if set(self.members(c)) <= fs)

    def _levels(self, rows: pd.DataFrame) -> None:
        """The partition of each question: one cell (answers drawn among all respondents of its universe, so no
        group or size drives them), the groups when a figure about it is broken down by G32/G4, the anchors apart
        when one names a municipality, the fine cells when one speaks of size; a question's universe is defined
        at least as finely."""
        level: dict[str, int] = dict.fromkeys(self.caps, 1)
        for r in rows.itertuples():
            bd = str(r.breakdown)
            want = 2 if bd == "size" else 1 if _GM.match(bd) else 0 if bd in ("G32", "non-G32", "G4") else -1
            if want >= 0:
                try:
                    name = self.indicator_key(r)[0].name
                except KeyError:
                    continue
                level[name] = max(level.get(name, -1), want)
        for _ in range(len(self.questions)):
            changed = False
            for name, lv in list(level.items()):
                spec = self.cb.universes.get(self.universe_of.get(name, "respondents"), {})
                col = spec.get("column")
                if col:
                    dv = col.split("__", 1)[0]
                    if level.get(dv, -1) < lv:
                        level[dv] = lv
                        changed = True
            if not changed:
                break
        self.level = level
        for v in self.questions:
            self.qcells[v.name] = tuple(self.partitions[level.get(v.name, -1)])

    # -- expressions
    def cells(self, breakdown: str) -> tuple[str, ...]:
        if _GM.match(str(breakdown)):
            return (str(breakdown),) if breakdown in self.cell_group else ()
        groups = _BREAKDOWN_CELLS[breakdown][self.g4]
        return tuple(c for c in self.all_cells if self.cell_group[c] in groups)

    def universe(self, name: str, cell: str) -> dict:
        if name == "respondents":
            return _add(*[_v(f"r@{f}") for f in self.members(cell)])
        spec = self.cb.universes.get(name)
        if spec is None or "column" not in spec:
            raise KeyError(f"universe {name!r} is not defined in the codebook")
        col, equals = spec["column"], spec.get("equals", True)
        if "__" in col:
            var, code = col.split("__", 1)
            v = self.cb.variable(var)
            codes = [code]
        else:
            v = self.cb.variable(col)
            vals = equals if isinstance(equals, list) else [equals]
            codes = ["true" if x is True else "false" if x is False else str(x) for x in vals]
        own = self.vcells(v, self.members(cell))
        return _add(*[_v(_option_key(v, c, oc)) for c in codes for oc in own])

    def indicator_key(self, row) -> tuple[Variable, str]:
        ind = self.cb.indicator(row.variable, row.category, row.breakdown)
        v = self.cb.variable(ind.variable)
        if v.type == "grid":  # one resident group of a grid: a multi-select question of its own
            name, code = ind.column.rsplit("__", 1)
            return next(q for q in self.questions if q.name == name), code
        if v.type == "count" and ind.equals is None:
            return v, "#total"
        if v.type == "multi":
            return v, ind.column.split("__", 1)[1]
        if v.type == "yesno":
            return v, "true" if ind.equals in (None, True) else "false"
        if v.type == "single":
            return v, str(ind.equals)
        raise KeyError(f"{row.finding_id}: the generic reconstruction cannot express a {v.type} question")

    # -- model
    def build(self, rows: pd.DataFrame) -> tuple[_Model, list[str]]:
        m = _Model()
        self.anchor_caps(rows)
        for c in self.all_cells:
            m.var(f"r@{c}", 0, self.sizes[c])
        m.con(_add(*[_v(f"r@{c}") for c in self.all_cells]), self.n, self.n)
        # which universe each question is asked of: the universe of its published rows (respondents if none)
        for r in rows.itertuples():
            try:
                v, _ = self.indicator_key(r)
            except KeyError:
                continue
            self.universe_of.setdefault(v.name, r.universe)
            if pd.notna(r.base_n) and (r.breakdown == "all" or v.published_variable):
                self.base_of[v.name] = int(r.base_n)
        for v in self.questions:
            if v.universe:  # the codebook says who was asked: a base of a wider universe is not its base
                if self.universe_of.get(v.name) != v.universe:
                    self.base_of.pop(v.name, None)
                self.universe_of[v.name] = v.universe
            uni = self.universe_of.get(v.name, "with_teams" if v.name != "has_teams" else "respondents")
            if uni not in self.cb.universes and uni != "respondents":
                uni = "respondents"
            self.universe_of[v.name] = uni
        self._levels(rows)
        for v in self.questions:
            codes = _codes(v)
            for c in self.qcells[v.name]:
                a = m.var(_answered_key(v, c), 0, self.csize(c))
                if v.type == "count":  # the total of a count question: within [min, max] per answering row
                    lo_v, hi_v = _count_bounds(v, self.universe_of[v.name])
                    t = m.var(_total_key(v, c), 0, hi_v * self.csize(c))
                    if v.name in self.caps and not _GM.match(c):
                        hi_v = min(hi_v, float(self.caps[v.name]))
                    m.con(_add(_v(t), _scale(_v(a), -lo_v)), lo=0)
                    m.con(_add(_v(t), _scale(_v(a), -hi_v)), hi=0)
                    continue
                for code in codes:
                    m.var(_option_key(v, code, c), 0, self.csize(c))
                opts = _add(*[_v(_option_key(v, code, c)) for code in codes])
                if v.type == "multi" and v.exclusive in codes:  # the exclusive option ticks nothing else
                    e = _v(_option_key(v, v.exclusive, c))
                    rest = [code for code in codes if code != v.exclusive]
                    for code in rest:
                        m.con(_add(_v(_option_key(v, code, c)), e, _scale(_v(a), -1)), hi=0)
                    m.con(_add(*[_v(_option_key(v, code, c)) for code in rest], e, _scale(_v(a), -1)), lo=0)
                elif v.type == "multi":
                    for code in codes:
                        m.con(_add(_v(_option_key(v, code, c)), _scale(_v(a), -1)), hi=0)
                    m.con(_add(opts, _scale(_v(a), -1)), lo=0)
                else:
                    m.con(_add(opts, _scale(_v(a), -1)), 0, 0)
        # universes need their defining questions first: answered <= universe (all answer unless a base says less)
        for v in self.questions:
            uni = self.universe_of[v.name]
            for c in self.qcells[v.name]:
                u = self.universe(uni, c)
                if v.name in self.base_of or v.name == "has_teams":
                    m.con(_add(_v(_answered_key(v, c)), _scale(u, -1)), hi=0)
                else:
                    m.con(_add(_v(_answered_key(v, c)), _scale(u, -1)), 0, 0)
            if v.name in self.base_of:
                m.con(_add(*[_v(_answered_key(v, c)) for c in self.qcells[v.name]]), self.base_of[v.name],
                      self.base_of[v.name])
        has = next((v for v in self.questions if v.name == "has_teams"), None)
        if has is not None:
            for c in self.qcells[has.name]:
                m.con(_add(_v(_answered_key(has, c)), _scale(self.universe("respondents", c), -1)), 0, 0)
        used = []
        ranked = rows[(rows["statistic"] == "rank")]
        for _, sub in ranked.groupby("variable", sort=False):
            reason = self._ranks(m, sub)
            for fid in sub["finding_id"]:
                if reason:
                    self.skipped[fid] = reason
                else:
                    used.append(fid)
        for r in rows[rows["statistic"] != "rank"].itertuples():
            reason = self._row(m, r)
            if reason:
                self.skipped[r.finding_id] = reason
            else:
                used.append(r.finding_id)
        self._soft(m, rows)
        return m, used

    def _row(self, m: _Model, r) -> str:
        """Add the constraints of one published row; return a reason when it cannot be expressed."""
        if _is_universe_breakdown(r):
            r = r._replace(breakdown="all")  # "broad integral teams" over the broad_integral_teams universe
        grid = next((v for v in self.cb.variables if v.type == "grid" and v.published_variable == r.variable), None)
        if grid is not None:  # a resident group of the grid: its own question, over every cell
            return self._row_in(m, r, self.all_cells)
        if _GM.match(str(r.breakdown)):
            if r.breakdown not in self.cell_group:
                return f"{r.breakdown} is not a municipality of the wave's register"
            m.con(_v(f"r@{r.breakdown}"), 1, 1)  # a published value of its own: it responded
        elif r.breakdown == "size" and r.statistic == "verbal":
            return self._small_share(m, r)
        elif r.breakdown not in _BREAKDOWN_CELLS:
            return f"breakdown {r.breakdown!r} is not expressible by the generic reconstruction"
        return self._row_in(m, r, self.cells(r.breakdown))

    def _row_in(self, m: _Model, r, cells: tuple[str, ...]) -> str:
        """The constraints of one published row over the given cells."""
        if self.cb.derived.get(r.variable, {}).get("kind") == "panel":
            if not self.panel or r.statistic != "percent":
                return "a panel row needs the earlier wave's respondents and a percentage"
            both = _add(*[_v(f"r@{c}") for c in cells if self.panel.get(c)])
            every = _add(*[_v(f"r@{c}") for c in cells])
            self._percent(m, both, every, r.value, r.qualifier, self.n)
            return ""
        if r.variable in ("n_respondents", "response_rate"):
            k = _add(*[_v(f"r@{c}") for c in cells])
            if r.statistic == "count":
                lo, hi = value_interval(r.value, r.qualifier, "count")
                m.con(k, float(lo), float(hi))
            else:
                size = sum(self.sizes[c] for c in cells)
                self._percent(m, k, _c(size), r.value, r.qualifier, size)
            return ""
        if r.statistic == "verbal" and not _GM.match(str(r.breakdown)):
            rule = verbal_rule(r, self.vocab)
            if rule is None:
                return "no verbal rule in the vocabulary recognises this statement"
            if rule["rule"] == "top_options":
                return self._top(m, r, cells)
        try:
            v, code = self.indicator_key(r)
        except KeyError as err:
            return f"the codebook cannot express it ({err.args[0]})"
        cells = self.vcells(v, cells)
        base = _add(*[_v(_answered_key(v, c)) for c in cells])
        if code == "#total":
            total = _add(*[_v(_total_key(v, c)) for c in cells])
            if r.statistic == "count":
                lo, hi = value_interval(r.value, r.qualifier, "count")
                m.con(total, float(lo), float(hi))
                return ""
            if r.statistic == "mean":  # over the universe rows, a row without a value counting as 0
                uni = _add(*[self.universe(r.universe, c) for c in cells])  # the row's own base
                lo, hi = value_interval(r.value, r.qualifier, "mean")
                m.con(_add(total, _scale(uni, -float(hi))), hi=0)
                m.con(_add(total, _scale(uni, -float(lo))), lo=0)
                m.absdev(_add(total, _scale(uni, -float(r.value))), 1.0 / max(self.n, 1))
                return ""
            return f"a {r.statistic} of the count question {v.name!r} is not expressible"
        x = _add(*[_v(_option_key(v, code, c)) for c in cells])
        if r.statistic == "percent":
            self._percent(m, x, base, r.value, r.qualifier, max(self.n * 0.5, 1))
            return ""
        if r.statistic == "count":
            lo, hi = value_interval(r.value, r.qualifier, "count")
            m.con(x, float(lo), float(hi))
            return ""
        if r.statistic == "verbal":
            rule = verbal_rule(r, self.vocab)
            if rule["rule"] == "share_below":
                m.con(_add(_scale(x, 100.0), _scale(base, -float(rule["value"]))), hi=-0.5)
            else:
                m.con(_add(_scale(x, 100.0), _scale(base, -float(rule["value"]))), lo=0.5)
            return ""
        return f"statistic {r.statistic!r} is not expressible by the generic reconstruction"

    def _ranks(self, m: _Model, sub: pd.DataFrame) -> str:
        """Competition ranks of published options: equal ranks tie, a better rank is strictly more often chosen,
        every unpublished sibling strictly below the worst published one. The rank of a municipality's count
        (a ``rank`` row with a ``GMxxxx`` sibling) caps every other municipality below its value."""
        anchor = self.pub[(self.pub["variable"] == sub["variable"].iloc[0]) & (self.pub["statistic"] == "count")
                          & self.pub["breakdown"].astype(str).str.match(_GM.pattern)]
        if (sub["breakdown"] == "rank").all() and len(anchor) == 1 and (sub["value"] == 1).all():
            return ""  # applied through self.caps before the model is built (see anchor_caps)
        if (~sub["breakdown"].isin(["all", "rank"])).any():
            return "ranks are expressible over the whole universe only"
        items: list[tuple[int, str]] = []
        for r in sub.itertuples():
            try:
                v, code = self.indicator_key(r)
            except KeyError as err:
                return f"the codebook cannot express it ({err.args[0]})"
            if code == "#total":
                return "the rank of a municipality's count is not expressible by the generic reconstruction"
            items.append((int(r.value), code))
        items.sort()

        def total(code: str) -> dict:
            return _add(*[_v(_option_key(v, code, c)) for c in self.qcells[v.name]])

        for (ra, a), (rb, b) in zip(items, items[1:], strict=False):
            if ra == rb:
                m.con(_add(total(a), _scale(total(b), -1)), 0, 0)
            else:
                m.con(_add(total(a), _scale(total(b), -1)), lo=1)
        published = {c for _, c in items}
        for other in _codes(v):
            if other not in published:
                m.con(_add(total(items[-1][1]), _scale(total(other), -1)), lo=1)
        return ""

    def anchor_caps(self, rows: pd.DataFrame) -> None:
        """"Rotterdam is met 42 teams koploper": every other municipality has at most 41 (a rank-1 row of a count
        question whose value one ``GMxxxx`` row publishes)."""
        for r in rows[(rows["statistic"] == "rank") & (rows["breakdown"] == "rank")].itertuples():
            anchor = rows[(rows["variable"] == r.variable) & (rows["statistic"] == "count")
                          & rows["breakdown"].astype(str).str.match(_GM.pattern)]
            if len(anchor) == 1 and int(r.value) == 1:
                try:
                    v, _ = self.indicator_key(anchor.iloc[0])
                except KeyError:
                    continue
                lo, _hi = value_interval(anchor["value"].iloc[0], anchor["qualifier"].iloc[0], "count")
                shared = 0 if r.qualifier == "exact" else 1
                self.caps[v.name] = int(lo) - 1 + shared

    def _small_share(self, m: _Model, r) -> str:
        """"Vrijwel uitsluitend kleine gemeenten": at least VERBAL_SMALL_SHARE of those with the answer are small."""
        if not self.small:
            return "the cells are not split by size"
        try:
            v, code = self.indicator_key(r)
        except KeyError as err:
            return f"the codebook cannot express it ({err.args[0]})"
        allx = _add(*[_v(_option_key(v, code, c)) for c in self.qcells[v.name]])
        small = _add(*[_v(_option_key(v, code, c)) for c in self.qcells[v.name] if self.small.get(c)])
        share = float(VERBAL_SMALL_SHARE)
        m.con(_add(small, _scale(allx, -share)), lo=0)
        m.con(allx, lo=1)
        return ""

    def _top(self, m: _Model, r, cells: tuple[str, ...]) -> str:
        named = []
        for part in str(r.category).split(";"):
            try:
                named.append(self.indicator_key(r._replace(category=part.strip())))
            except KeyError as err:
                return f"the codebook cannot express '{part.strip()}' ({err.args[0]})"
        v = named[0][0]
        codes = {c for _, c in named}
        cells = self.vcells(v, cells)
        for code in codes:
            for other in _codes(v):
                if other not in codes:
                    m.con(_add(*[_v(_option_key(v, code, c)) for c in cells],
                               _scale(_add(*[_v(_option_key(v, other, c)) for c in cells]), -1)), lo=1)
        return ""

    @staticmethod
    def _percent(m: _Model, x: dict, base: dict, value: float, qualifier: str, nominal: float) -> None:
        lo, hi = value_interval(value, qualifier, "percent")
        m.con(_add(_scale(x, 100.0), _scale(base, -float(hi))), hi=0.0)
        m.con(_add(_scale(x, 100.0), _scale(base, -float(lo))), lo=0.0)
        if any(k for k in base if k):
            m.con(base, lo=1.0)  # a published percentage has someone in its base
        # no deviation from the central value in the objective: the interval constraints make every published
        # figure exact within its rounding, and that term made the solve slow (the 2015 file: > 60 s vs < 2 s)

    def _soft_count(self, m: _Model, v: Variable, rows: pd.DataFrame) -> None:
        """A count question split by size: each cell's total near the overall mean per answering municipality,
        so that the solver does not put every team in one size class."""
        mean = None
        for r in rows.itertuples():
            if r.breakdown != "all" or pd.isna(r.value):
                continue
            try:
                if self.indicator_key(r) != (v, "#total"):
                    continue
            except KeyError:
                continue
            if r.statistic == "mean":
                mean = float(r.value)
            elif r.statistic == "count" and pd.notna(r.base_n):
                mean = float(r.value) / float(r.base_n)
        if mean is None:
            return
        for c in self.qcells[v.name]:
            m.absdev(_add(_v(_total_key(v, c)), _scale(_v(_answered_key(v, c)), -mean)), SOFT_WEIGHT / max(self.n, 1))

    def _soft(self, m: _Model, rows: pd.DataFrame) -> None:
        """Even soft targets for unpublished options (small weight): the published figures dominate."""
        published: dict[tuple[str, str], float] = {}
        for r in rows.itertuples():
            try:
                v, code = self.indicator_key(r)
            except KeyError:
                continue
            if r.statistic == "percent" and r.breakdown == "all" and pd.notna(r.value):
                published.setdefault((v.name, code), float(r.value))
            else:
                published.setdefault((v.name, code), float("nan"))
        split = self.groups != self.all_cells
        for v in self.questions:
            codes = _codes(v)
            if v.type == "count" and split and self.level.get(v.name, 0) == 2:
                self._soft_count(m, v, rows)
            if not codes:
                continue
            share = UNPUBLISHED_MULTI_SHARE if v.type == "multi" else 1.0 / len(codes)
            fine = split and self.level.get(v.name, 0) == 2
            for code in codes:
                if (v.name, code) not in published:
                    x = _add(*[_v(_option_key(v, code, c)) for c in self.qcells[v.name]])
                    a = _add(*[_v(_answered_key(v, c)) for c in self.qcells[v.name]])
                    m.absdev(_add(_scale(x, 100.0), _scale(a, -100.0 * share)), SOFT_WEIGHT / max(self.n, 1))
                if fine:  # a question split by size: each cell near the overall share, so size does not drive it
                    target = published.get((v.name, code), 100.0 * share)
                    target = 100.0 * share if target != target else target
                    for c in self.qcells[v.name]:
                        m.absdev(_add(_scale(_v(_option_key(v, code, c)), 100.0),
                                      _scale(_v(_answered_key(v, c)), -target)), SOFT_WEIGHT / max(self.n, 1))


def _solve(model: _Model, time_limit: float = TIME_LIMIT) -> tuple[dict[str, int], float]:
    """Solve with a tie-break large enough for HiGHS to see (its absolute gap is 1e-6): seeded weights in
    [1e-5, 2e-5] per unit of every integer variable, so that equally good solutions are not left to chance."""
    n = len(model.names)
    c = np.zeros(n)
    for k, v in model.cost.items():
        c[model.index[k]] += v
    u = np.random.default_rng(20140101).uniform(1.0, 2.0, n)
    tie = np.where(np.array(model.integer) == 1, 1e-5 * u, 0.0)
    a, lo, hi = model._matrix()
    res = milp(c + tie, constraints=LinearConstraint(a, lo, hi), integrality=np.array(model.integer),
               bounds=Bounds(np.array(model.lb), np.array(model.ub)),
               options={"mip_rel_gap": 0.0, "time_limit": float(time_limit), "presolve": True})
    if res.status == 2:
        raise ReconstructionError(f"no integer solution meets every published figure: {res.message}")
    if res.status != 0 or res.x is None:
        raise SolverLimit(f"the solver reached the time limit of {time_limit:g} s without a proven solution "
                          f"({res.message}); the figures may still be feasible: raise it with --time-limit")
    out = {name: int(round(res.x[j])) for j, name in enumerate(model.names) if model.integer[j]}
    return out, float(c @ res.x)


class SolverLimit(ReconstructionError):
    """HiGHS hit its time limit: neither a solution nor a proof of infeasibility."""


def _conflicts(builder_factory, rows: pd.DataFrame, time_limit: float = TIME_LIMIT) -> list[str]:
    """A smallest set of rows that together admit no solution (deletion filter over the published rows)."""
    keep = list(rows["finding_id"])
    for fid in list(keep):
        trial = [f for f in keep if f != fid]
        b = builder_factory()
        model, _ = b.build(rows[rows["finding_id"].isin(trial)])
        try:
            _solve(model, time_limit)
        except SolverLimit:
            continue  # undecided: keep the row in the reported set
        except ReconstructionError:
            keep = trial  # still infeasible without it: not needed for the conflict
    return keep


def solve_counts(pub: pd.DataFrame, cb: Codebook, sizes: dict[str, int], g4: str,
                 vocab: dict | None = None, *, cell_group: dict[str, str] | None = None,
                 small: dict[str, bool] | None = None, panel: dict[str, bool] | None = None,
                 time_limit: float = TIME_LIMIT,
                 ) -> tuple[dict[str, int], float, list[str], dict[str, str], dict, dict[str, int], dict, dict]:
    """Step 1: the aggregate counts per cell; raises ReconstructionError naming conflicting rows."""
    vocab = vocab or load_vocabulary()
    if not (pub["variable"] == "n_respondents").any():
        raise ReconstructionError("the published figures give no number of respondents (n_respondents)")

    def factory() -> _Builder:
        return _Builder(pub, cb, sizes, g4, vocab, cell_group, small, panel)

    b = factory()
    model, used = b.build(pub)
    try:
        counts, obj = _solve(model, time_limit)
    except SolverLimit:
        raise
    except ReconstructionError:
        conflict = _conflicts(factory, pub, time_limit)
        raise ReconstructionError("the published figures admit no joint solution in whole municipalities; "
                                  f"conflicting rows: {', '.join(conflict)}") from None
    return counts, obj, used, b.skipped, b.universe_of, b.caps, b.qcells, b.partitions


def _cells(reg: pd.DataFrame, groups: pd.DataFrame, pub: pd.DataFrame, both: set[str] | None = None,
           ) -> tuple[np.ndarray, dict[str, str], dict[str, bool], dict[str, bool]]:
    """The cell of every municipality: its group (g32, g4, other), split into small (< 20 000 inhabitants) and
    large when a figure speaks of size, and a cell of its own for a municipality a figure names (an anchor)."""
    group = groups.set_index("gm_code").loc[reg["gm_code"], "group"].to_numpy().astype(object)
    split = bool(((pub["breakdown"] == "size") & (pub["statistic"] == "verbal")).any())
    small_pop = reg["population"].to_numpy() < SMALL_POPULATION
    label = np.array([f"{g}/{'small' if sm else 'large'}" if split else g for g, sm in zip(group, small_pop,
                                                                                           strict=True)], dtype=object)
    if both is not None:  # a panel row: who answered the earlier wave too
        in_both = reg["gm_code"].astype(str).isin(both).to_numpy()
        label = np.array([f"{lab}/{'panel' if b else 'new'}" for lab, b in zip(label, in_both, strict=True)],
                         dtype=object)
    anchors = sorted({b for b in pub["breakdown"].astype(str) if _GM.match(b)} & set(reg["gm_code"]))
    for code in anchors:
        label[np.flatnonzero(reg["gm_code"].to_numpy() == code)] = code
    cell_group: dict[str, str] = {}
    small: dict[str, bool] = {}
    panel: dict[str, bool] = {}
    codes = reg["gm_code"].astype(str).to_numpy()
    for lab, g, sm, code in sorted(zip(label, group, small_pop, codes, strict=True), key=lambda t: str(t[0])):
        cell_group.setdefault(str(lab), str(g))
        small.setdefault(str(lab), bool(sm))
        panel.setdefault(str(lab), both is not None and code in both)
    return label, cell_group, (small if split else {}), (panel if both is not None else {})


def _universe_rows(tidy: dict[str, np.ndarray], cb: Codebook, universe: str, rows: np.ndarray) -> np.ndarray:
    """Positions among ``rows`` that belong to a universe, from the answers assigned so far."""
    if universe == "respondents":
        return rows
    spec = cb.universes[universe]
    col, equals = spec["column"], spec.get("equals", True)
    vals = tidy[col][rows]
    allowed = equals if isinstance(equals, list) else [equals]
    mask = np.array([x in allowed for x in vals], dtype=bool)
    return rows[mask]


def reconstruct_generic(wave: int, seed: int | None = None, *, published: pd.DataFrame | None = None,
                        register: pd.DataFrame | None = None, codebook: Codebook | None = None,
                        settings: WaveSettings | None = None, time_limit: float = TIME_LIMIT,
                        progress: Callable[[str], None] | None = None,
                        earlier_codes: list[str] | None = None) -> GenericReconstruction:
    """A seeded SYNTHETIC tidy table of ``wave`` meeting every expressible published figure of it.

    ``time_limit``: seconds the solver may take (reached: :class:`SolverLimit`, which says so);
    ``progress``: called with one short line per step; ``earlier_codes``: the respondents of the earlier wave a
    panel row refers to (default: that wave's default survey file)."""
    say = progress or (lambda _msg: None)
    wave = int(wave)
    settings = settings or wave_settings(wave)
    seed = int(settings.seed if seed is None else seed)
    pub_all = published if published is not None else load_published(wave=wave)
    pub = pub_all[pub_all["wave"] == wave].reset_index(drop=True)
    cb = (codebook or load_codebook()).for_wave(wave)
    reg = (register if register is not None else municipalities.register(settings.register_year))
    reg = reg.sort_values("gm_code").reset_index(drop=True)
    say(f"wave {wave}: reading of the G32 breakdown")
    results = evaluate_readings(pub_all, reg, settings, wave)
    chosen, why = choose_reading(results, settings)
    if chosen is None:
        raise ReconstructionError(f"wave {wave}: no usable reading of the G32 breakdown: {why}")
    groups = breakdown_groups(reg, chosen.reading)
    both = None
    cbd = cb.derived
    panel_rows = pub[pub["variable"].map(lambda x: cbd.get(x, {}).get("kind") == "panel")]
    if len(panel_rows):  # consecutive waves drawn jointly: the earlier wave's respondents fix who can overlap
        earlier = panel_wave(panel_rows.iloc[0], cb)
        say(f"wave {wave}: linking with the respondents of {earlier}")
        try:
            prev = earlier_codes if earlier_codes is not None else earlier_respondents(earlier)
        except FileNotFoundError as err:
            raise ReconstructionError(f"{panel_rows['finding_id'].iloc[0]} is a panel row: {err}") from None
        both = linked(reg["gm_code"].astype(str).tolist(), settings.register_year, prev,
                      wave_settings(earlier).register_year)
    label, cell_group, small, panel = _cells(reg, groups, pub, both)
    sizes = {c: int((label == c).sum()) for c in cell_group}
    n_rows = pub.loc[pub["variable"] == "n_respondents", "value"]
    if len(n_rows):  # the fast pre-check of the implied bases names the rows before any solver runs
        say(f"wave {wave}: pre-check of the bases")
        bad = base_conflicts(pub, cb, wave, int(n_rows.iloc[0]), len(reg))
        if bad:
            raise ReconstructionError(f"wave {wave}: the published bases cannot hold together: {'; '.join(bad)}")
    say(f"wave {wave}: counts per cell ({len(cell_group)} cells, time limit {time_limit:g} s)")
    counts, obj, used, skipped, universe_of, caps, qcells, parts = solve_counts(
        pub, cb, sizes, chosen.reading.g4, cell_group=cell_group, small=small, panel=panel, time_limit=time_limit)

    # ---- step 2: municipalities
    say(f"wave {wave}: assigning municipalities (seed {seed})")
    rng = _stream(seed, "respondents")
    chosen_rows = []
    for c in cell_group:
        pool = np.flatnonzero(label == c)
        chosen_rows += rng.choice(pool, size=counts[f"r@{c}"], replace=False).tolist()
    picked = np.array(sorted(chosen_rows), dtype=int)
    resp = reg.iloc[picked].reset_index(drop=True)
    cell = label[picked]
    members = {c: np.array(ms, dtype=object) for part in parts.values() for c, ms in part.items()}
    m = len(resp)
    answers: dict[str, np.ndarray] = {}
    for v in _substantive(cb):
        qrng = _stream(seed, f"question:{v.name}")
        codes = _codes(v)
        if v.type == "multi":
            for code in codes:
                answers[f"{v.name}__{code}"] = np.full(m, -1, dtype=np.int8)
        else:
            answers[v.name] = np.full(m, None, dtype=object)
        spread: dict[tuple, list] = {}  # count question: cells no published figure tells apart share one total
        signature = _count_signatures(pub, cb, v, qcells[v.name], members, cell_group, chosen.reading.g4)
        for c in qcells[v.name]:
            rows_c = np.flatnonzero(np.isin(cell, members[c]))
            uni = _universe_rows(answers, cb, universe_of[v.name], rows_c)
            k = counts[_answered_key(v, c)]
            answering = np.sort(qrng.choice(uni, size=k, replace=False)) if k else np.array([], dtype=int)
            if v.type == "count":
                lo_v, hi_v = (int(x) for x in _count_bounds(v, universe_of[v.name]))
                if v.name in caps and not _GM.match(c):
                    hi_v = min(hi_v, caps[v.name])
                # larger municipalities have more (weight: the population, a team per so many residents, with
                # log-normal noise, sigma 0.25)
                pop = resp["population"].to_numpy(dtype=float)[answering] ** TEAMS_POPULATION_EXPONENT
                w = pop * qrng.lognormal(0.0, TEAMS_DISPERSION, len(answering)) if k else np.zeros(0)
                part = spread.setdefault(signature[c], [0, [], [], [], []])
                part[0] += counts[_total_key(v, c)]
                part[1].append(answering)
                part[2].append(w)
                part[3].append(np.full(len(answering), lo_v))
                part[4].append(np.full(len(answering), hi_v))
                continue
            if v.type == "multi":
                mat = np.zeros((len(answering), len(codes)), dtype=bool)
                rest = np.arange(len(answering))
                if v.exclusive in codes:  # the exclusive option first, the others among the rest
                    j = codes.index(v.exclusive)
                    ex = qrng.permutation(len(answering))[:counts[_option_key(v, v.exclusive, c)]]
                    mat[ex, j] = True
                    rest = np.setdiff1d(rest, ex)
                others = [o for o in codes if o != v.exclusive] if v.exclusive in codes else codes
                sub = fill_multiselect(len(rest), [counts[_option_key(v, o, c)] for o in others], qrng)
                for jj, o in enumerate(others):
                    mat[rest, codes.index(o)] = sub[:, jj]
                for j, code in enumerate(codes):
                    answers[f"{v.name}__{code}"][answering] = mat[:, j].astype(np.int8)
                continue
            order = qrng.permutation(answering)
            start = 0
            for code in codes:
                cnt = counts[_option_key(v, code, c)]
                val = True if code == "true" else False if code == "false" else code
                answers[v.name][order[start:start + cnt]] = val
                start += cnt
        for total, rows_s, ws, los, his in spread.values():  # the solver's totals, spread by population
            rows_s = np.concatenate(rows_s)
            if len(rows_s):
                answers[v.name][rows_s] = list(apportion(total, np.concatenate(ws), np.concatenate(los),
                                                         np.concatenate(his)))
    tidy = _frame(cb, resp, wave, answers, settings, _stream(seed, "dates"))
    say(f"wave {wave}: {m} SYNTHETIC respondents")
    return GenericReconstruction(tidy=tidy, wave=wave, seed=seed, reading=chosen, reading_reason=why,
                                 counts={k: v for k, v in counts.items() if not k.startswith("_")},
                                 objective=obj, used_rows=used, skipped_rows=skipped,
                                 notes={"universes": universe_of, "cells": sizes, "caps": caps,
                                        **({"panel": {"earlier_wave": int(earlier), "finding_id":
                                                      str(panel_rows["finding_id"].iloc[0]),
                                                      "linked_in_register": len(both)}} if both is not None
                                           else {})})


def _count_signatures(pub: pd.DataFrame, cb: Codebook, v: Variable, qcells: tuple[str, ...],
                      members: dict[str, np.ndarray], cell_group: dict[str, str], g4: str) -> dict[str, tuple]:
    """Per cell of a count question: which of the question's published breakdowns contain it (and the cell itself
    when it is a named municipality). Cells with the same signature are summed by every published figure alike,
    so their solver totals may be pooled and spread over their municipalities by population: the solver's split
    between them is an arbitrary corner (three G4 cities at the cap below Rotterdam's 42), not a finding."""
    breakdowns = set()
    for r in pub.itertuples():
        try:
            if cb.indicator(r.variable, r.category, r.breakdown).variable == v.name:
                breakdowns.add(str(r.breakdown))
        except (KeyError, ValueError):
            continue
    out = {}
    for c in qcells:
        fine = [str(f) for f in members[c]]
        if any(_GM.match(f) for f in fine) or v.type != "count":
            out[c] = (c,)
            continue
        groups = {cell_group[f] for f in fine}
        sig = []
        for bd in sorted(breakdowns):
            if bd in _BREAKDOWN_CELLS:
                inside = {g in _BREAKDOWN_CELLS[bd][g4] for g in groups}
                if len(inside) > 1:  # the cell straddles a breakdown: keep it apart
                    out[c] = (c,)
                    break
                sig.append(inside.pop())
            elif not _GM.match(bd) and bd not in ("rank",):
                out[c] = (c,)  # a breakdown this rule does not know (size, ...): keep the cell apart
                break
        else:
            out[c] = ("pooled", *sig)
    return out


def _frame(cb: Codebook, resp: pd.DataFrame, wave: int, answers: dict[str, np.ndarray], settings: WaveSettings,
           rng: np.random.Generator) -> pd.DataFrame:
    dtypes = cb.tidy_columns()
    m = len(resp)
    days = pd.bdate_range(pd.Timestamp(settings.fieldwork_start), pd.Timestamp(settings.fieldwork_end))
    when = (days[rng.integers(0, len(days), m)] + pd.to_timedelta(rng.integers(8 * 3600, 18 * 3600, m), unit="s"))
    data: dict[str, object] = {}
    for col, dtype in dtypes.items():
        if col == "gm_code":
            data[col] = pd.array(resp["gm_code"].astype(str).to_numpy(), dtype="string")
        elif col == "wave":
            data[col] = pd.array(np.full(m, wave), dtype="Int64")
        elif col == "status":
            data[col] = pd.array(np.full(m, "compleet", dtype=object), dtype="string")
        elif col == "ingevuld_op":
            data[col] = pd.Series(when.floor("s").astype("datetime64[ns]")).to_numpy()
        elif col in answers and dtype == "boolean":
            a = answers[col]
            if a.dtype == object:
                data[col] = pd.array([pd.NA if x is None else bool(x) for x in a], dtype="boolean")
            else:
                data[col] = pd.arrays.BooleanArray(a == 1, a < 0)
        elif col in answers and dtype == "Int64":
            data[col] = pd.array([pd.NA if x is None else int(x) for x in answers[col]], dtype="Int64")
        elif col in answers:
            data[col] = pd.array([pd.NA if x is None else str(x) for x in answers[col]], dtype=dtype)
        else:
            data[col] = pd.array([pd.NA] * m, dtype=dtype)
    df = pd.DataFrame(data)
    for col, dtype in dtypes.items():
        if str(df[col].dtype) != dtype:
            df[col] = df[col].astype(dtype)
    return df.sort_values("gm_code", kind="stable").reset_index(drop=True)


def exact_share(k: int, n: int) -> Fraction:
    """``100 k / n`` exactly (for messages and tests)."""
    return Fraction(100 * k, n)
