"""Every number of one municipality's report, computed once and written as JSON (``data/<GMxxxx>.json``).

In: the tidy survey table (cleaned parquet or a raw export), the CBS register, the published figures of the
wave and the models step's expectations table. Out: one plain-JSON dict per municipality
(:func:`build_numbers`); :mod:`.profile` renders a report from that dict only.

Trust rules (``wijkteam_stats.reference.provenance`` decides whether the survey file is synthetic): on
synthetic data the dict holds no survey answer of the municipality itself (no participation, own answers,
own counts or free text), and a national figure is the *published* one (source and wave) or marked
``not_published``, never a value of the reconstruction. On real data the municipality's answers and the
national figures computed from the file are included.
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reference import provenance
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import CBS_SIZE_CLASSES, mergers, register, to_2025
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reference.waves import register_year
from wijkteam_stats.reference.waves import settings as wave_settings
from wijkteam_stats.reference.writers import atomic_write_text
from wijkteam_stats.report.free_text import apply_release, load_release
from wijkteam_stats.report.guidance import (
    CRITERIA_QUESTIONS,
    HANDREIKING,
    LOCAL_EXAMPLES,
    ROLE_QUESTIONS,
    source_link,
)
from wijkteam_stats.reproduce.estimators import proportion, universe_mask

SCHEMA = 2
#: Grouping used for "municipalities of its size": the coarse 4-class size variable of the register.
PEER_VARIABLE = "size_class"

#: (key, tidy column, value meaning "yes" (None: True), universe, Dutch label) of the team indicators.
TEAM_INDICATORS: list[tuple[str, str, Any, str, str]] = [
    ("has_teams", "has_teams", "ja", "respondents", "Werkt met één of meer sociale (wijk)teams"),
    ("breed_integraal", "team_type__breed_integraal", None, "with_teams", "Heeft een breed integraal team"),
    ("doelgroepgericht", "team_type__doelgroepgericht", None, "with_teams", "Heeft doelgroepgerichte teams"),
    ("work_income_tasks", "work_income_tasks", None, "with_teams",
     "De teams doen ook taken op het gebied van werk en inkomen"),
    ("monitors_teams", "monitors_teams", None, "with_teams", "De gemeente houdt bij wat de teams doen"),
    ("needs_support", "needs_support_involving_residents", None, "respondents",
     "Wil ondersteuning bij het betrekken van bewoners en cliënten"),
]
INVOLVEMENT_FORMS = ("meedoen", "meebeslissen", "meedenken", "meebeoordelen")
#: Measures of the expectations table: probability that a group is involved in any form; number of teams.
EXPECTED_MEASURES = ("any_involvement", "n_teams")
#: Human-readable publications behind the source keys of ``data/raw/published`` (Dutch).
PUBLICATIONS_NL = {
    "news_2016-03-11": "Van Arum & Schoorl (2016), Movisie, geciteerd in het nieuwsbericht van 11 maart 2016",
    "lpggz_handreiking": "Van Arum & Schoorl (2016), Movisie, geciteerd in de handreiking van het Landelijk "
                         "Platform GGZ",
    "movisie_2019_summary": "Movisie, publicatiepagina van de peiling van 2019",
    "skipr_2018": "Movisie-peiling, geciteerd door Skipr (2018)",
}


# =========================================================================== inputs


def _file_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


@lru_cache(maxsize=2)
def _load_survey_cached(key: tuple[str, int, int], wave: int) -> pd.DataFrame:
    path = Path(key[0])
    table = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else clean_survey(path, wave).table
    expected = list(load_codebook().for_wave(wave).tidy_columns())
    missing = [c for c in expected if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: not a tidy survey table; missing columns {missing[:8]}")
    table = table[table["wave"].astype("Int64") == int(wave)] if "wave" in table else table
    if table["gm_code"].duplicated().any():
        dup = table.loc[table["gm_code"].duplicated(), "gm_code"].tolist()
        raise ValueError(f"{path}: municipality codes occur more than once: {dup[:5]}")
    return table.sort_values("gm_code", kind="stable").reset_index(drop=True)


def load_survey(path: str | Path, wave: int) -> pd.DataFrame:
    """The tidy survey table of ``wave`` from a cleaned parquet or a raw export (cleaned; cached per process).
    Fails closed: a file whose provenance is unknown is refused (:func:`provenance.require_known`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"survey file {path} does not exist (run `wijkteam clean` first)")
    table = _load_survey_cached(_file_key(path), int(wave)).copy()
    provenance.require_known(path)
    return table


#: Columns of the models step's ``expected_by_municipality_<wave>.csv`` that the report reads.
EXPECTATION_COLUMNS = ["gm_code", "measure", "group", "predicted", "ci_low", "ci_high"]
#: Columns that make an expectation meaningful for one municipality (prediction interval, fitted size range,
#: whether the size effect is distinguishable from none, the national value to show instead).
EXPECTATION_TRUST_COLUMNS = ["pi_low", "pi_high", "in_fitted_range", "effect_distinguishable", "national_value"]


def _bool_column(values: pd.Series, path: Path, column: str) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    ok = text.isin(["true", "false", "1", "0"])
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        raise ValueError(f"{path}: row {i + 2}, column {column!r}: {values.iloc[i]!r} is not true/false")
    return text.isin(["true", "1"])


@lru_cache(maxsize=2)
def _load_expectations_cached(key: tuple[str, int, int]) -> pd.DataFrame:
    path = Path(key[0])
    df = pd.read_csv(path, dtype={"gm_code": "string", "measure": "string", "group": "string"})
    missing = [c for c in EXPECTATION_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: expectations table lacks columns {missing}; has {list(df.columns)}")
    for c in ("predicted", "ci_low", "ci_high", "pi_low", "pi_high", "national_value"):
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="raise").astype(float)
    for c in ("extrapolated", "in_fitted_range", "effect_distinguishable"):
        if c in df.columns:
            df[c] = _bool_column(df[c], path, c)
    unknown = sorted(set(df["measure"].dropna()) - set(EXPECTED_MEASURES))
    if unknown:
        raise ValueError(f"{path}: unknown measure(s) {unknown}; expected {list(EXPECTED_MEASURES)}")
    return df


def load_expectations(path: str | Path) -> pd.DataFrame:
    """The size model's expectations (long format: gm_code, measure, group, predicted, ... ); cached."""
    return _load_expectations_cached(_file_key(Path(path))).copy()


# =========================================================================== facts


@lru_cache(maxsize=1)
def _events_by_old_code() -> dict[str, pd.DataFrame]:
    ev = mergers().sort_values(["datum", "oppervlakte_aandeel", "nieuwe_gm_code"], ascending=[True, False, True],
                               kind="stable")
    return {str(k): g for k, g in ev.groupby("oude_gm_code", sort=False)}


def municipality_history(code: str, year: int) -> list[dict[str, Any]]:
    """Boundary changes of ``code`` after 1 January ``year``, following the main successor (oldest first);
    ``partners``: the other municipalities that went up in the same successor that day."""
    by_code = _events_by_old_code()
    ref = pd.Timestamp(date(int(year), 1, 1))
    out: list[dict[str, Any]] = []
    current, seen = code, set()
    while current not in seen:
        seen.add(current)
        rows = by_code.get(current)
        rows = None if rows is None else rows[rows["datum"] > ref]
        if rows is None or rows.empty:
            break
        first_date = rows["datum"].iloc[0]
        rows = rows[rows["datum"] == first_date]
        main = rows[rows["opvolger_rol"] == "hoofdopvolger"]
        main_row = main.iloc[0] if len(main) else rows.iloc[0]
        out.append({
            "date": first_date.date().isoformat(),
            "kind": str(main_row["type_wijziging"]),
            "from_code": current,
            "from_name": str(main_row["oude_naam"]),
            "successors": [
                {"gm_code": str(r.nieuwe_gm_code), "name": str(r.nieuwe_naam),
                 "area_share": round(float(r.oppervlakte_aandeel), 3)}
                for r in rows.itertuples(index=False)
            ],
            "partners": _partners(current, str(main_row["nieuwe_gm_code"]), first_date),
        })
        current = str(main_row["nieuwe_gm_code"])
    return out


@lru_cache(maxsize=8)
def _gains_by_code(year: int) -> dict[str, tuple[dict[str, Any], ...]]:
    ev = mergers()
    ev = ev[ev["datum"] > pd.Timestamp(date(int(year), 1, 1))]
    first_loss = ev.groupby("oude_gm_code")["datum"].min().to_dict()
    rows = ev[ev["oude_gm_code"] != ev["nieuwe_gm_code"]].sort_values(
        ["datum", "oude_naam", "oude_gm_code"], kind="stable")
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows.itertuples(index=False):
        end = first_loss.get(str(r.nieuwe_gm_code))
        if end is not None and r.datum >= end:
            continue  # after the receiving municipality itself went up in another
        out.setdefault(str(r.nieuwe_gm_code), []).append({
            "date": r.datum.date().isoformat(), "kind": str(r.type_wijziging), "role": str(r.opvolger_rol),
            "from_code": str(r.oude_gm_code), "from_name": str(r.oude_naam),
            "area_share": round(float(r.oppervlakte_aandeel), 3)})
    return {k: tuple(v) for k, v in out.items()}


def municipality_gains(code: str, year: int) -> list[dict[str, Any]]:
    """What ``code`` took in after 1 January ``year`` while it kept its code (whole municipalities that went
    up in it, parts of split ones; oldest first). Border corrections (``klein_overlap``) are left out."""
    return [dict(g) for g in _gains_by_code(int(year)).get(str(code), ())]


def _partners(old_code: str, new_code: str, when: pd.Timestamp) -> list[str]:
    """Names of the other municipalities that went up in ``new_code`` on the same day (as main successor)."""
    ev = mergers()
    rows = ev[(ev["nieuwe_gm_code"] == new_code) & (ev["datum"] == when) & (ev["oude_gm_code"] != old_code)
              & (ev["oude_gm_code"] != new_code) & (ev["opvolger_rol"] == "hoofdopvolger")]
    return sorted(rows["oude_naam"].astype(str).unique())


def _dutch_thousands(text: str) -> str:
    """``250 000 inwoners`` -> ``250.000 inwoners`` (one thousands style on Dutch pages)."""
    return re.sub(r"(?<=\d)[ \u00a0\u2009](?=\d{3}\b)", ".", str(text))


def municipality_facts(code: str, wave: int) -> dict[str, Any]:
    """CBS facts of ``code`` on the wave's reference date, and what it is in 2025."""
    year = register_year(wave)
    reg = register(year).set_index("gm_code")
    if code not in reg.index:
        raise KeyError(f"{code} is not a municipality on 1 January {year}")
    row = reg.loc[code]
    cbs_class = row["size_class_cbs"]
    today = to_2025(code, year)
    history = municipality_history(code, year)
    return {
        "gm_code": code,
        "name": str(row["name"]),
        "province": str(row["province"]),
        "province_code": str(row["province_code"]),
        "reference_date": date(year, 1, 1).isoformat(),
        "population": None if pd.isna(row["population"]) else int(row["population"]),
        "density": None if pd.isna(row["density"]) else int(row["density"]),
        "size_class": None if pd.isna(row["size_class"]) else str(row["size_class"]),
        "size_class_cbs": None if pd.isna(cbs_class) else int(cbs_class),
        "size_class_cbs_label": None if pd.isna(cbs_class) else _dutch_thousands(CBS_SIZE_CLASSES[int(cbs_class)][1]),
        "g4": bool(row["g4"]),
        "g32": bool(row["g32"]),
        "history": history,
        "gains": municipality_gains(code, year),
        "today": [
            {"gm_code": str(r.gm_code_2025), "name": str(r.name_2025), "area_share": round(float(r.area_share), 3),
             "main": bool(r.main)}
            for r in today.itertuples(index=False)
        ],
    }


def peer_codes(code: str, wave: int) -> list[str]:
    """Municipalities of the same size class on the wave's reference date, without ``code`` itself."""
    reg = register(register_year(wave))
    own = reg.loc[reg["gm_code"] == code, PEER_VARIABLE]
    if own.empty:
        raise KeyError(f"{code} is not in the register of wave {wave}")
    if own.isna().iloc[0]:
        return []
    peers = reg[(reg[PEER_VARIABLE] == own.iloc[0]) & (reg["gm_code"] != code)]
    return sorted(peers["gm_code"].astype(str))


# =========================================================================== estimates


def proportion_estimate(values: pd.Series, equals: Any = None) -> dict[str, Any] | None:
    """Percentage of True (or ``== equals``) among the non-missing ``values`` with its 95 % Wilson interval
    (estimators.proportion); None without answers."""
    est = proportion(values, equals=equals)
    if est.n == 0:
        return None
    return {"source": "survey", "k": est.k, "n": est.n, "percent": round(est.percent, 6), "ci_low": round(est.ci_low, 6),
            "ci_high": round(est.ci_high, 6)}


def _universe(tidy: pd.DataFrame, universe: str) -> pd.DataFrame:
    return tidy.loc[universe_mask(tidy, universe).to_numpy()]


def involved_any(tidy: pd.DataFrame, group: str) -> pd.Series:
    """Whether a resident group is involved in any form (NA when the group was not answered)."""
    cols = [f"involvement__{group}__{f}" for f in (*INVOLVEMENT_FORMS, "geen")]
    block = tidy[cols].astype("boolean")
    answered = block.notna().any(axis=1)
    anyform = block[cols[:-1]].fillna(False).any(axis=1)
    return anyform.astype("boolean").mask(~answered)


def _yes_no(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "niet beantwoord"
    return "ja" if bool(value) else "nee"


def _option_labels(variable: str) -> dict[str, str]:
    v = load_codebook().variable(variable)
    return {o.code: o.label for o in v.options}


def own_answers(row: pd.Series | None) -> dict[str, Any]:
    """The municipality's own answers in Dutch words (None when it did not take part)."""
    if row is None:
        return {}
    cb = load_codebook()
    has = row["has_teams"]
    has = None if pd.isna(has) else str(has)
    with_teams = has == "ja"

    def multi(var: str) -> list[str] | None:
        v = cb.variable(var)
        vals = [row[f"{var}__{o.code}"] for o in v.options]
        if all(pd.isna(x) for x in vals):
            return None
        return [o.label for o, x in zip(v.options, vals, strict=True) if not pd.isna(x) and bool(x)]

    inv = cb.variable("involvement")
    involvement: dict[str, Any] = {}
    for g in inv.groups:
        vals = {f.code: row[f"involvement__{g.code}__{f.code}"] for f in inv.forms}
        if all(pd.isna(x) for x in vals.values()):
            involvement[g.code] = None
        else:
            involvement[g.code] = [f.code for f in inv.forms if not pd.isna(vals[f.code]) and bool(vals[f.code])]
    n_teams = row["n_teams"]
    return {
        "status": None if pd.isna(row["status"]) else str(row["status"]),
        "has_teams": has,
        "has_teams_label": None if has is None else _option_labels("has_teams").get(has, has),
        "has_teams_anders": None if pd.isna(row["has_teams_anders"]) else str(row["has_teams_anders"]),
        "with_teams": with_teams,
        "n_teams": None if pd.isna(n_teams) else int(n_teams),
        "team_types": multi("team_type"),
        "disciplines": multi("discipline"),
        "involvement": involvement,
        "toelichting": None if pd.isna(row["toelichting"]) else str(row["toelichting"]),
    }


def _not_applicable(row: pd.Series) -> str | None:
    """Why a question about the teams has no answer of this municipality (None: it works with teams)."""
    if pd.isna(row["has_teams"]):
        return "niet beantwoord"
    return None if str(row["has_teams"]) == "ja" else "n.v.t. (geen teams)"


def _own_value(row: pd.Series | None, column: str, equals: Any, universe: str) -> str:
    if row is None:
        return "niet deelgenomen"
    if universe == "with_teams" and _not_applicable(row):
        return _not_applicable(row)
    value = row[column]
    if pd.isna(value):
        return "niet beantwoord"
    if equals is not None:
        return "ja" if str(value) == equals else "nee"
    return _yes_no(value)


def published_figures(wave: int) -> dict[tuple[str, Any], dict[str, Any]]:
    """The wave's published national percentages keyed like the comparison rows.

    ``(tidy column, value meaning yes)`` for a question or option (through the codebook's published-figure entries),
    ``("any_involvement", group)`` for "involved in any form" (100 % minus the published "geen
    betrokkenheid"), ``("n_teams_mean", None)`` for the published mean number of teams. Each value says
    where it comes from (finding id, source, publication, wave, qualifier, universe). Empty when no
    published figures of the wave are shipped.
    """
    try:
        pub = load_published(wave=int(wave))
    except (FileNotFoundError, ValueError, KeyError):
        return {}
    cb = load_codebook()
    out: dict[tuple[str, Any], dict[str, Any]] = {}
    pub = pub[(pub["wave"].astype(int) == int(wave)) & pub["value"].notna()]
    for r in pub.itertuples(index=False):
        info = {"source": "published", "finding_id": str(r.finding_id), "wave": int(r.wave),
                "publication": PUBLICATIONS_NL.get(str(r.source), f"Movisie, peiling {int(r.wave)}"),
                "qualifier": str(r.qualifier), "universe": str(r.universe)}
        if r.statistic == "mean" and r.variable == "n_teams" and r.breakdown == "all":
            out[("n_teams_mean", None)] = {**info, "mean": float(r.value)}
            continue
        if r.statistic != "percent":
            continue
        try:
            ind = cb.indicator(str(r.variable), str(r.category), str(r.breakdown))
        except KeyError:
            continue
        if ind.column.startswith("involvement__") and ind.column.endswith("__geen"):
            group = ind.column.split("__")[1]
            out[("any_involvement", group)] = {**info, "percent": 100.0 - float(r.value),
                                               "derived_from_none": float(r.value)}
        elif r.breakdown == "all":
            out[(ind.column, True if ind.equals is None else ind.equals)] = {**info, "percent": float(r.value)}
    return out


def published_local(wave: int, code: str) -> list[dict[str, Any]]:
    """What the wave's publications say about this one municipality by name (e.g. Rotterdam's 42 teams):
    finding id, variable, statistic, value, the quoted sentence and the publication; empty when nothing."""
    try:
        pub = load_published(wave=int(wave))
    except (FileNotFoundError, ValueError, KeyError):
        return []
    rows = pub[(pub["wave"].astype(int) == int(wave)) & (pub["breakdown"].astype(str) == str(code))
               & pub["value"].notna()]
    return [{"source": "published", "finding_id": str(r.finding_id), "wave": int(r.wave),
             "variable": str(r.variable), "statistic": str(r.statistic), "value": float(r.value),
             "qualifier": str(r.qualifier), "quote": None if pd.isna(r.quote) else str(r.quote),
             "source_key": str(r.source), "link": source_link(str(r.source), SOURCES_FROM_REPORT),
             "publication": PUBLICATIONS_NL.get(str(r.source), f"Movisie, peiling {int(r.wave)}")}
            for r in rows.sort_values("finding_id", kind="stable").itertuples(index=False)]


#: Dutch names of the published breakdowns a municipality can belong to.
GROUP_NAMES_NL = {"G4": "de G4 (de vier grote steden)", "G32": "de G32 (het netwerk van middelgrote steden)",
                  "non-G32": "de gemeenten buiten de G32"}
#: From a report page (``outputs/reports/<wave>/``) to the shipped source texts.
SOURCES_FROM_REPORT = "../../../data/raw/sources"


def municipality_groups(wave: int, g4: bool, g32: bool) -> tuple[list[str], bool]:
    """The published breakdowns (G4, G32, non-G32) the municipality belongs to under the wave's reading of
    the G32 split, and whether the G4's place in that split is uncertain (no reading chosen)."""
    if not g4:
        return (["G32"] if g32 else ["non-G32"]), False
    reading = wave_settings(int(wave)).reading
    if reading is None:
        return ["G4"], True
    return ["G4"] + {"in_other": ["non-G32"], "in_g32": ["G32"]}.get(reading.g4, []), False


def _finding(r: Any) -> dict[str, Any]:
    return {"finding_id": str(r.finding_id), "wave": int(r.wave), "breakdown": str(r.breakdown),
            "variable": str(r.variable), "statistic": str(r.statistic),
            "value": None if pd.isna(r.value) else float(r.value), "qualifier": str(r.qualifier),
            "quote": None if pd.isna(r.quote) else str(r.quote),
            "source": source_link(str(r.source), SOURCES_FROM_REPORT)}


def group_findings(wave: int, g4: bool, g32: bool) -> dict[str, Any]:
    """What the wave's publications say about the groups the municipality belongs to (its G32/non-G32 or G4
    split), each finding with id, value, the quoted sentence and a source link."""
    groups, uncertain = municipality_groups(wave, g4, g32)
    try:
        pub = load_published(wave=int(wave))
    except (FileNotFoundError, ValueError, KeyError):
        pub = pd.DataFrame(columns=["wave", "breakdown"])
    rows = pub[(pub["wave"].astype(int) == int(wave)) & pub["breakdown"].astype(str).isin(groups)]
    return {"groups": [{"code": g, "name": GROUP_NAMES_NL[g]} for g in groups], "g4_placement_uncertain": uncertain,
            "g4_counted_with": next((g for g in groups if g != "G4"), None) if g4 else None,
            "findings": [_finding(r) for r in rows.sort_values("finding_id", kind="stable").itertuples(index=False)]}


def local_content(code: str, wave: int, facts: dict[str, Any]) -> dict[str, Any]:
    """Real content about the municipality: its group's published figures, what the sources say about it by
    name (published findings, local examples of the handreiking) and the handreiking's questions."""
    return {
        "group_findings": group_findings(wave, facts["g4"], facts["g32"]),
        "examples": [{**e, "source": source_link(e["source"], SOURCES_FROM_REPORT)}
                     for e in LOCAL_EXAMPLES.get(code, [])],
        "role_questions": [{"role": r, "section": sec, "question": q} for r, sec, q in ROLE_QUESTIONS],
        "criteria_questions": [{"criterion": c, "question": q} for c, q in CRITERIA_QUESTIONS],
        "handreiking": source_link(HANDREIKING, SOURCES_FROM_REPORT),
        "zelfscan": f"../../site/zelfscan.html#gemeente={code}",
    }


def comparison_rows(tidy: pd.DataFrame, code: str, peers: list[str],
                    published: dict[tuple[str, Any], dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Own answer, size-class peers and national share (95 % Wilson) for every indicator, per section;
    ``published`` (see :func:`published_figures`) adds the published national figure of a row, if any."""
    cb = load_codebook()
    published = published or {}
    own = tidy[tidy["gm_code"] == code]
    row = own.iloc[0] if len(own) else None
    is_peer = tidy["gm_code"].isin(peers).to_numpy()
    subsets: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for universe in ("respondents", "with_teams"):
        mask = universe_mask(tidy, universe, cb).to_numpy()
        subsets[universe] = (tidy.loc[mask & is_peer], tidy.loc[mask])
    out: dict[str, list[dict[str, Any]]] = {"teams": [], "composition": [], "involvement": []}

    def add(section: str, key: str, label: str, column: str | None, equals: Any, universe: str,
            pub_key: tuple[str, Any], values_fn=None, own_text: str | None = None) -> None:
        def est(u: pd.DataFrame) -> dict[str, Any] | None:
            return proportion_estimate(values_fn(u)) if values_fn else proportion_estimate(u[column], equals)

        peer_u, nat_u = subsets[universe]
        pub = published.get(pub_key)
        if pub is not None and pub["universe"] != universe:
            pub = None  # published over another base: not the same figure
        out[section].append({
            "key": key, "label": label, "universe": universe,
            "own": own_text if own_text is not None else _own_value(row, column, equals, universe),
            "peers": est(peer_u),
            "national": est(nat_u),
            "published": pub,
        })

    for key, column, equals, universe, label in TEAM_INDICATORS:
        add("teams", key, label, column, equals, universe, (column, True if equals is None else equals))
    for o in cb.variable("discipline").options:
        col = f"discipline__{o.code}"
        add("composition", o.code, o.label, col, None, "with_teams", (col, True))
    inv = cb.variable("involvement")
    form_labels = {f.code: f.label.split(" (")[0].lower() for f in inv.forms}
    for g in inv.groups:
        if row is None:
            text = "niet deelgenomen"
        elif _not_applicable(row):
            text = _not_applicable(row)
        else:
            forms = own_answers(row)["involvement"][g.code]
            if forms is None:
                text = "niet beantwoord"
            elif not forms or forms == ["geen"]:
                text = "nee (geen betrokkenheid)"
            else:
                text = "ja: " + ", ".join(form_labels[f] for f in forms if f != "geen")
        add("involvement", g.code, g.label, None, None, "with_teams", ("any_involvement", g.code),
            values_fn=lambda u, g=g.code: involved_any(u, g), own_text=text)
    return out


def count_summary(values: pd.Series) -> dict[str, Any] | None:
    """n, mean with a 95 % t-interval, median, min and max of a count; None without values."""
    v = values.dropna().astype(float)
    n = int(len(v))
    if n == 0:
        return None
    mean = float(v.mean())
    half = float(stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return {"source": "survey", "n": n, "mean": round(mean, 6), "lo": None if math.isnan(half) else round(mean - half, 6),
            "hi": None if math.isnan(half) else round(mean + half, 6), "median": round(float(v.median()), 6),
            "min": int(v.min()), "max": int(v.max()), "total": int(v.sum())}


def teams_count(tidy: pd.DataFrame, code: str, peers: list[str]) -> dict[str, Any]:
    """Number of teams: own answer, and the peers' and national summary among municipalities with teams."""
    with_teams = _universe(tidy, "with_teams")
    own = tidy.loc[tidy["gm_code"] == code, "n_teams"]
    return {
        "own": None if own.empty or pd.isna(own.iloc[0]) else int(own.iloc[0]),
        "peers": count_summary(with_teams.loc[with_teams["gm_code"].isin(peers), "n_teams"]),
        "national": count_summary(with_teams["n_teams"]),
    }


def _finite(x: Any) -> float | None:
    if x is None or x is pd.NA:
        return None
    x = float(x)
    return None if not math.isfinite(x) else round(x, 6)


def _expectation(r: Any, scale: float) -> dict[str, Any]:
    """One expectation row as what the report may say about one municipality.

    ``status``: ``prediction`` (the size effect is distinguishable from none and the size lies within the
    fitted range: the predicted value, with a 95 % prediction interval for one municipality where the
    models step gives one), ``national`` (the effect is not distinguishable from zero: the expectation is
    the national value), ``outside_range`` (no prediction outside the sizes the model was fitted on).
    """
    value = {"predicted": None, "pi_low": None, "pi_high": None, "national_value": None}
    national = _finite(r.national_value)
    national = None if national is None else round(scale * national, 6)
    if not bool(r.in_fitted_range):
        return {"status": "outside_range", **value}
    if not bool(r.effect_distinguishable):
        return {"status": "national", **value, "national_value": national, "national_source": "survey"}
    pred, lo, hi = (_finite(x) for x in (r.predicted, r.pi_low, r.pi_high))
    return {"status": "prediction", "predicted": None if pred is None else round(scale * pred, 6),
            "pi_low": None if lo is None else round(scale * lo, 6),
            "pi_high": None if hi is None else round(scale * hi, 6), "national_value": national}


def expected_section(expectations: pd.DataFrame | None, code: str, comparisons: dict[str, list[dict]],
                     teams: dict[str, Any], source: str | None) -> dict[str, Any]:
    """What the size model expects for ``code`` (number of teams; involvement per resident group in %)
    beside what the municipality reported (``reported``; dropped on synthetic data by :func:`build_numbers`)."""
    empty = {"available": False, "source": source, "reason": "missing", "groups": [], "teams": None}
    if expectations is None:
        return empty
    if any(c not in expectations.columns for c in EXPECTATION_TRUST_COLUMNS):
        return {**empty, "reason": "no_prediction_interval"}
    rows = expectations[expectations["gm_code"] == code]
    own_inv = {r["key"]: r["own"] for r in comparisons["involvement"]}
    labels = {r["key"]: r["label"] for r in comparisons["involvement"]}
    groups: list[dict[str, Any]] = []
    team_row = None
    for r in rows.itertuples(index=False):
        if r.measure == "n_teams":
            team_row = {**_expectation(r, 1.0), "reported": teams["own"]}
        elif r.measure == "any_involvement" and str(r.group) in labels:
            groups.append({"group": str(r.group), "label": labels[str(r.group)], **_expectation(r, 100.0),
                           "reported": own_inv[str(r.group)]})
    order = list(labels)
    groups.sort(key=lambda e: order.index(e["group"]))
    available = bool(groups or team_row)
    return {"available": available, "source": source, "reason": None if available else "no_rows",
            "groups": groups, "teams": team_row}


def provenance_of(record: dict[str, Any], code: str) -> dict[str, Any]:
    """What the report says about whose answers these are: the kind (``--provenance`` or the record), and for
    self-reported answers who filled them in, their role and the date (per municipality for a folder)."""
    out: dict[str, Any] = {"kind": str(record.get("kind", "unknown")),
                           "declared_with_flag": bool(record.get("declared_with_flag", False))}
    if out["kind"] == "self-reported":
        own = (record.get("per_municipality") or {}).get(code) or record
        out.update(who=own.get("who"), role=own.get("role"), filled_in=own.get("date"),
                   line=provenance.self_reported_line_nl({**own, "kind": "self-reported"}))
    return out


def _provenance_info(survey_path: Path, code: str = "") -> dict[str, Any]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    built = datetime.fromtimestamp(int(epoch), tz=UTC).date() if epoch else date.today()
    return {
        **provenance_of(provenance.read_provenance(survey_path).record, code),
        "synthetic": bool(provenance.is_synthetic(survey_path)),
        "survey_file": survey_path.name,
        "data_version": str(provenance.data_fingerprint(survey_path)),
        "code_version": str(provenance.code_version()),
        "date": built.isoformat(),
    }


def without_own_answers(numbers: dict[str, Any]) -> dict[str, Any]:
    """The numbers with every survey answer of the municipality itself removed (synthetic data).

    Drops participation, the own answers (free text included), the own column of every comparison, the own
    number of teams and what the municipality "reported" beside the model. Peer and national aggregates stay;
    a national figure becomes the published one or ``{"source": "not_published"}``.
    """
    out = json.loads(json.dumps(numbers))
    for key in ("participated", "answers"):
        out.pop(key, None)
    for rows in out["comparisons"].values():
        for r in rows:
            r.pop("own", None)
            r["national"] = r["published"] or {"source": "not_published"}
            if r["peers"] is not None:  # the peers' base n would reveal who took part (invented participation)
                r["peers"] = {k: r["peers"][k] for k in ("source", "percent", "ci_low", "ci_high")}
    out["teams"].pop("own", None)
    if out["teams"].get("peers") is not None:  # min/max are single municipalities' counts; n is participation
        out["teams"]["peers"] = {k: out["teams"]["peers"][k] for k in ("source", "mean", "lo", "hi", "median")}
    out["teams"]["national"] = out["teams"].get("published") or {"source": "not_published"}
    out["peers"].pop("n_respondents", None)
    out["national"] = {k: v for k, v in out["national"].items() if k != "n_respondents"}
    e = out["expected"]
    pub_inv = {r["key"]: r["published"] for r in out["comparisons"]["involvement"]}
    for g in e["groups"]:
        g.pop("reported", None)
        if g["status"] == "national":  # the published national share, never the reconstruction's
            pub = pub_inv.get(g["group"])
            g["national_value"] = None if pub is None else pub["percent"]
            g["national_source"] = "published" if pub is not None else "not_published"
    if e["teams"] is not None:
        e["teams"].pop("reported", None)
        if e["teams"]["status"] == "national":
            pub = out["teams"].get("published")
            e["teams"]["national_value"] = None if pub is None else pub["mean"]
            e["teams"]["national_source"] = "published" if pub is not None else "not_published"
    return out


def build_numbers(municipality_code: str, wave: int, survey_path: str | Path,
                  expectations_path: str | Path | None = None,
                  free_text_path: str | Path | None = None) -> dict[str, Any]:
    """Every number of one municipality's report (JSON-serialisable; the report renders only from this).

    On synthetic data (by the file's provenance) the result holds no answer of the municipality itself
    (:func:`without_own_answers`). Free-text answers are left out unless the reviewed list
    ``free_text_path`` releases them (:mod:`.free_text`; what was done is recorded under ``free_text``)."""
    code = str(municipality_code)
    wave = int(wave)
    survey_path = Path(survey_path)
    tidy = load_survey(survey_path, wave)
    facts = municipality_facts(code, wave)
    peers = peer_codes(code, wave)
    published = published_figures(wave)
    comparisons = comparison_rows(tidy, code, peers, published)
    teams = {**teams_count(tidy, code, peers), "published": published.get(("n_teams_mean", None))}
    row = tidy[tidy["gm_code"] == code]
    participated = len(row) == 1
    exp_path = Path(expectations_path) if expectations_path else None
    expectations = load_expectations(exp_path) if exp_path is not None and exp_path.is_file() else None
    reg = register(register_year(wave))
    prov = _provenance_info(survey_path, code)
    release = load_release(free_text_path) if free_text_path else None
    answers, free_text = apply_release(own_answers(row.iloc[0] if participated else None), code, wave,
                                       None if prov["synthetic"] else release)
    numbers = {
        "schema": SCHEMA,
        "gm_code": code,
        "wave": wave,
        "synthetic": prov["synthetic"],
        "facts": facts,
        "peers": {
            "variable": PEER_VARIABLE,
            "size_class": facts["size_class"],
            "codes": peers,
            "n_municipalities": len(peers),
            "n_respondents": int(tidy["gm_code"].isin(peers).sum()),
        },
        "national": {"n_municipalities": int(len(reg)), "n_respondents": int(len(tidy))},
        "participated": participated,
        "answers": answers,
        "free_text": free_text,
        "comparisons": comparisons,
        "teams": teams,
        "expected": expected_section(expectations, code, comparisons, teams,
                                     exp_path.name if exp_path is not None else None),
        "published_local": published_local(wave, code),
        "local": local_content(code, wave, facts),
        "provenance": prov,
    }
    return without_own_answers(numbers) if prov["synthetic"] else numbers


def numbers_path(output_dir: str | Path, code: str) -> Path:
    """Where a report's numbers live: ``<output_dir>/data/<GMxxxx>.json``."""
    return Path(output_dir) / "data" / f"{code}.json"


def write_numbers(numbers: dict[str, Any], output_dir: str | Path) -> Path:
    """Write the numbers as stable JSON (atomic); returns the path."""
    text = json.dumps(numbers, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return atomic_write_text(numbers_path(output_dir, numbers["gm_code"]), text + "\n")


def read_numbers(path: str | Path) -> dict[str, Any]:
    """Read a report's numbers file."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


