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
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from wijkteam_stats.reconstruct.feasibility import ReconstructionError, _add, _c, _Model, _scale, _v
from wijkteam_stats.reconstruct.sampling import apportion, fill_multiselect
from wijkteam_stats.reference import municipalities
from wijkteam_stats.reference.codebook import Codebook, Variable, load_codebook
from wijkteam_stats.reference.published import load_published, load_vocabulary, verbal_rule
from wijkteam_stats.reference.wave_settings import WaveSettings
from wijkteam_stats.reference.waves import breakdown_groups
from wijkteam_stats.reference.waves import settings as wave_settings
from wijkteam_stats.reproduce.base_check import base_conflicts
from wijkteam_stats.reproduce.readings import ReadingResult, choose_reading, evaluate_readings
from wijkteam_stats.reproduce.tolerances import value_interval

#: Bump when the generic generator's output for the same inputs changes.
GENERIC_VERSION = "1.0.0"
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
#: Seconds HiGHS may spend on one solve (a time-out is reported as such, never as a conflict).
TIME_LIMIT = 60.0


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
    return [v for v in cb.variables if v.role == "substantive" and v.type in ("single", "yesno", "multi", "count")]


def _total_key(v: Variable, cell: str) -> str:
    return f"{v.name}#total@{cell}"


def _option_key(v: Variable, code: str, cell: str) -> str:
    return f"{v.name}={code}@{cell}"


def _answered_key(v: Variable, cell: str) -> str:
    return f"{v.name}#answered@{cell}"


def _codes(v: Variable) -> list[str]:
    if v.type == "count":
        return []
    return ["true", "false"] if v.type == "yesno" else v.option_codes()


class _Builder:
    """The MILP of one wave: cells, questions, universes and the constraints of published rows."""

    def __init__(self, pub: pd.DataFrame, cb: Codebook, sizes: dict[str, int], g4: str, vocab: dict):
        self.pub, self.cb, self.sizes, self.g4, self.vocab = pub, cb, sizes, g4, vocab
        self.n = int(pub.loc[pub["variable"] == "n_respondents", "value"].iloc[0])
        self.questions = _substantive(cb)
        self.universe_of: dict[str, str] = {}
        self.base_of: dict[str, int] = {}
        self.skipped: dict[str, str] = {}

    # -- expressions
    def cells(self, breakdown: str) -> tuple[str, ...]:
        return _BREAKDOWN_CELLS[breakdown][self.g4]

    def universe(self, name: str, cell: str) -> dict:
        if name == "respondents":
            return _v(f"r@{cell}")
        spec = self.cb.universes.get(name)
        if spec is None or "column" not in spec:
            raise KeyError(f"universe {name!r} is not defined in the codebook")
        col, equals = spec["column"], spec.get("equals", True)
        if "__" in col:
            var, code = col.split("__", 1)
            return _v(_option_key(self.cb.variable(var), code, cell))
        v = self.cb.variable(col)
        vals = equals if isinstance(equals, list) else [equals]
        codes = ["true" if x is True else "false" if x is False else str(x) for x in vals]
        return _add(*[_v(_option_key(v, c, cell)) for c in codes])

    def indicator_key(self, row) -> tuple[Variable, str]:
        ind = self.cb.indicator(row.variable, row.category, row.breakdown)
        v = self.cb.variable(ind.variable)
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
        for c in CELLS:
            m.var(f"r@{c}", 0, self.sizes[c])
        m.con(_add(*[_v(f"r@{c}") for c in CELLS]), self.n, self.n)
        # which universe each question is asked of: the universe of its published rows (respondents if none)
        for r in rows.itertuples():
            try:
                v, _ = self.indicator_key(r)
            except KeyError:
                continue
            self.universe_of.setdefault(v.name, r.universe)
            if pd.notna(r.base_n) and r.breakdown == "all":
                self.base_of[v.name] = int(r.base_n)
        for v in self.questions:
            uni = self.universe_of.get(v.name, "with_teams" if v.name != "has_teams" else "respondents")
            if uni not in self.cb.universes and uni != "respondents":
                uni = "respondents"
            self.universe_of[v.name] = uni
        for v in self.questions:
            codes = _codes(v)
            for c in CELLS:
                a = m.var(_answered_key(v, c), 0, self.sizes[c])
                if v.type == "count":  # the total of a count question: within [min, max] per answering row
                    lo_v, hi_v = float(v.min or 0), float(v.max if v.max is not None else 1000)
                    t = m.var(_total_key(v, c), 0, hi_v * self.sizes[c])
                    m.con(_add(_v(t), _scale(_v(a), -lo_v)), lo=0)
                    m.con(_add(_v(t), _scale(_v(a), -hi_v)), hi=0)
                    continue
                for code in codes:
                    m.var(_option_key(v, code, c), 0, self.sizes[c])
                opts = _add(*[_v(_option_key(v, code, c)) for code in codes])
                if v.type == "multi":
                    for code in codes:
                        m.con(_add(_v(_option_key(v, code, c)), _scale(_v(a), -1)), hi=0)
                    m.con(_add(opts, _scale(_v(a), -1)), lo=0)
                else:
                    m.con(_add(opts, _scale(_v(a), -1)), 0, 0)
        # universes need their defining questions first: answered <= universe (all answer unless a base says less)
        for v in self.questions:
            uni = self.universe_of[v.name]
            for c in CELLS:
                u = self.universe(uni, c)
                if v.name in self.base_of or v.name == "has_teams":
                    m.con(_add(_v(_answered_key(v, c)), _scale(u, -1)), hi=0)
                else:
                    m.con(_add(_v(_answered_key(v, c)), _scale(u, -1)), 0, 0)
            if v.name in self.base_of:
                m.con(_add(*[_v(_answered_key(v, c)) for c in CELLS]), self.base_of[v.name], self.base_of[v.name])
        has = next((v for v in self.questions if v.name == "has_teams"), None)
        if has is not None:
            for c in CELLS:
                m.con(_add(_v(_answered_key(has, c)), _scale(_v(f"r@{c}"), -1)), 0, 0)
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
        if r.breakdown not in _BREAKDOWN_CELLS:
            return f"breakdown {r.breakdown!r} is not expressible by the generic reconstruction"
        cells = self.cells(r.breakdown)
        if r.variable in ("n_respondents", "response_rate"):
            k = _add(*[_v(f"r@{c}") for c in cells])
            if r.statistic == "count":
                lo, hi = value_interval(r.value, r.qualifier, "count")
                m.con(k, float(lo), float(hi))
            else:
                size = sum(self.sizes[c] for c in cells)
                self._percent(m, k, _c(size), r.value, r.qualifier, size)
            return ""
        if r.statistic == "verbal":
            rule = verbal_rule(r, self.vocab)
            if rule is None:
                return "no verbal rule in the vocabulary recognises this statement"
            if rule["rule"] == "top_options":
                return self._top(m, r, cells)
        try:
            v, code = self.indicator_key(r)
        except KeyError as err:
            return f"the codebook cannot express it ({err.args[0]})"
        base = _add(*[_v(_answered_key(v, c)) for c in cells])
        if code == "#total":
            total = _add(*[_v(_total_key(v, c)) for c in cells])
            if r.statistic == "count":
                lo, hi = value_interval(r.value, r.qualifier, "count")
                m.con(total, float(lo), float(hi))
                return ""
            if r.statistic == "mean":  # over the universe rows, a row without a value counting as 0
                uni = _add(*[self.universe(self.universe_of[v.name], c) for c in cells])
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
        every unpublished sibling strictly below the worst published one."""
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
            return _add(*[_v(_option_key(v, code, c)) for c in CELLS])

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

    def _top(self, m: _Model, r, cells: tuple[str, ...]) -> str:
        named = []
        for part in str(r.category).split(";"):
            try:
                named.append(self.indicator_key(r._replace(category=part.strip())))
            except KeyError as err:
                return f"the codebook cannot express '{part.strip()}' ({err.args[0]})"
        v = named[0][0]
        codes = {c for _, c in named}
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
        m.absdev(_add(_scale(x, 100.0), _scale(base, -float(value))), 1.0 / max(nominal, 1.0))

    def _soft(self, m: _Model, rows: pd.DataFrame) -> None:
        """Even soft targets for unpublished options (small weight): the published figures dominate."""
        published = set()
        for r in rows.itertuples():
            try:
                v, code = self.indicator_key(r)
                published.add((v.name, code))
            except KeyError:
                continue
        for v in self.questions:
            codes = _codes(v)
            if not codes:
                continue
            share = UNPUBLISHED_MULTI_SHARE if v.type == "multi" else 1.0 / len(codes)
            for code in codes:
                if (v.name, code) in published:
                    continue
                x = _add(*[_v(_option_key(v, code, c)) for c in CELLS])
                a = _add(*[_v(_answered_key(v, c)) for c in CELLS])
                m.absdev(_add(_scale(x, 100.0), _scale(a, -100.0 * share)), SOFT_WEIGHT / max(self.n, 1))


def _solve(model: _Model) -> tuple[dict[str, int], float]:
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
               options={"mip_rel_gap": 0.0, "time_limit": TIME_LIMIT, "presolve": True})
    if res.status == 2:
        raise ReconstructionError(f"no integer solution meets every published figure: {res.message}")
    if res.status != 0 or res.x is None:
        raise SolverLimit(f"the solver stopped without a proven solution ({res.message}); the figures may still "
                          "be feasible: simplify the wave's rows or raise the time limit")
    out = {name: int(round(res.x[j])) for j, name in enumerate(model.names) if model.integer[j]}
    return out, float(c @ res.x)


class SolverLimit(ReconstructionError):
    """HiGHS hit its time limit: neither a solution nor a proof of infeasibility."""


def _conflicts(builder_factory, rows: pd.DataFrame) -> list[str]:
    """A smallest set of rows that together admit no solution (deletion filter over the published rows)."""
    keep = list(rows["finding_id"])
    for fid in list(keep):
        trial = [f for f in keep if f != fid]
        b = builder_factory()
        model, _ = b.build(rows[rows["finding_id"].isin(trial)])
        try:
            _solve(model)
        except SolverLimit:
            continue  # undecided: keep the row in the reported set
        except ReconstructionError:
            keep = trial  # still infeasible without it: not needed for the conflict
    return keep


def solve_counts(pub: pd.DataFrame, cb: Codebook, sizes: dict[str, int], g4: str,
                 vocab: dict | None = None) -> tuple[dict[str, int], float, list[str], dict[str, str], dict]:
    """Step 1: the aggregate counts per group; raises ReconstructionError naming conflicting rows."""
    vocab = vocab or load_vocabulary()
    if not (pub["variable"] == "n_respondents").any():
        raise ReconstructionError("the published figures give no number of respondents (n_respondents)")
    b = _Builder(pub, cb, sizes, g4, vocab)
    model, used = b.build(pub)
    try:
        counts, obj = _solve(model)
    except SolverLimit:
        raise
    except ReconstructionError:
        conflict = _conflicts(lambda: _Builder(pub, cb, sizes, g4, vocab), pub)
        raise ReconstructionError("the published figures admit no joint solution in whole municipalities; "
                                  f"conflicting rows: {', '.join(conflict)}") from None
    return counts, obj, used, b.skipped, b.universe_of


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
                        settings: WaveSettings | None = None) -> GenericReconstruction:
    """A seeded SYNTHETIC tidy table of ``wave`` meeting every expressible published figure of it."""
    wave = int(wave)
    settings = settings or wave_settings(wave)
    seed = int(settings.seed if seed is None else seed)
    pub_all = published if published is not None else load_published(wave=wave)
    pub = pub_all[pub_all["wave"] == wave].reset_index(drop=True)
    cb = (codebook or load_codebook()).for_wave(wave)
    reg = (register if register is not None else municipalities.register(settings.register_year))
    reg = reg.sort_values("gm_code").reset_index(drop=True)
    results = evaluate_readings(pub_all, reg, settings, wave)
    chosen, why = choose_reading(results, settings)
    if chosen is None:
        raise ReconstructionError(f"wave {wave}: no usable reading of the G32 breakdown: {why}")
    groups = breakdown_groups(reg, chosen.reading)
    sizes = {c: int((groups["group"] == c).sum()) for c in CELLS}
    n_rows = pub.loc[pub["variable"] == "n_respondents", "value"]
    if len(n_rows):  # the fast pre-check of the implied bases names the rows before any solver runs
        bad = base_conflicts(pub, cb, wave, int(n_rows.iloc[0]), len(reg))
        if bad:
            raise ReconstructionError(f"wave {wave}: the published bases cannot hold together: {'; '.join(bad)}")
    counts, obj, used, skipped, universe_of = solve_counts(pub, cb, sizes, chosen.reading.g4)

    # ---- step 2: municipalities
    rng = _stream(seed, "respondents")
    chosen_rows = []
    for c in CELLS:
        pool = np.flatnonzero(groups["group"].to_numpy() == c)
        chosen_rows += rng.choice(pool, size=counts[f"r@{c}"], replace=False).tolist()
    resp = reg.iloc[sorted(chosen_rows)].reset_index(drop=True)
    cell = groups.set_index("gm_code").loc[resp["gm_code"], "group"].to_numpy()
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
        for c in CELLS:
            rows_c = np.flatnonzero(cell == c)
            uni = _universe_rows(answers, cb, universe_of[v.name], rows_c)
            k = counts[_answered_key(v, c)]
            answering = np.sort(qrng.choice(uni, size=k, replace=False)) if k else np.array([], dtype=int)
            if v.type == "count":
                total = counts[_total_key(v, c)]
                lo_v, hi_v = int(v.min or 0), int(v.max if v.max is not None else 1000)
                vals = apportion(total, qrng.lognormal(0.0, 0.5, len(answering)), lo_v, hi_v) if k else []
                answers[v.name][answering] = list(vals)
                continue
            if v.type == "multi":
                mat = fill_multiselect(len(answering), [counts[_option_key(v, o, c)] for o in codes], qrng)
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
    tidy = _frame(cb, resp, wave, answers, settings, _stream(seed, "dates"))
    return GenericReconstruction(tidy=tidy, wave=wave, seed=seed, reading=chosen, reading_reason=why,
                                 counts={k: v for k, v in counts.items() if not k.startswith("_")},
                                 objective=obj, used_rows=used, skipped_rows=skipped,
                                 notes={"universes": universe_of})


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
