"""Step 1 of the reconstruction: aggregate integer counts that meet every published figure (scipy MILP).

Every published percentage becomes two linear constraints on (count, base) — the base may itself be a
variable, e.g. the number of respondents with teams — and an absolute deviation from the published
central value in the objective. Ranks become strict inequalities, ties equalities, "geen betrokkenheid"
the exclusivity constraints of a multi-select row. Choices the figures leave open get a soft target
from :class:`~wijkteam_stats.reconstruct.params.ReconstructionParams` with a small weight. HiGHS solves
the problem to proven optimality (relative gap 0); a tiny index-ordered preference for smaller counts
separates equally good solutions, and HiGHS settles any remaining tie deterministically. The municipality file built from
the counts is re-checked against every figure with exact rational arithmetic (:mod:`.verify`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from wijkteam_stats.reconstruct.params import ReconstructionParams
from wijkteam_stats.reference.codebook import Codebook
from wijkteam_stats.reproduce.tolerances import VERBAL_MAJORITY, VERBAL_SMALL_SHARE, value_interval

Expr = dict[str, float]  # variable -> coefficient; key "" holds the constant


class ReconstructionError(RuntimeError):
    """The published figures (with these parameters) admit no integer solution, or a figure is not understood."""


#: Questions asked only of respondents with teams, in questionnaire order (partial respondents stop after
#: ``monitors_teams``).
WITH_TEAMS_VARIABLES = ("n_teams", "team_type", "problem_scope", "discipline", "work_income_tasks",
                        "work_income_task", "goal", "monitors_teams", "involvement")


@dataclass
class Aggregates:
    """The chosen aggregate counts and the structure they belong to."""

    counts: dict[str, int]
    objective: float
    wave: int
    n_respondents: int
    total_teams: int
    city_code: str
    city_teams: int
    group_size: int
    partial_respondents: int
    involvement_bases: dict[str, int] = field(default_factory=dict)
    targets: list[dict] = field(default_factory=list)

    def __getitem__(self, key: str) -> int:
        return self.counts[key]


class _Model:
    """A small MILP builder: named variables, linear constraints, absolute deviations."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[Expr, float, float]] = []
        self.cost: dict[str, float] = {}
        self._dev = 0

    def var(self, name: str, lo: float, hi: float, integer: bool = True) -> str:
        if name in self.index:
            raise KeyError(f"variable {name} defined twice")
        self.index[name] = len(self.names)
        self.names.append(name)
        self.lb.append(lo)
        self.ub.append(hi)
        self.integer.append(1 if integer else 0)
        return name

    def con(self, expr: Expr, lo: float = -np.inf, hi: float = np.inf) -> None:
        const = expr.get("", 0.0)
        terms = {k: v for k, v in expr.items() if k}
        self.rows.append((terms, lo - const, hi - const))

    def absdev(self, expr: Expr, weight: float) -> None:
        """Add ``weight * |expr|`` to the objective."""
        d = self.var(f"_dev{self._dev}", 0.0, np.inf, integer=False)
        self._dev += 1
        self.con({**_scale(expr, 1.0), d: -1.0}, hi=0.0)
        self.con({**_scale(expr, -1.0), d: -1.0}, hi=0.0)
        self.cost[d] = self.cost.get(d, 0.0) + weight

    def _matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(self.names)
        a = np.zeros((len(self.rows), n))
        lo = np.empty(len(self.rows))
        hi = np.empty(len(self.rows))
        for r, (terms, l_, h_) in enumerate(self.rows):
            for k, v in terms.items():
                a[r, self.index[k]] += v
            lo[r], hi[r] = l_, h_
        return a, lo, hi

    def _milp(self, c: np.ndarray, a: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        res = milp(c, constraints=LinearConstraint(a, lo, hi), integrality=np.array(self.integer),
                   bounds=Bounds(np.array(self.lb), np.array(self.ub)),
                   options={"mip_rel_gap": 0.0, "time_limit": 60.0, "presolve": True})
        if res.status != 0 or res.x is None:
            raise ReconstructionError(f"no integer solution meets every published figure: {res.message}")
        return res

    def solve(self) -> tuple[dict[str, int], float]:
        """Minimise the objective (HiGHS, proven optimal); returns the integer variables and the objective."""
        n = len(self.names)
        c = np.zeros(n)
        for k, v in self.cost.items():
            c[self.index[k]] += v
        # a tiny index-ordered preference for smaller counts among equally good solutions; exact ties
        # left after it are settled deterministically by HiGHS (its version is recorded with the output)
        tie = np.array([1e-9 * (j + 1) / n if self.integer[j] else 0.0 for j in range(n)])
        a, lo, hi = self._matrix()
        res = self._milp(c + tie, a, lo, hi)
        x = res.x
        out = {name: int(round(x[j])) for j, name in enumerate(self.names) if self.integer[j]}
        return out, float(c @ x)


def _scale(expr: Expr, f: float) -> Expr:
    return {k: v * f for k, v in expr.items()}


def _add(*exprs: Expr) -> Expr:
    out: Expr = {}
    for e in exprs:
        for k, v in e.items():
            out[k] = out.get(k, 0.0) + v
    return out


def _f(x: Fraction) -> float:
    return float(x)


# --------------------------------------------------------------------------- the model


def _percent(model: _Model, x: Expr, base: Expr, value: float, qualifier: str, nominal: float,
             weight: float = 1.0) -> None:
    """count/base within the tolerance of ``value`` percent; |100·count − value·base| / nominal in the objective."""
    lo, hi = value_interval(value, qualifier, "percent")
    model.con(_add(_scale(x, 100.0), _scale(base, -_f(hi))), hi=0.0)
    model.con(_add(_scale(x, 100.0), _scale(base, -_f(lo))), lo=0.0)
    model.absdev(_add(_scale(x, 100.0), _scale(base, -float(value))), weight / max(nominal, 1.0))


def _mean(model: _Model, total: Expr, base: Expr, value: float, qualifier: str, nominal: float) -> None:
    lo, hi = value_interval(value, qualifier, "mean")
    model.con(_add(total, _scale(base, -_f(hi))), hi=0.0)
    model.con(_add(total, _scale(base, -_f(lo))), lo=0.0)
    model.absdev(_add(total, _scale(base, -float(value))), 1.0 / max(nominal, 1.0))


def _soft(model: _Model, x: Expr, base: Expr, share: float, nominal: float, weight: float) -> None:
    model.absdev(_add(_scale(x, 100.0), _scale(base, -100.0 * share)), weight / max(nominal, 1.0))


def _v(name: str) -> Expr:
    return {name: 1.0}


def _c(value: float) -> Expr:
    return {"": float(value)}


def solve_aggregates(pub: pd.DataFrame, register: pd.DataFrame, codebook: Codebook, wave: int,
                     params: ReconstructionParams) -> Aggregates:
    """Choose aggregate counts meeting every published figure of ``wave`` (closest to the central values)."""
    rows = pub[pub["wave"] == int(wave)].reset_index(drop=True)
    handled: set[str] = set()
    model = _Model()

    def take(**eq: object) -> pd.DataFrame:
        m = pd.Series(True, index=rows.index)
        for k, v in eq.items():
            m &= rows[k] == v
        sub = rows[m]
        handled.update(sub["finding_id"])
        return sub

    # ---- respondents, response rate
    n_row = take(variable="n_respondents")
    if n_row.empty:
        raise ReconstructionError(f"wave {wave}: the published figures give no number of respondents")
    n = int(n_row["value"].iloc[0])
    rate = take(variable="response_rate")
    for r in rate.itertuples():
        lo, hi = value_interval(r.value, r.qualifier, "percent")
        if not lo <= Fraction(100 * n, len(register)) <= hi:
            raise ReconstructionError(f"{r.finding_id}: {n} of {len(register)} invited is not {r.value} %")

    # ---- the G32 group of the chosen reading; the city with the most teams
    city = take(variable="n_teams", statistic="count")
    city = city[city["breakdown"].str.startswith("GM")]
    if city.empty:
        raise ReconstructionError("the generator needs the published number of teams of the leading city")
    city_code, city_teams = str(city["breakdown"].iloc[0]), int(city["value"].iloc[0])
    take(variable="n_teams", statistic="rank")
    in_group = register["g32"] | (register["g4"] if params.g32_reading == "network_plus_g4" else False)
    group_size = int(in_group.sum())
    city_in_group = bool(in_group[register["gm_code"] == city_code].any())
    invited = len(register)

    model.var("g", 1 if city_in_group else 0, group_size)
    model.var("kg", 1 if city_in_group else 0, group_size)
    model.con({"kg": 1, "g": -1}, hi=0)
    model.con({"g": -1, "": n}, hi=invited - group_size)  # enough non-group municipalities to respond
    has = codebook.variable("has_teams")
    for o in has.options:
        model.var(f"has_teams={o.code}", 0, n)
    model.con(_add(*[_v(f"has_teams={o.code}") for o in has.options]), n, n)
    k = _v("has_teams=ja")
    model.con(_add(k, _scale(_v("kg"), -1)), lo=1 if not city_in_group else 0)  # the city has teams
    k_nominal = n * 0.87
    for r in take(variable="has_teams", breakdown="all", statistic="percent").itertuples():
        _percent(model, k, _c(n), r.value, r.qualifier, n)
        k_nominal = n * r.value / 100
    for r in take(variable="has_teams", breakdown="G32").itertuples():
        _percent(model, _v("kg"), _v("g"), r.value, r.qualifier, group_size * 0.7)
    for r in take(variable="has_teams", breakdown="non-G32").itertuples():
        _percent(model, _add(k, _scale(_v("kg"), -1)), _add(_c(n), _scale(_v("g"), -1)), r.value, r.qualifier,
                 n - group_size * 0.7)
    for r in take(variable="explicitly_no_teams", statistic="percent").itertuples():
        _percent(model, _v("has_teams=nee_bewuste_keuze"), _c(n), r.value, r.qualifier, n)
    verbal_small = take(variable="explicitly_no_teams", statistic="verbal")
    if not verbal_small.empty:
        # at most explicit_no_not_small of them not small, and that must keep the small share
        x = _v("has_teams=nee_bewuste_keuze")
        model.con(_add(_scale(x, _f(1 - VERBAL_SMALL_SHARE)), _c(-params.explicit_no_not_small)), lo=0)
    # G32 municipalities without teams answer 'nee, gepland' or 'anders' (never the explicit 'no': those are small)
    model.con(_add(_v("g"), _scale(_v("kg"), -1), _scale(_v("has_teams=nee_gepland"), -1),
                   _scale(_v("has_teams=anders"), -1)), hi=0)
    others = _add(_v("has_teams=nee_gepland"), _v("has_teams=anders"))
    _soft(model, _v("has_teams=nee_gepland"), others, params.non_team_planned_share, 3, params.soft_target_weight)

    # ---- teams
    total_row = take(variable="n_teams", statistic="count", breakdown="all")
    if total_row.empty:
        raise ReconstructionError("the generator needs the published total number of teams")
    total = int(total_row["value"].iloc[0])
    top = city_teams - 1  # every other municipality stays below the leading city
    model.var("teams_g32", 0, total)
    inside = city_teams if city_in_group else 0
    model.con({"teams_g32": 1, "kg": -1, "": -inside + (1 if city_in_group else 0)}, lo=0)  # ≥ 1 per G32 with teams
    model.con({"teams_g32": 1, "kg": -top, "": -inside + (top if city_in_group else 0)}, hi=0)
    rest_teams = {"teams_g32": -1.0, "": float(total - (0 if city_in_group else city_teams))}
    rest_mun = _add(k, _scale(_v("kg"), -1), _c(0 if city_in_group else -1))
    model.con(_add(rest_teams, _scale(rest_mun, -1)), lo=0)
    model.con(_add(rest_teams, _scale(rest_mun, -top)), hi=0)
    for r in take(variable="n_teams", statistic="mean", breakdown="all").itertuples():
        _mean(model, _c(total), _c(n), r.value, r.qualifier, n)
        _mean(model, _c(total), k, r.value, r.qualifier, k_nominal)
    for r in take(variable="n_teams", statistic="mean", breakdown="G32").itertuples():
        for base in params.g32_mean_bases:
            _mean(model, _v("teams_g32"), _v("g") if base == "respondents" else _v("kg"), r.value, r.qualifier,
                  group_size * 0.7)

    # ---- questions of respondents with teams (all answer them; partial respondents stop after monitoring)
    p = params.partial_respondents
    weight = params.soft_target_weight

    def multi_vars(name: str, base: Expr) -> None:
        for o in codebook.variable(name).options:
            model.var(f"{name}__{o.code}", 0, n)
            model.con(_add(_v(f"{name}__{o.code}"), _scale(base, -1)), hi=0)
        model.con(_add(*[_v(f"{name}__{o.code}") for o in codebook.variable(name).options],
                       _scale(base, -1)), lo=0)  # every answering municipality ticks at least one option

    multi_vars("team_type", k)
    b = _v("team_type__breed_integraal")
    ps = codebook.variable("problem_scope")
    for o in ps.options:
        model.var(f"problem_scope={o.code}", 0, n)
    model.con(_add(*[_v(f"problem_scope={o.code}") for o in ps.options], _scale(b, -1)), 0, 0)
    multi_vars("discipline", k)
    model.var("work_income_tasks", 0, n)
    model.con(_add(_v("work_income_tasks"), _scale(k, -1)), hi=0)
    w = _v("work_income_tasks")
    multi_vars("work_income_task", w)
    multi_vars("goal", k)
    model.var("monitors_teams", 0, n)
    model.con(_add(_v("monitors_teams"), _scale(k, -1)), hi=0)
    model.var("needs_support_involving_residents", 0, n)
    support_base = _c(n - p)

    def base_of(universe: str) -> tuple[Expr, float]:
        if universe == "with_teams":
            return k, k_nominal
        if universe == "respondents":
            return support_base, n - p
        if universe == "work_income_tasks":
            return w, k_nominal / 2
        if universe == "broad_integral_teams":
            return b, k_nominal * params.broad_integral_share
        raise ReconstructionError(f"unknown universe {universe!r}")

    simple = rows[rows["statistic"].isin(["percent"]) & ~rows["finding_id"].isin(handled)
                  & (rows["variable"] != "involvement")]
    for r in simple.itertuples():
        ind = codebook.indicator(r.variable, r.category, r.breakdown)
        key = ind.column if ind.equals in (None, True) else f"{ind.column}={ind.equals}"
        if key not in model.index:
            raise ReconstructionError(f"{r.finding_id}: no aggregate count for {key}")
        base, nominal = base_of(r.universe)
        _percent(model, _v(key), base, r.value, r.qualifier, nominal)
        handled.add(r.finding_id)
    _soft(model, b, k, params.broad_integral_share, k_nominal, weight)
    for code, share in params.team_type_other_shares:
        _soft(model, _v(f"team_type__{code}"), k, share, k_nominal, weight)
    non_both = _add(b, _scale(_v("problem_scope=beide"), -1))
    _soft(model, _v("problem_scope=enkelvoudig"), non_both, params.problem_scope_single_share,
          k_nominal * 0.3, weight)
    published_cols = {codebook.indicator(r.variable, r.category, r.breakdown).column
                      for r in rows.itertuples() if r.topic in ("composition", "goals", "team_type")}
    for o in codebook.variable("discipline").options:
        col = f"discipline__{o.code}"
        if col not in published_cols:
            share = params.other_option_share if o.code == "anders" else params.unpublished_option_share
            _soft(model, _v(col), k, share, k_nominal, weight)
    for code, share in params.goal_shares:
        _soft(model, _v(f"goal__{code}"), k, share, k_nominal, weight)

    # ---- ranks and orderings
    ranked = rows[rows["statistic"] == "rank"]
    for _variable, sub in ranked[ranked["variable"] != "n_teams"].groupby("variable", sort=False):
        handled.update(sub["finding_id"])
        ranks = {codebook.indicator(r.variable, r.category, r.breakdown).column: int(r.value)
                 for r in sub.itertuples()}
        siblings = codebook.indicator(sub["variable"].iloc[0], sub["category"].iloc[0]).siblings
        _ranks(model, ranks, siblings, params, k, sub["qualifier"].iloc[0] == "verbal"
               and sub["topic"].iloc[0] == "team_type")

    # ---- involvement grid
    inv = rows[rows["variable"] == "involvement"]
    grid = next(v for v in codebook.variables if v.type == "grid")
    bases: dict[str, int] = {}
    for group in grid.groups:
        sub = inv[inv["breakdown"] == group.published]
        if sub.empty:
            continue
        handled.update(sub["finding_id"])
        if sub["base_n"].isna().any() or sub["base_n"].nunique() != 1:
            raise ReconstructionError(f"involvement of {group.code}: needs one published base")
        bn = int(sub["base_n"].iloc[0])
        bases[group.code] = bn
        # the base is the with-teams respondents that answered the row; partial respondents answered none
        model.con(_add(k, _c(-p - bn)), lo=0)
        cols = {}
        for form in grid.forms:
            name = f"involvement__{group.code}__{form.code}"
            model.var(name, 0, bn)
            cols[form.code] = name
        for r in sub.itertuples():
            form = next(f for f in grid.forms if f.published == r.category)
            _percent(model, _v(cols[form.code]), _c(bn), r.value, r.qualifier, bn)
        excl = grid.exclusive
        involved = {"": float(bn), cols[excl]: -1.0}
        for code, name in cols.items():
            if code != excl:
                model.con(_add(_v(name), _scale(involved, -1)), hi=0)
        model.con(_add(*[_v(nm) for c_, nm in cols.items() if c_ != excl], _scale(involved, -1)), lo=0)

    # ---- everything published must be handled
    left = sorted(set(rows["finding_id"]) - handled)
    if left:
        raise ReconstructionError(f"the generator does not know how to meet finding(s) {', '.join(left)}")

    counts, obj = model.solve()
    counts["N"] = n
    counts["teams_total"] = total
    agg = Aggregates(counts=counts, objective=obj, wave=int(wave), n_respondents=n, total_teams=total,
                     city_code=city_code, city_teams=city_teams, group_size=group_size, partial_respondents=p,
                     involvement_bases=bases)
    return agg


def _ranks(model: _Model, ranks: dict[str, int], siblings: tuple[str, ...], params: ReconstructionParams,
           base: Expr, majority: bool) -> None:
    """Competition ranks: equal ranks tie, better ranks are strictly larger, unpublished options below all."""
    partners = {a: b_ for a, b_ in params.rank_tie_partners if a in ranks}
    items = sorted(ranks.items(), key=lambda kv: (kv[1], kv[0]))
    for (a, ra), (b_, rb) in zip(items, items[1:], strict=False):
        if ra == rb:
            model.con({a: 1, b_: -1}, 0, 0)
        else:
            model.con({a: 1, b_: -1}, lo=1)
    worst = items[-1][0]
    for s in siblings:
        if s in ranks:
            continue
        if s in partners.values():
            a = next(x for x, y in partners.items() if y == s)
            model.con({a: 1, s: -1}, 0, 0)
            continue
        model.con({worst: 1, s: -1}, lo=1)
    if majority:
        first = items[0][0]
        model.con(_add(_v(first), _scale(base, -_f(VERBAL_MAJORITY))), lo=0.5)
