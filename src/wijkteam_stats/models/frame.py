"""Model data of the size models: the survey table joined on CBS code to the register, the involvement and
teams outcomes, and design matrices of the model terms."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reference import municipalities
from wijkteam_stats.reference.codebook import Codebook, load_codebook

#: Population at which ``log2_population`` is 0 (the intercept's municipality).
CENTRE_POPULATION = 50_000
#: The participation-ladder ordering used for the ordinal sensitivity model (lowest first).
LADDER: tuple[str, ...] = ("geen", "meedenken", "meebeoordelen", "meebeslissen", "meedoen")
#: The four forms of involvement (everything but "geen").
FORMS: tuple[str, ...] = ("meedoen", "meebeslissen", "meedenken", "meebeoordelen")
SIZE_TERM = "log2_population"
NETWORK_TERM = "g4_g32"
INTERCEPT = "intercept"


class ModelDataError(ValueError):
    """The survey table cannot be joined to the register (names the file/rows/column)."""


# --------------------------------------------------------------------------- groups and register join


def involvement_groups(codebook: Codebook | None = None) -> list[tuple[str, str]]:
    """The resident groups of the involvement grid as (code, Dutch label), in codebook order."""
    cb = codebook or load_codebook()
    grid = next(v for v in cb.variables if v.type == "grid")
    return [(g.code, g.label) for g in grid.groups]


def group_codes(codebook: Codebook | None = None) -> list[str]:
    """The resident-group codes in codebook order."""
    return [c for c, _ in involvement_groups(codebook)]


def group_labels(codebook: Codebook | None = None) -> dict[str, str]:
    """Resident-group code -> Dutch label."""
    return dict(involvement_groups(codebook))


def load_tidy(survey_path: str | Path, wave: int) -> pd.DataFrame:
    """The cleaned tidy table of a survey file: a ``.parquet`` tidy table as is, else ``clean_survey``."""
    p = Path(survey_path)
    if not p.is_file():
        raise FileNotFoundError(f"survey file not found: {p}")
    if p.suffix.lower() == ".parquet":
        return pd.read_parquet(p)
    return clean_survey(p, int(wave)).table


def size_frame(tidy: pd.DataFrame, wave: int, source: str = "survey table") -> pd.DataFrame:
    """The tidy rows joined on ``gm_code`` to the wave's register: adds population, log2_population
    (centred at 50 000), g4, g32, g4_g32 and size_class. Raises :class:`ModelDataError` on unknown or
    duplicate codes and on a wave mismatch, naming the rows."""
    if "gm_code" not in tidy.columns:
        raise ModelDataError(f"{source}: no column 'gm_code'")
    codes = tidy["gm_code"].astype("string")
    bad = codes.isna() | ~codes.str.fullmatch(r"GM\d{4}").fillna(False)
    if bad.any():
        rows = ", ".join(f"row {i}: {codes[i]!r}" for i in tidy.index[bad.to_numpy()][:5])
        raise ModelDataError(f"{source}: column 'gm_code' holds values that are not CBS codes ({rows})")
    dup = codes.duplicated(keep=False)
    if dup.any():
        rows = ", ".join(f"row {i}: {codes[i]}" for i in tidy.index[dup.to_numpy()][:6])
        raise ModelDataError(f"{source}: column 'gm_code' has duplicate municipalities ({rows})")
    if "wave" in tidy.columns:
        w = pd.to_numeric(tidy["wave"], errors="coerce")
        off = w.notna() & (w != int(wave))
        if off.any():
            i = tidy.index[off.to_numpy()][0]
            raise ModelDataError(f"{source}: row {i} has wave {tidy.loc[i, 'wave']} but wave {wave} was requested")
    year = load_codebook().register_year(wave)
    reg = municipalities.register(year)[["gm_code", "population", "g4", "g32", "size_class"]]
    unknown = ~codes.isin(reg["gm_code"])
    if unknown.any():
        rows = ", ".join(f"row {i}: {codes[i]}" for i in tidy.index[unknown.to_numpy()][:5])
        raise ModelDataError(
            f"{source}: column 'gm_code' has codes that are not municipalities on 1 January {year} ({rows})"
        )
    out = tidy.copy()
    out["gm_code"] = codes
    out = out.merge(reg, on="gm_code", how="left", validate="1:1", suffixes=("", "_register"))
    if out["population"].isna().any():
        missing = out.loc[out["population"].isna(), "gm_code"].tolist()
        raise ModelDataError(f"{source}: no CBS population on 1 January {year} for {missing[:5]}")
    out["log2_population"] = np.log2(out["population"].astype(float) / CENTRE_POPULATION)
    out["g4_g32"] = out["g4"].astype(bool) | out["g32"].astype(bool)
    return out.sort_values("gm_code", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- outcomes


def with_teams(frame: pd.DataFrame) -> pd.Series:
    """Boolean mask of the respondents that work with teams (``has_teams == "ja"``)."""
    return frame["has_teams"].astype("string").eq("ja").fillna(False).astype(bool)


def _grid(frame: pd.DataFrame, group: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per form of a group: (value, missing) as numpy arrays."""
    out = {}
    for f in (*FORMS, "geen"):
        col = f"involvement__{group}__{f}"
        if col not in frame.columns:
            raise KeyError(f"survey table lacks involvement column {col!r}")
        s = frame[col].astype("boolean")
        out[f] = (s.fillna(False).to_numpy(dtype=bool), s.isna().to_numpy())
    return out


def _answered_and_consistent(grid: dict[str, tuple[np.ndarray, np.ndarray]]
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    answered = np.logical_or.reduce([~miss for _, miss in grid.values()])
    any_form = np.logical_or.reduce([grid[f][0] for f in FORMS])
    geen = grid["geen"][0]
    inconsistent = answered & ((~any_form & ~geen) | (any_form & geen))
    return answered, any_form, inconsistent


def any_involvement(frame: pd.DataFrame, group: str) -> pd.Series:
    """Nullable boolean: the group is involved in at least one form (NA: not answered, inconsistent or
    no teams)."""
    answered, any_form, inconsistent = _answered_and_consistent(_grid(frame, group))
    ok = answered & ~inconsistent & with_teams(frame).to_numpy()
    return pd.Series(pd.arrays.BooleanArray(any_form, ~ok), index=frame.index)


def forms_count(frame: pd.DataFrame, group: str) -> pd.Series:
    """Number of forms of involvement (0-4) of a group; NA where :func:`any_involvement` is NA."""
    grid = _grid(frame, group)
    n = np.sum([grid[f][0] for f in FORMS], axis=0).astype("int64")
    ok = any_involvement(frame, group).notna().to_numpy()
    return pd.Series(pd.arrays.IntegerArray(n, ~ok), index=frame.index)


def highest_rung(frame: pd.DataFrame, group: str) -> pd.Series:
    """Highest rung on :data:`LADDER` (0 = geen ... 4 = meedoen) of a group; NA where not answered."""
    grid = _grid(frame, group)
    rung = np.zeros(len(frame), dtype="int64")
    for i, form in enumerate(LADDER[1:], start=1):
        rung[grid[form][0]] = i
    ok = any_involvement(frame, group).notna().to_numpy()
    return pd.Series(pd.arrays.IntegerArray(rung, ~ok), index=frame.index)


def groups_involved(frame: pd.DataFrame, groups: Sequence[str] | None = None) -> pd.DataFrame:
    """Per respondent with teams: groups answered (consistently) and groups involved (0-6)."""
    groups = list(groups or group_codes())
    anys = pd.DataFrame({g: any_involvement(frame, g) for g in groups}, index=frame.index)
    out = pd.DataFrame({
        "gm_code": frame["gm_code"],
        "n_answered": anys.notna().sum(axis=1).astype(int),
        "n_involved": anys.fillna(False).astype(bool).sum(axis=1).astype(int),
    })
    return out[with_teams(frame).to_numpy()]


def outcome_bases(frame: pd.DataFrame, groups: Sequence[str] | None = None) -> pd.DataFrame:
    """Per group: respondents, with teams, answered, not answered, inconsistent (left out), involved, base."""
    rows = []
    teams = with_teams(frame)
    teams = teams.to_numpy()
    for g in groups or group_codes():
        answered, _, inconsistent = _answered_and_consistent(_grid(frame, g))
        anyinv = any_involvement(frame, g)
        rows.append({
            "group": g, "respondents": len(frame), "with_teams": int(teams.sum()),
            "answered": int((answered & teams).sum()), "not_answered": int((~answered & teams).sum()),
            "inconsistent": int((inconsistent & teams).sum()),
            "answered_without_teams": int((answered & ~teams).sum()),
            "base": int(anyinv.notna().sum()), "involved": int(anyinv.fillna(False).sum()),
        })
    return pd.DataFrame(rows)


def index_frame(frame: pd.DataFrame, groups: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The frame of respondents with teams and the index (groups involved, 0-6) for those that answered
    all groups (NA for partial answerers)."""
    groups = list(groups or group_codes())
    gi = groups_involved(frame, groups)
    sub = frame.loc[with_teams(frame).to_numpy()].copy()
    idx = pd.Series(gi["n_involved"].to_numpy(), index=sub.index, dtype="Int64")
    return sub, idx.where(gi["n_answered"].to_numpy() == len(groups), pd.NA)


def teams_outcome(frame: pd.DataFrame) -> pd.Series:
    """Number of teams among respondents with teams and ``n_teams >= 1`` (NA otherwise)."""
    n = pd.to_numeric(frame["n_teams"], errors="coerce").astype("Float64")
    ok = with_teams(frame) & n.ge(1).fillna(False).astype(bool)
    return n.where(ok, pd.NA)


# --------------------------------------------------------------------------- design


def design_matrix(frame: pd.DataFrame, spec: Sequence[str], levels: Sequence[str] | None = None) -> pd.DataFrame:
    """The design matrix of ``spec`` (``intercept``, ``log2_population``, ``g4_g32``, ``size_class``, or any
    numeric column of ``frame`` such as ``log_n_teams``); size-class dummies for ``levels`` (default: all but
    the first class)."""
    cols: dict[str, np.ndarray] = {}
    for term in spec:
        if term == INTERCEPT:
            cols[term] = np.ones(len(frame))
        elif term == SIZE_TERM:
            cols[term] = frame[SIZE_TERM].to_numpy(dtype=float)
        elif term == NETWORK_TERM:
            cols[term] = frame[NETWORK_TERM].to_numpy(dtype=bool).astype(float)
        elif term == "size_class":
            use = list(levels) if levels is not None else list(municipalities.SIZE_CLASS_LABELS[1:])
            sc = frame["size_class"].astype("string")
            for lev in use:
                cols[f"size_class[{lev}]"] = sc.eq(lev).fillna(False).to_numpy(dtype=float)
        elif term in frame.columns and pd.api.types.is_numeric_dtype(frame[term]):
            cols[term] = frame[term].to_numpy(dtype=float)  # an extra numeric covariate (sensitivity models)
        else:
            raise KeyError(f"unknown model term {term!r}")
    return pd.DataFrame(cols, index=frame.index)
