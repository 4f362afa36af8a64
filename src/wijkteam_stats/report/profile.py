"""The municipality profile: facts, size-class peers, comparisons, the size model's expectation, Dutch text.

The report notebook (``notebooks/03_municipality_profile.ipynb``) is thin: it calls :func:`build_numbers`,
writes them to ``<output_dir>/data/<GMxxxx>.json`` (every number in a report comes from that file) and renders
the sections from the file with the ``*_html`` / ``*_png`` functions below. All text that comes from data
(names, free-text answers) passes through :func:`esc` before it lands in HTML.
"""

from __future__ import annotations

import html
import json
import math
import os
import random
import re
import textwrap
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.clean.deidentify import deidentify_table
from wijkteam_stats.reference import provenance
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.figures import PALETTE, caption, colour_name, set_plotted_base, setup_style
from wijkteam_stats.reference.municipalities import CBS_SIZE_CLASSES, mergers, register, to_2025
from wijkteam_stats.reference.waves import REPORT_SEED as SEED
from wijkteam_stats.reference.waves import register_year
from wijkteam_stats.reference.writers import atomic_write_text
from wijkteam_stats.report.maps import HIGHLIGHT_COLOUR, PEER_COLOUR, figure_png, municipality_map
from wijkteam_stats.reproduce.estimators import proportion, universe_mask

#: Grouping used for "municipalities of its size": the coarse 4-class size variable of the register.
PEER_VARIABLE = "size_class"

MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december"]

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


# =========================================================================== text helpers


def esc(value: Any) -> str:
    """HTML-escape any value for display; missing values become an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    return html.escape(str(value), quote=True)


def fmt_int(value: Any) -> str:
    """An integer in Dutch notation (``872.757``); missing -> en dash."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{int(round(float(value))):,}".replace(",", ".")


def fmt_num(value: Any, decimals: int = 1) -> str:
    """A number in Dutch notation with a decimal comma (``2,6``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):,.{decimals}f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def fmt_pct(pct: float | None, decimals: int = 0) -> str:
    """A percentage (0-100) in Dutch notation: ``84 %``, ``83,5 %``."""
    if pct is None or (isinstance(pct, float) and math.isnan(pct)):
        return "–"
    return f"{pct:.{decimals}f}".replace(".", ",") + " %"


def fmt_interval(lo: float | None, hi: float | None) -> str:
    """A 95 % interval of percentages as ``78–89 %``."""
    if lo is None or hi is None:
        return "–"
    return f"{lo:.0f}–{hi:.0f} %"


def fmt_date_nl(value: str | date) -> str:
    """A date in Dutch: ``1 januari 2021``."""
    d = date.fromisoformat(str(value)[:10]) if not isinstance(value, date) else value
    return f"{d.day} {MONTHS_NL[d.month - 1]} {d.year}"


def html_table(header: list[str] | None, rows: list[list[str]], css_class: str = "wt-table",
               raw_columns: tuple[int, ...] = ()) -> str:
    """A plain HTML table; every cell is escaped unless its column index is in ``raw_columns``."""
    head = "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead>" if header else ""
    body = []
    for row in rows:
        cells = "".join(f"<td>{c if i in raw_columns else esc(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="{esc(css_class)}">{head}<tbody>{"".join(body)}</tbody></table>'


# =========================================================================== setup


def prepare_session() -> None:
    """Per-report setup: the project plot style and fixed seeds (call in the notebook's setup cell)."""
    setup_style()
    random.seed(SEED)
    np.random.seed(SEED)


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
    table = deidentify_table(table)  # free text of a table not cleaned by this version is masked too
    table = table[table["wave"].astype("Int64") == int(wave)] if "wave" in table else table
    if table["gm_code"].duplicated().any():
        dup = table.loc[table["gm_code"].duplicated(), "gm_code"].tolist()
        raise ValueError(f"{path}: municipality codes occur more than once: {dup[:5]}")
    return table.sort_values("gm_code", kind="stable").reset_index(drop=True)


def load_survey(path: str | Path, wave: int) -> pd.DataFrame:
    """The tidy survey table of ``wave`` from a cleaned parquet or a raw export (cleaned; cached per process)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"survey file {path} does not exist (run `wijkteam clean` first)")
    return _load_survey_cached(_file_key(path), int(wave)).copy()


#: Columns of the models step's ``expected_by_municipality_<wave>.csv`` that the report reads.
EXPECTATION_COLUMNS = ["gm_code", "measure", "group", "predicted", "ci_low", "ci_high"]


@lru_cache(maxsize=2)
def _load_expectations_cached(key: tuple[str, int, int]) -> pd.DataFrame:
    path = Path(key[0])
    df = pd.read_csv(path, dtype={"gm_code": "string", "measure": "string", "group": "string"})
    missing = [c for c in EXPECTATION_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: expectations table lacks columns {missing}; has {list(df.columns)}")
    for c in ("predicted", "ci_low", "ci_high"):
        df[c] = pd.to_numeric(df[c], errors="raise").astype(float)
    if "extrapolated" in df.columns:
        df["extrapolated"] = df["extrapolated"].astype(str).str.lower().isin(["true", "1"])
    else:
        df["extrapolated"] = False
    unknown = sorted(set(df["measure"].dropna()) - set(EXPECTED_MEASURES))
    if unknown:
        raise ValueError(f"{path}: unknown measure(s) {unknown}; expected {list(EXPECTED_MEASURES)}")
    return df


def load_expectations(path: str | Path) -> pd.DataFrame:
    """The size model's expectations (long format: gm_code, group, predicted, ci_low, ci_high); cached."""
    return _load_expectations_cached(_file_key(Path(path))).copy()


# =========================================================================== facts


def municipality_history(code: str, year: int) -> list[dict[str, Any]]:
    """Boundary changes of ``code`` after 1 January ``year``, following the main successor (oldest first)."""
    ev = mergers()
    ref = pd.Timestamp(date(int(year), 1, 1))
    out: list[dict[str, Any]] = []
    current, seen = code, set()
    while current not in seen:
        seen.add(current)
        rows = ev[(ev["oude_gm_code"] == current) & (ev["datum"] > ref)].sort_values(
            ["datum", "oppervlakte_aandeel", "nieuwe_gm_code"], ascending=[True, False, True], kind="stable")
        if rows.empty:
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
        })
        current = str(main_row["nieuwe_gm_code"])
    return out


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
        "size_class_cbs_label": None if pd.isna(cbs_class) else CBS_SIZE_CLASSES[int(cbs_class)][1],
        "g4": bool(row["g4"]),
        "g32": bool(row["g32"]),
        "history": history,
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
    return {"k": est.k, "n": est.n, "percent": round(est.percent, 6), "ci_low": round(est.ci_low, 6),
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


def comparison_rows(tidy: pd.DataFrame, code: str, peers: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Own answer, size-class peers and national share (95 % Wilson) for every indicator, per section."""
    cb = load_codebook()
    own = tidy[tidy["gm_code"] == code]
    row = own.iloc[0] if len(own) else None
    is_peer = tidy["gm_code"].isin(peers).to_numpy()
    subsets: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for universe in ("respondents", "with_teams"):
        mask = universe_mask(tidy, universe, cb).to_numpy()
        subsets[universe] = (tidy.loc[mask & is_peer], tidy.loc[mask])
    out: dict[str, list[dict[str, Any]]] = {"teams": [], "composition": [], "involvement": []}

    def add(section: str, key: str, label: str, column: str | None, equals: Any, universe: str,
            values_fn=None, own_text: str | None = None) -> None:
        def est(u: pd.DataFrame) -> dict[str, Any] | None:
            return proportion_estimate(values_fn(u)) if values_fn else proportion_estimate(u[column], equals)

        peer_u, nat_u = subsets[universe]
        out[section].append({
            "key": key, "label": label, "universe": universe,
            "own": own_text if own_text is not None else _own_value(row, column, equals, universe),
            "peers": est(peer_u),
            "national": est(nat_u),
        })

    for key, column, equals, universe, label in TEAM_INDICATORS:
        add("teams", key, label, column, equals, universe)
    for o in cb.variable("discipline").options:
        add("composition", o.code, o.label, f"discipline__{o.code}", None, "with_teams")
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
        add("involvement", g.code, g.label, None, None, "with_teams",
            values_fn=lambda u, g=g.code: involved_any(u, g), own_text=text)
    return out


def count_summary(values: pd.Series) -> dict[str, Any] | None:
    """n, mean with a 95 % t-interval, median, min and max of a count; None without values."""
    from scipy import stats

    v = values.dropna().astype(float)
    n = int(len(v))
    if n == 0:
        return None
    mean = float(v.mean())
    half = float(stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return {"n": n, "mean": round(mean, 6), "lo": None if math.isnan(half) else round(mean - half, 6),
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


def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else round(float(x), 6)


def expected_section(expectations: pd.DataFrame | None, code: str, comparisons: dict[str, list[dict]],
                     teams: dict[str, Any], source: str | None) -> dict[str, Any]:
    """What the size model expects for ``code`` (involvement per resident group in %, number of teams)
    beside what the municipality reported."""
    if expectations is None:
        return {"available": False, "source": source, "groups": [], "teams": None}
    rows = expectations[expectations["gm_code"] == code]
    own_inv = {r["key"]: r["own"] for r in comparisons["involvement"]}
    labels = {r["key"]: r["label"] for r in comparisons["involvement"]}
    groups: list[dict[str, Any]] = []
    team_row = None
    for r in rows.itertuples(index=False):
        if r.measure == "n_teams":
            team_row = {"predicted": _finite(r.predicted), "ci_low": _finite(r.ci_low), "ci_high": _finite(r.ci_high),
                        "extrapolated": bool(r.extrapolated), "reported": teams["own"]}
        elif r.measure == "any_involvement" and str(r.group) in labels:
            pct = [_finite(100 * v) if _finite(v) is not None else None for v in (r.predicted, r.ci_low, r.ci_high)]
            groups.append({"group": str(r.group), "label": labels[str(r.group)], "percent": pct[0],
                           "ci_low": pct[1], "ci_high": pct[2], "extrapolated": bool(r.extrapolated),
                           "reported": own_inv[str(r.group)]})
    order = list(labels)
    groups.sort(key=lambda e: order.index(e["group"]))
    return {"available": bool(groups or team_row), "source": source, "groups": groups, "teams": team_row}


def _provenance_info(survey_path: Path) -> dict[str, Any]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    built = datetime.fromtimestamp(int(epoch), tz=UTC).date() if epoch else date.today()
    return {
        "synthetic": bool(provenance.is_synthetic(survey_path)),
        "survey_file": survey_path.name,
        "data_version": str(provenance.data_fingerprint(survey_path)),
        "code_version": str(provenance.code_version()),
        "date": built.isoformat(),
    }


def build_numbers(municipality_code: str, wave: int, survey_path: str | Path,
                  expectations_path: str | Path | None = None) -> dict[str, Any]:
    """Every number of one municipality's report (JSON-serialisable; the report renders only from this)."""
    code = str(municipality_code)
    wave = int(wave)
    survey_path = Path(survey_path)
    tidy = load_survey(survey_path, wave)
    facts = municipality_facts(code, wave)
    peers = peer_codes(code, wave)
    comparisons = comparison_rows(tidy, code, peers)
    teams = teams_count(tidy, code, peers)
    row = tidy[tidy["gm_code"] == code]
    participated = len(row) == 1
    exp_path = Path(expectations_path) if expectations_path else None
    expectations = load_expectations(exp_path) if exp_path is not None and exp_path.is_file() else None
    reg = register(register_year(wave))
    return {
        "schema": 1,
        "gm_code": code,
        "wave": wave,
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
        "answers": own_answers(row.iloc[0] if participated else None),
        "comparisons": comparisons,
        "teams": teams,
        "expected": expected_section(expectations, code, comparisons, teams,
                                     exp_path.name if exp_path is not None else None),
        "provenance": _provenance_info(survey_path),
    }


def numbers_path(output_dir: str | Path, code: str) -> Path:
    """Where a report's numbers live: ``<output_dir>/data/<GMxxxx>.json``."""
    return Path(output_dir) / "data" / f"{code}.json"


def write_numbers(numbers: dict[str, Any], output_dir: str | Path) -> Path:
    """Write the numbers as stable JSON (atomic); returns the path."""
    text = json.dumps(numbers, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)
    return atomic_write_text(numbers_path(output_dir, numbers["gm_code"]), text + "\n")


def read_numbers(path: str | Path) -> dict[str, Any]:
    """Read a report's numbers file."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# =========================================================================== rendering: text


def _estimate_text(est: dict[str, Any] | None) -> str:
    if est is None:
        return "geen antwoorden"
    return f"{fmt_pct(est['percent'])} ({fmt_interval(est['ci_low'], est['ci_high'])}; n = {est['n']})"


def _network(facts: dict[str, Any]) -> str:
    if facts["g4"]:
        return "G4 (een van de vier grote steden)"
    if facts["g32"]:
        return "G32 (lid van het netwerk van middelgrote steden)"
    return "geen G4- of G32-gemeente"


def title_text(numbers: dict[str, Any]) -> str:
    """The plain-text report title (not escaped; for the HTML <title>, which the exporter escapes)."""
    return f"Gemeenteprofiel {numbers['facts']['name']}: sociale (wijk)teams {numbers['wave']}"


def banner_html(numbers: dict[str, Any]) -> str:
    """The visible SYNTHETIC-data banner (empty when the survey file is real data)."""
    if not numbers["provenance"]["synthetic"]:
        return ""
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc(provenance.synthetic_banner_nl()))
    return f'<div class="wt-banner" role="alert">{text}</div>'


#: Report-specific styles (the page template is shared with the other notebooks).
REPORT_CSS = """<style>
.jp-RenderedHTMLCommon .wt-table { border-collapse: collapse; margin: .5rem 0 1rem; }
.jp-RenderedHTMLCommon .wt-table th, .jp-RenderedHTMLCommon .wt-table td {
  text-align: left; vertical-align: top; padding: .3rem .6rem; }
.jp-RenderedHTMLCommon .wt-compare td:nth-child(n+3), .jp-RenderedHTMLCommon .wt-compare th:nth-child(n+3),
.jp-RenderedHTMLCommon .wt-expected td:nth-child(2) { text-align: right; }
.jp-RenderedHTMLCommon .wt-compare td:nth-child(n+3) { white-space: nowrap; }
.jp-RenderedHTMLCommon .wt-facts td:first-child { font-weight: 600; width: 16rem; }
.wt-lead { font-size: 16px; }
.wt-quote { border-left: 4px solid #bbb; margin: .5rem 0 1rem; padding: .25rem .75rem; background: #f6f6f6; }
</style>"""


def header_html(numbers: dict[str, Any]) -> str:
    """Title of the report with the banner and a one-paragraph summary for a non-technical reader."""
    f = numbers["facts"]
    pe = numbers["peers"]
    took = ("heeft meegedaan aan de enquête" if numbers["participated"]
            else "heeft <strong>niet</strong> meegedaan aan de enquête")
    return (
        f"{REPORT_CSS}{banner_html(numbers)}"
        f"<h1>{esc(f['name'])}</h1>"
        f'<p class="wt-lead">Gemeente {esc(f["name"])} ({esc(f["gm_code"])}, provincie {esc(f["province"])}) '
        f"{took} over sociale (wijk)teams van {esc(numbers['wave'])}. Dit profiel zet de antwoorden naast "
        f"die van de {pe['n_respondents']} deelnemende gemeenten van dezelfde grootte "
        f"({esc(pe['size_class'])} inwoners) en naast heel Nederland "
        f"({numbers['national']['n_respondents']} van de {numbers['national']['n_municipalities']} gemeenten "
        f"deden mee).</p>"
    )


def history_text(facts: dict[str, Any]) -> str:
    """What became of the municipality after the reference date, in Dutch (escaped HTML)."""
    name = esc(facts["name"])
    parts = []
    for ev in facts["history"]:
        when = fmt_date_nl(ev["date"])
        succ = ev["successors"]
        frm = esc(ev["from_name"])
        if ev["kind"] == "nieuwe_code_naamswijziging":
            parts.append(f"Op {when} kreeg {frm} een nieuwe naam en code: {esc(succ[0]['name'])} "
                         f"({esc(succ[0]['gm_code'])}).")
        elif ev["kind"] == "opgesplitst":
            shares = ", ".join(f"{esc(s['name'])} ({fmt_pct(100 * s['area_share'])} van de oppervlakte)" for s in succ)
            parts.append(f"Op {when} is {frm} opgeheven en verdeeld over: {shares}.")
        elif ev["kind"] == "opgegaan_in_bestaande_gemeente":
            parts.append(f"Op {when} is {frm} opgegaan in {esc(succ[0]['name'])} ({esc(succ[0]['gm_code'])}).")
        else:
            parts.append(f"Op {when} is {frm} samengevoegd tot de nieuwe gemeente {esc(succ[0]['name'])} "
                         f"({esc(succ[0]['gm_code'])}).")
    today = facts["today"]
    if not facts["history"]:
        parts.append(f"{name} bestaat in 2025 nog steeds in dezelfde vorm.")
    elif len(today) == 1:
        parts.append(f"In 2025 hoort het gebied bij {esc(today[0]['name'])} ({esc(today[0]['gm_code'])}).")
    else:
        shares = ", ".join(f"{esc(t['name'])} ({fmt_pct(100 * t['area_share'])})" for t in today)
        parts.append(f"In 2025 ligt het gebied in: {shares}.")
    return " ".join(parts)


def facts_html(numbers: dict[str, Any]) -> str:
    """The CBS facts table (name, province, population, size class, G4/G32, what it is today)."""
    f = numbers["facts"]
    ref = fmt_date_nl(f["reference_date"])
    rows = [
        ["Naam", esc(f["name"])],
        ["CBS-code", esc(f["gm_code"])],
        ["Provincie", esc(f["province"])],
        [f"Inwoners op {ref}", fmt_int(f["population"])],
        ["Grootteklasse (voor de vergelijking)", esc(f["size_class"]) + " inwoners"],
        ["CBS-gemeentegrootteklasse", f"{esc(f['size_class_cbs'])}: {esc(f['size_class_cbs_label'])}"],
        ["Stedennetwerk", _network(f)],
        ["Wat is de gemeente nu?", history_text(f)],
    ]
    return html_table(None, rows, css_class="wt-table wt-facts", raw_columns=(1,))


def map_caption_text(numbers: dict[str, Any]) -> str:
    """Caption of the map; the colours are named from the colours the map draws with."""
    f = numbers["facts"]
    return (f"Kaart: {f['name']} ({colour_name(HIGHLIGHT_COLOUR)}) en de {numbers['peers']['n_municipalities']} "
            f"andere gemeenten met {f['size_class']} inwoners ({colour_name(PEER_COLOUR)}), gemeentegrenzen van "
            f"{fmt_date_nl(f['reference_date'])}. Bron: CBS/PDOK.")


def map_caption_html(numbers: dict[str, Any]) -> str:
    """Caption of the map (escaped)."""
    return f'<p class="wt-caption">{esc(map_caption_text(numbers))}</p>'


def participation_html(numbers: dict[str, Any]) -> str:
    """The municipality's own answer about teams, or a friendly 'did not take part' note."""
    f = numbers["facts"]
    name = esc(f["name"])
    if not numbers["participated"]:
        return (f'<p class="wt-note">{name} heeft de vragenlijst niet ingevuld. Daarom staan hieronder '
                f"alleen de cijfers van vergelijkbare gemeenten en van heel Nederland; in de kolom van "
                f"{name} staat &ldquo;niet deelgenomen&rdquo;.</p>")
    a = numbers["answers"]
    parts = [f"{name} antwoordde op de vraag of de gemeente met sociale (wijk)teams werkt: "
             f"<strong>{esc(a['has_teams_label'] or 'geen antwoord')}</strong>."]
    if a.get("has_teams_anders"):
        parts.append(f"Toelichting: &ldquo;{esc(a['has_teams_anders'])}&rdquo;.")
    if a["with_teams"]:
        n = a["n_teams"]
        parts.append(f"Aantal teams: <strong>{esc(n) if n is not None else 'niet ingevuld'}</strong>.")
        if a["team_types"]:
            parts.append("Soort teams: " + "; ".join(esc(t) for t in a["team_types"]) + ".")
    if a["status"] == "gedeeltelijk":
        parts.append("De vragenlijst is niet helemaal ingevuld; ontbrekende antwoorden tellen niet mee.")
    return f'<p class="wt-answer">{" ".join(parts)}</p>'


def comparison_html(numbers: dict[str, Any], section: str) -> str:
    """A comparison table: own answer, peers and the Netherlands with 95 % intervals."""
    f = numbers["facts"]
    header = ["", f["name"], f"Gemeenten met {f['size_class']} inwoners", "Nederland"]
    rows = [[r["label"], r["own"], _estimate_text(r["peers"]), _estimate_text(r["national"])]
            for r in numbers["comparisons"][section]]
    if section == "teams":
        t = numbers["teams"]
        rows.insert(1, ["Aantal teams (gemiddelde van gemeenten met teams)",
                        _own_count_text(numbers), _count_text(t["peers"]), _count_text(t["national"])])
    return html_table(header, rows, css_class="wt-table wt-compare")


def _own_count_text(numbers: dict[str, Any]) -> str:
    if not numbers["participated"]:
        return "niet deelgenomen"
    a = numbers["answers"]
    if a["has_teams"] is None:
        return "niet beantwoord"
    if not a["with_teams"]:
        return "n.v.t. (geen teams)"
    return "niet beantwoord" if a["n_teams"] is None else str(a["n_teams"])


def _count_text(s: dict[str, Any] | None) -> str:
    if s is None:
        return "geen antwoorden"
    ci = f"{fmt_num(s['lo'])}–{fmt_num(s['hi'])}" if s["lo"] is not None else "–"
    return f"{fmt_num(s['mean'])} ({ci}; mediaan {fmt_num(s['median'], 0)}; n = {s['n']})"


def reading_guide_html() -> str:
    """How to read the percentages and intervals, for a non-technical reader."""
    return ('<p class="wt-note">Percentages gaan over de gemeenten die de vraag beantwoordden (n). Tussen haakjes '
            "staat het 95 %-interval (Wilson): bij zo weinig gemeenten is een percentage onzeker, en het werkelijke "
            "percentage ligt met grote waarschijnlijkheid binnen deze marge. Vragen over de teams zelf gaan alleen "
            "over gemeenten die met teams werken. De gemeente zelf telt niet mee bij &lsquo;gemeenten van "
            "dezelfde grootte&rsquo;, wel bij &lsquo;Nederland&rsquo;.</p>")


def free_text_html(numbers: dict[str, Any]) -> str:
    """The municipality's free-text remark (escaped), if any."""
    a = numbers.get("answers") or {}
    if not a.get("toelichting"):
        return ""
    return (f'<blockquote class="wt-quote"><p><strong>Opmerking van de gemeente:</strong> '
            f"&ldquo;{esc(a['toelichting'])}&rdquo;</p></blockquote>")


def expected_html(numbers: dict[str, Any]) -> str:
    """The size model's expectation for a municipality of this size beside what it reported."""
    e = numbers["expected"]
    f = numbers["facts"]
    name = esc(f["name"])
    if not e["available"]:
        return ('<p class="wt-note">Het groottemodel is voor deze gemeente (nog) niet beschikbaar: de tabel met '
                "verwachtingen ontbreekt. Draai eerst <code>wijkteam models</code>.</p>")
    parts = [f"<p>Voor een gemeente met {fmt_int(f['population'])} inwoners verwacht het model het volgende. "
             f"Tussen haakjes staat het 95 %-interval van die verwachting. Het is een verwachting voor een "
             f"<em>doorsnee</em> gemeente van deze grootte, geen oordeel over {name}.</p>"]
    rows = []
    if e["teams"] is not None:
        t = e["teams"]
        rows.append(["Aantal teams (als de gemeente met teams werkt)",
                     f"{fmt_num(t['predicted'])} ({fmt_num(t['ci_low'])}–{fmt_num(t['ci_high'])})",
                     _own_count_text(numbers)])
    for g in e["groups"]:
        rows.append([f"{g['label']}: betrokken (in enige vorm)",
                     f"{fmt_pct(g['percent'])} ({fmt_interval(g['ci_low'], g['ci_high'])})", g["reported"]])
    parts.append(html_table(["", "Verwacht voor deze grootte", f"Gerapporteerd door {f['name']}"],
                            rows, css_class="wt-table wt-expected"))
    extrapolated = (e["teams"] or {}).get("extrapolated") or any(g["extrapolated"] for g in e["groups"])
    if extrapolated:
        parts.append(f'<p class="wt-note">Let op: {name} is groter of kleiner dan alle gemeenten waarop het '
                     "model is geschat; de verwachting is daarom extra onzeker.</p>")
    return "".join(parts)


def footer_html(numbers: dict[str, Any]) -> str:
    """Provenance footer: data version, code version, date, sources and licences."""
    p = numbers["provenance"]
    data_kind = ("SYNTHETISCHE reconstructie van de Movisie-enquête (geen echte antwoorden)"
                 if p["synthetic"] else "Movisie-enquête sociale (wijk)teams")
    return (
        '<div class="wt-footer">'
        f"<p>Enquêtegegevens: {esc(data_kind)}, bestand {esc(p['survey_file'])}, "
        f"gegevensversie {esc(p['data_version'])}. Codeversie {esc(p['code_version'])} (wijkteam-stats). "
        f"Gemaakt op {fmt_date_nl(p['date'])}.</p>"
        "<p>Bron: CBS (gemeenten, inwoners, grootteklassen; CC BY 4.0). Gemeentegrenzen: CBS/PDOK. "
        "Landelijke cijfers en intervallen zijn berekend uit het enquêtebestand; 95 %-intervallen volgens Wilson.</p>"
        "</div>"
    )


# =========================================================================== rendering: figures


def map_png(numbers: dict[str, Any]) -> bytes:
    """The map of the Netherlands with the municipality highlighted and its peers shaded (PNG bytes)."""
    year = int(numbers["facts"]["reference_date"][:4])
    fig = municipality_map(numbers["gm_code"], numbers["peers"]["codes"], year)
    return figure_png(fig, tight=False)


def plotted_national_bases(numbers: dict[str, Any], section: str) -> list[int]:
    """The n of every national estimate the comparison figure of ``section`` plots (its caption's base)."""
    return [int(r["national"]["n"]) for r in numbers["comparisons"][section] if r["national"] is not None]


def comparison_figure(numbers: dict[str, Any], section: str, title: str):
    """Dot-and-interval figure of a section: peers and the Netherlands per row, own answer as text (a Figure
    with its plotted national base recorded)."""
    import matplotlib.pyplot as plt

    rows = numbers["comparisons"][section]
    labels = [textwrap.fill(r["label"].split(" (")[0], 24, break_on_hyphens=False) for r in rows]
    lines = max([lab.count("\n") + 1 for lab in labels] or [1])
    fig, ax = plt.subplots(figsize=(7.2, (0.3 + 0.12 * (lines - 1)) * len(rows) + 1.6), layout="constrained")
    y = np.arange(len(rows))[::-1]
    for offset, key, colour, name in ((0.15, "peers", PALETTE[0], "gemeenten van dezelfde grootte"),
                                      (-0.15, "national", "#555555", "Nederland")):
        xs, lo, hi, ys = [], [], [], []
        for yi, r in zip(y, rows, strict=True):
            est = r[key]
            if est is None:
                continue
            xs.append(est["percent"])
            lo.append(est["percent"] - est["ci_low"])
            hi.append(est["ci_high"] - est["percent"])
            ys.append(yi + offset)
        ax.errorbar(xs, ys, xerr=[lo, hi], fmt="o", color=colour, ecolor=colour, elinewidth=1.2, capsize=2,
                    markersize=5, label=name)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% van de gemeenten (met 95 %-interval)")
    ax.set_title(title, loc="left", pad=22)
    own_name = numbers["facts"]["name"]
    short = own_name if len(own_name) <= 22 else own_name[:21] + "…"
    header = short if numbers["participated"] else f"{short}\n(niet deelgenomen)"
    ax.text(1.02, 1.01, header, transform=ax.transAxes, fontsize=8, fontweight="bold", va="bottom", ha="left")
    if numbers["participated"]:
        for yi, r in zip(y, rows, strict=True):
            own = textwrap.fill(r["own"].split(":")[0].split(" (")[0], 18)
            ax.text(1.02, yi, own, transform=ax.get_yaxis_transform(), fontsize=8, va="center", ha="left")
    fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=8)
    set_plotted_base(fig, plotted_national_bases(numbers, section))
    return fig


def comparison_png(numbers: dict[str, Any], section: str, title: str) -> bytes:
    """The comparison figure of a section as PNG bytes."""
    return figure_png(comparison_figure(numbers, section, title), tight=False)


def image_html(png: bytes, alt: str) -> str:
    """An embedded PNG with Dutch alternative text (escaped) for screen readers."""
    import base64

    data = base64.b64encode(png).decode("ascii")
    return f'<img class="wt-figure" src="data:image/png;base64,{data}" alt="{esc(alt)}" style="max-width:100%">'


def map_html(numbers: dict[str, Any]) -> str:
    """The map with its alternative text and caption."""
    f = numbers["facts"]
    alt = (f"Kaart van Nederland waarop {f['name']} is gemarkeerd en de gemeenten met {f['size_class']} "
           "inwoners zijn ingekleurd")
    return image_html(map_png(numbers), alt) + map_caption_html(numbers)


def figure_html(numbers: dict[str, Any], section: str, title: str) -> str:
    """A comparison figure with alternative text and caption (the numbers are in the table below it)."""
    alt = (f"{title}: percentages van gemeenten van dezelfde grootte en van heel Nederland met 95 %-intervallen; "
           "de cijfers staan in de tabel onder de figuur")
    return (image_html(comparison_png(numbers, section, title), alt)
            + figure_caption_html(numbers, title, section))


def figure_caption_text(numbers: dict[str, Any], what: str, section: str) -> str:
    """Caption of the comparison figure of ``section``: n is the base of the national estimates it plots."""
    bases = plotted_national_bases(numbers, section)
    peers = sorted({int(r["peers"]["n"]) for r in numbers["comparisons"][section] if r["peers"] is not None})
    peer_n = "" if not peers else (f" (van dezelfde grootte: {peers[0]}" + (f"–{peers[-1]}" if peers[-1] != peers[0]
                                                                            else "") + " met een antwoord)")
    return caption(f"{what}: gemeenten met {numbers['facts']['size_class']} inwoners{peer_n} en heel Nederland "
                   "(n: gemeenten in Nederland met een antwoord op de vraag)", n=bases or None,
                   method="Wilson 95 %-interval", synthetic=numbers["provenance"]["synthetic"])


def figure_caption_html(numbers: dict[str, Any], what: str, section: str = "involvement") -> str:
    """Caption under a comparison figure, with n and the synthetic notice where applicable."""
    return f'<p class="wt-caption">{esc(figure_caption_text(numbers, what, section))}</p>'
