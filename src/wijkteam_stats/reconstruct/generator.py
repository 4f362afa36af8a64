"""Step 2 of the reconstruction: assign the aggregate counts to municipalities (seeded, constructive).

Every random choice uses its own stream derived from (seed, step), so changing one step does not change
the others. Counts are exact by construction: subsets are drawn with a fixed size (conditional Poisson
sampling where a size effect applies), team numbers by bounded largest-remainder apportionment,
multi-select answers by :func:`~wijkteam_stats.reconstruct.sampling.fill_multiselect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from wijkteam_stats.reconstruct.feasibility import Aggregates, ReconstructionError, solve_aggregates
from wijkteam_stats.reconstruct.params import DEFAULT_SEED, GENERATOR_VERSION, ReconstructionParams
from wijkteam_stats.reconstruct.sampling import apportion, conditional_poisson_sample, fill_multiselect
from wijkteam_stats.reference.codebook import Codebook, load_codebook
from wijkteam_stats.reference.municipalities import register as load_register
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reproduce.tolerances import SMALL_POPULATION

STEPS = ("response", "has_teams", "teams", "partial", "team_type", "problem_scope", "discipline",
         "work_income", "goal", "monitoring", "support", "item_nonresponse", "involvement", "meta", "names")

#: Generic comments (no numbers, no names) for the free-text fields.
COMMENTS = (
    "De teams worden in 2016 geëvalueerd.",
    "Wij zijn nog volop in ontwikkeling.",
    "De samenwerking met de huisartsen krijgt veel aandacht.",
    "Het team werkt nauw samen met het CJG.",
    "Geen opmerkingen.",
    "De vragenlijst was lastig in te vullen voor onze situatie.",
    "Wij werken regionaal samen met buurgemeenten.",
)
ANDERS_TEXTS = (
    "Wij werken met een netwerk van lokale zorg- en welzijnspartners.",
    "Er is één loket voor alle vragen; geen apart team.",
    "Wij werken samen met de buurgemeente.",
)


def stream(seed: int, step: str) -> np.random.Generator:
    """The random stream of one generator step."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), STEPS.index(step)]))


@dataclass
class Reconstruction:
    """A reconstructed wave: the tidy table, the aggregate counts and everything needed to document it."""

    tidy: pd.DataFrame
    aggregates: Aggregates
    params: ReconstructionParams
    seed: int
    wave: int
    respondents: pd.DataFrame  # register rows of the respondents (gm_code, name, population, g32, g4, ...)
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def generator_version(self) -> str:
        return GENERATOR_VERSION


def _inputs(wave: int, published: pd.DataFrame | None, register: pd.DataFrame | None,
            codebook: Codebook | None) -> tuple[pd.DataFrame, pd.DataFrame, Codebook]:
    cb = (codebook or load_codebook()).for_wave(wave)
    pub = published if published is not None else load_published(wave=wave)
    reg = register if register is not None else load_register(cb.register_year(wave))
    reg = reg.sort_values("gm_code", kind="stable").reset_index(drop=True)
    if reg["population"].isna().any():
        missing = reg.loc[reg["population"].isna(), "gm_code"].tolist()
        raise ReconstructionError(f"register has no population for {', '.join(missing[:5])}")
    return pub, reg, cb


def reconstruct(wave: int = 2015, seed: int = DEFAULT_SEED, *, published: pd.DataFrame | None = None,
                register: pd.DataFrame | None = None, params: ReconstructionParams | None = None,
                codebook: Codebook | None = None) -> Reconstruction:
    """Reconstruct a wave: aggregate counts by MILP, then a seeded municipality-level tidy table."""
    params = params or ReconstructionParams()
    pub, reg, cb = _inputs(wave, published, register, codebook)
    agg = _aggregates(pub, reg, cb, int(wave), params)
    return _assign(agg, reg, cb, int(wave), int(seed), params)


_AGG_CACHE: dict[tuple, Aggregates] = {}
#: Parameters used only when assigning counts to municipalities (they do not change the MILP).
ASSIGNMENT_ONLY = ("response_size_effect", "involvement_size_effect", "teams_population_exponent",
                   "teams_dispersion", "multi_type_teams_weight", "fieldwork", "comment_share")


def _aggregates(pub: pd.DataFrame, reg: pd.DataFrame, cb: Codebook, wave: int,
                params: ReconstructionParams) -> Aggregates:
    """:func:`solve_aggregates`, cached on the content of its inputs (the counts do not depend on the seed)."""
    milp_params = params.with_(**{f: getattr(ReconstructionParams(), f) for f in ASSIGNMENT_ONLY})
    key = (wave, milp_params, str(cb.path), int(pd.util.hash_pandas_object(pub.astype(str), index=False).sum()),
           int(pd.util.hash_pandas_object(reg[["gm_code", "population", "g32", "g4"]].astype(str),
                                          index=False).sum()))
    if key not in _AGG_CACHE:
        if len(_AGG_CACHE) > 16:
            _AGG_CACHE.clear()
        _AGG_CACHE[key] = solve_aggregates(pub, reg, cb, wave, params)
    cached = _AGG_CACHE[key]
    return replace(cached, counts=dict(cached.counts), involvement_bases=dict(cached.involvement_bases))


def reconstruct_tidy(wave: int = 2015, seed: int = DEFAULT_SEED, *, published: pd.DataFrame | None = None,
                     register: pd.DataFrame | None = None, params: ReconstructionParams | None = None,
                     codebook: Codebook | None = None) -> pd.DataFrame:
    """A SYNTHETIC municipality-level tidy table meeting every published figure of the wave (sorted by gm_code)."""
    return reconstruct(wave, seed, published=published, register=register, params=params, codebook=codebook).tidy


# --------------------------------------------------------------------------- the assignment


def _log2pop(pop: np.ndarray) -> np.ndarray:
    return np.log2(pop.astype(float))


def _pick(mask_pool: np.ndarray, n: int, rng: np.random.Generator, log_odds: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of exactly ``n`` units drawn from ``mask_pool`` (CPS with ``log_odds``, else uniform)."""
    idx = np.flatnonzero(mask_pool)
    if n > len(idx):
        raise ReconstructionError(f"cannot draw {n} municipalities from a pool of {len(idx)}")
    lo = np.zeros(len(idx)) if log_odds is None else np.asarray(log_odds, dtype=float)[idx]
    sel = conditional_poisson_sample(lo, n, rng)
    out = np.zeros(len(mask_pool), dtype=bool)
    out[idx[sel]] = True
    return out


def _assign(agg: Aggregates, reg: pd.DataFrame, cb: Codebook, wave: int, seed: int,
            params: ReconstructionParams) -> Reconstruction:
    c = agg.counts
    n = agg.n_respondents
    pop_all = reg["population"].to_numpy(dtype=float)
    group_all = (reg["g32"] | (reg["g4"] if params.g32_reading == "network_plus_g4" else False)).to_numpy()
    city_all = (reg["gm_code"] == agg.city_code).to_numpy()
    if not city_all.any():
        raise ReconstructionError(f"{agg.city_code} is not in the register of wave {wave}")

    # 1. respondents: g of the G32 group, n - g of the rest; the leading city always responds
    rng = stream(seed, "response")
    lo_resp = params.response_size_effect * _log2pop(pop_all)
    city_in_group = bool(group_all[city_all][0])
    g = c["g"]
    in_g = _pick(group_all & ~city_all, g - int(city_in_group), rng, lo_resp)
    in_o = _pick(~group_all & ~city_all, n - g - int(not city_in_group), rng, lo_resp)
    resp_mask = in_g | in_o | city_all
    resp = reg[resp_mask].reset_index(drop=True)
    m = len(resp)
    pop = resp["population"].to_numpy(dtype=float)
    group = group_all[resp_mask]
    city = city_all[resp_mask]
    small = pop < SMALL_POPULATION

    # 2. has_teams
    rng = stream(seed, "has_teams")
    has = np.full(m, "ja", dtype=object)
    g_no = _pick(group & ~city, g - c["kg"], rng)
    x_total = c["has_teams=nee_bewuste_keuze"]
    x_not_small = min(params.explicit_no_not_small, x_total)
    pool_mid = ~group & ~city & ~small & (pop < 2.5 * SMALL_POPULATION)
    explicit = _pick(pool_mid, x_not_small, rng)
    explicit |= _pick(~group & ~city & small, x_total - x_not_small, rng)
    other_no = c["has_teams=nee_gepland"] + c["has_teams=anders"]
    rest_pool = ~group & ~city & ~explicit
    other_mask = g_no | _pick(rest_pool, other_no - int(g_no.sum()), rng)
    other_idx = rng.permutation(np.flatnonzero(other_mask))
    has[explicit] = "nee_bewuste_keuze"
    has[other_idx[: c["has_teams=nee_gepland"]]] = "nee_gepland"
    has[other_idx[c["has_teams=nee_gepland"]:]] = "anders"
    teams = has == "ja"
    k = int(teams.sum())
    if k != c["has_teams=ja"]:  # pragma: no cover - guarded by the MILP
        raise ReconstructionError("with-teams count does not match the aggregate")

    # 3. number of teams
    rng = stream(seed, "teams")
    n_teams = np.zeros(m, dtype=np.int64)
    n_teams[city] = agg.city_teams
    top = agg.city_teams - 1
    noise = np.exp(params.teams_dispersion * rng.standard_normal(m))
    weight = pop ** params.teams_population_exponent * noise
    sel_g = teams & group & ~city
    sel_o = teams & ~group & ~city
    sum_g = c["teams_g32"] - (agg.city_teams if city_in_group else 0)
    sum_o = agg.total_teams - c["teams_g32"] - (0 if city_in_group else agg.city_teams)
    n_teams[sel_g] = apportion(sum_g, weight[sel_g], 1, top)
    n_teams[sel_o] = apportion(sum_o, weight[sel_o], 1, top)

    # 4. partial respondents (with teams, not the leading city): stop before the support question
    rng = stream(seed, "partial")
    partial = _pick(teams & ~city, agg.partial_respondents, rng)

    cols: dict[str, np.ndarray] = {}
    na_bool = np.full(m, -1, dtype=np.int8)  # -1 = NA, 0 = False, 1 = True

    def put_multi(prefix: str, codes: list[str], rows: np.ndarray, counts: list[int], rng_: np.random.Generator,
                  extra_weights: np.ndarray | None = None) -> None:
        idx = np.flatnonzero(rows)
        mat = fill_multiselect(len(idx), counts, rng_, require_one=True,
                               extra_weights=None if extra_weights is None else extra_weights[idx])
        for j, code in enumerate(codes):
            arr = na_bool.copy()
            arr[idx] = mat[:, j].astype(np.int8)
            cols[f"{prefix}__{code}"] = arr

    def opts(name: str) -> list[str]:
        return cb.variable(name).option_codes()

    # 5. team types (multi-select; more teams -> more likely several types)
    tt = opts("team_type")
    put_multi("team_type", tt, teams, [c[f"team_type__{o}"] for o in tt], stream(seed, "team_type"),
              extra_weights=np.maximum(n_teams, 1).astype(float) ** params.multi_type_teams_weight)
    breed = cols["team_type__breed_integraal"] == 1

    # 6. problem scope of the broad integral teams
    rng = stream(seed, "problem_scope")
    scope = np.full(m, None, dtype=object)
    idx = rng.permutation(np.flatnonzero(breed))
    start = 0
    for o in opts("problem_scope"):
        cnt = c[f"problem_scope={o}"]
        scope[idx[start:start + cnt]] = o
        start += cnt

    # 7. disciplines
    dis = opts("discipline")
    put_multi("discipline", dis, teams, [c[f"discipline__{o}"] for o in dis], stream(seed, "discipline"))

    # 8. work and income
    rng = stream(seed, "work_income")
    wi = _pick(teams, c["work_income_tasks"], rng)
    wit = na_bool.copy()
    wit[teams] = wi[teams].astype(np.int8)
    cols["work_income_tasks"] = wit
    tasks = opts("work_income_task")
    put_multi("work_income_task", tasks, wi, [c[f"work_income_task__{o}"] for o in tasks], rng)

    # 9. goals
    goals = opts("goal")
    put_multi("goal", goals, teams, [c[f"goal__{o}"] for o in goals], stream(seed, "goal"))

    # 10. monitoring
    mon = _pick(teams, c["monitors_teams"], stream(seed, "monitoring"))
    arr = na_bool.copy()
    arr[teams] = mon[teams].astype(np.int8)
    cols["monitors_teams"] = arr

    # 11. support need (all respondents but the partial ones)
    answered_support = ~partial
    sup = _pick(answered_support, c["needs_support_involving_residents"], stream(seed, "support"))
    arr = na_bool.copy()
    arr[answered_support] = sup[answered_support].astype(np.int8)
    cols["needs_support_involving_residents"] = arr

    # 12. involvement: item non-response, then involved (CPS with the size effect), then forms
    grid = next(v for v in cb.variables if v.type == "grid")
    rng_nr = stream(seed, "item_nonresponse")
    rng_inv = stream(seed, "involvement")
    lo_inv = params.involvement_size_effect * _log2pop(pop)
    complete_teams = teams & ~partial
    answered: dict[str, np.ndarray] = {}
    for grp in grid.groups:
        if grp.code not in agg.involvement_bases:
            continue
        base = agg.involvement_bases[grp.code]
        skip = _pick(complete_teams, int(complete_teams.sum()) - base, rng_nr)
        answered[grp.code] = complete_teams & ~skip
    for grp in grid.groups:
        if grp.code not in answered:
            continue
        ans = answered[grp.code]
        excl = grid.exclusive
        forms = [f.code for f in grid.forms if f.code != excl]
        involved_n = int(ans.sum()) - c[f"involvement__{grp.code}__{excl}"]
        involved = _pick(ans, involved_n, rng_inv, lo_inv)
        idx = np.flatnonzero(involved)
        mat = fill_multiselect(len(idx), [c[f"involvement__{grp.code}__{f}"] for f in forms], rng_inv)
        for j, f in enumerate(forms):
            arr = na_bool.copy()
            arr[ans] = 0
            arr[idx] = mat[:, j].astype(np.int8)
            cols[f"involvement__{grp.code}__{f}"] = arr
        arr = na_bool.copy()
        arr[ans] = (~involved[ans]).astype(np.int8)
        cols[f"involvement__{grp.code}__{excl}"] = arr

    # 13. status, timestamps, free text
    rng = stream(seed, "meta")
    status = np.where(partial, "gedeeltelijk", "compleet").astype(object)
    start_day = pd.Timestamp(params.fieldwork[0])
    days = pd.bdate_range(start_day, pd.Timestamp(params.fieldwork[1]))
    day = days[rng.integers(0, len(days), m)]
    minute = rng.integers(8 * 60 + 30, 17 * 60 + 30, m)
    when = pd.DatetimeIndex(day) + pd.to_timedelta(minute, unit="min")
    comments = np.full(m, None, dtype=object)
    has_comment = (rng.random(m) < params.comment_share) & ~partial
    comments[has_comment] = [COMMENTS[i] for i in rng.integers(0, len(COMMENTS), int(has_comment.sum()))]
    anders_text = np.full(m, None, dtype=object)
    is_anders = has == "anders"
    anders_text[is_anders] = [ANDERS_TEXTS[i] for i in rng.integers(0, len(ANDERS_TEXTS), int(is_anders.sum()))]

    tidy = _frame(cb, resp, wave, status, when, has, anders_text, n_teams, teams, scope, cols, comments)
    notes = {"partial": resp.loc[partial, "gm_code"].tolist(),
             "answered_involvement": {g_: int(a.sum()) for g_, a in answered.items()}}
    return Reconstruction(tidy=tidy, aggregates=agg, params=params, seed=seed, wave=wave,
                          respondents=resp.assign(has_teams=has, n_teams=n_teams), notes=notes)


def _bool_array(codes: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(codes == 1, codes < 0)


def _frame(cb: Codebook, resp: pd.DataFrame, wave: int, status: np.ndarray, when: pd.DatetimeIndex,
           has: np.ndarray, anders_text: np.ndarray, n_teams: np.ndarray, teams: np.ndarray, scope: np.ndarray,
           cols: dict[str, np.ndarray], comments: np.ndarray) -> pd.DataFrame:
    dtypes = cb.tidy_columns()
    m = len(resp)
    data: dict[str, object] = {}
    for col, dtype in dtypes.items():
        if col == "gm_code":
            data[col] = pd.array(resp["gm_code"].astype(str).to_numpy(), dtype="string")
        elif col == "wave":
            data[col] = pd.array(np.full(m, wave), dtype="Int64")
        elif col == "status":
            data[col] = pd.array(status, dtype="string")
        elif col == "ingevuld_op":
            data[col] = pd.Series(when.astype("datetime64[ns]"), dtype="datetime64[ns]").to_numpy()
        elif col == "has_teams":
            data[col] = pd.array(has, dtype="string")
        elif col == "has_teams_anders":
            data[col] = pd.array(anders_text, dtype="string")
        elif col == "n_teams":
            data[col] = pd.array(np.where(teams, n_teams, 0), dtype="Int64")
            data[col][~teams] = pd.NA
        elif col == "problem_scope":
            data[col] = pd.array(scope, dtype="string")
        elif col == "toelichting":
            data[col] = pd.array(comments, dtype="string")
        elif col in cols:
            data[col] = _bool_array(cols[col])
        elif dtype == "boolean":
            data[col] = pd.array([pd.NA] * m, dtype="boolean")
        else:
            data[col] = pd.array([pd.NA] * m, dtype=dtype)
    df = pd.DataFrame(data)
    for col, dtype in dtypes.items():
        if str(df[col].dtype) != dtype:
            df[col] = df[col].astype(dtype)
    return df.sort_values("gm_code", kind="stable").reset_index(drop=True)
