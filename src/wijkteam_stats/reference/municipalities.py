"""The CBS municipality register (2014-2025), name/code resolution and the crosswalk to 2025.

All joins are on CBS codes (``GMxxxx``); names are only ever an input to :func:`resolve`.
Source files live in ``data/raw/cbs/`` (see its PROVENANCE.md); "Bron: CBS".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from wijkteam_stats.reference import paths

YEARS = range(2014, 2026)
POPULATION_YEARS = range(2014, 2025)

#: CBS gemeentegrootteklasse (inhabitants on 1 January): class code -> (lower bound, Dutch label)
CBS_SIZE_CLASSES: dict[int, tuple[int, str]] = {
    1: (0, "minder dan 5 000 inwoners"),
    2: (5_000, "5 000 tot 10 000 inwoners"),
    3: (10_000, "10 000 tot 20 000 inwoners"),
    4: (20_000, "20 000 tot 50 000 inwoners"),
    5: (50_000, "50 000 tot 100 000 inwoners"),
    6: (100_000, "100 000 tot 150 000 inwoners"),
    7: (150_000, "150 000 tot 250 000 inwoners"),
    8: (250_000, "250 000 inwoners of meer"),
}
#: Coarse 4-class version used in reports (Dutch labels, ordered).
SIZE_CLASS_LABELS: list[str] = ["< 20.000", "20.000–50.000", "50.000–100.000", "≥ 100.000"]
SIZE_CLASS_BOUNDS: list[int] = [0, 20_000, 50_000, 100_000]

PROVINCES: dict[str, str] = {
    "PV20": "Groningen", "PV21": "Fryslân", "PV22": "Drenthe", "PV23": "Overijssel",
    "PV24": "Flevoland", "PV25": "Gelderland", "PV26": "Utrecht", "PV27": "Noord-Holland",
    "PV28": "Zuid-Holland", "PV29": "Zeeland", "PV30": "Noord-Brabant", "PV31": "Limburg",
}
_PROVINCE_ALIASES = {
    "friesland": "PV21", "fryslan": "PV21", "nh": "PV27", "noord holland": "PV27", "zh": "PV28",
    "zuid holland": "PV28", "nb": "PV30", "noord brabant": "PV30", "brabant": "PV30", "l": "PV31",
    "lb": "PV31", "limburg": "PV31", "gld": "PV25", "gelderland": "PV25", "o": "PV23",
    "overijssel": "PV23", "z": "PV29", "zeeland": "PV29", "u": "PV26", "utrecht": "PV26",
    "dr": "PV22", "drenthe": "PV22", "gr": "PV20", "groningen": "PV20", "fl": "PV24", "flevoland": "PV24",
}

#: Alternative names people type -> the CBS name (any year). Dutch and Frisian spellings included.
ALIASES: dict[str, str] = {
    "den haag": "'s-Gravenhage",
    "the hague": "'s-Gravenhage",
    "s gravenhage": "'s-Gravenhage",
    "den bosch": "'s-Hertogenbosch",
    "s hertogenbosch": "'s-Hertogenbosch",
    "hertogenbosch": "'s-Hertogenbosch",
    "nuenen": "Nuenen, Gerwen en Nederwetten",
    "sudwest fryslan": "Súdwest-Fryslân",
    "zuidwest friesland": "Súdwest-Fryslân",
    "de friese meren": "De Friese Meren",
    "de fryske marren": "De Fryske Marren",
    "noordoost friesland": "Noardeast-Fryslân",
    "tietjerksteradeel": "Tytsjerksteradiel",
    "dantumadeel": "Dantumadiel",
    "ferwerderadeel": "Ferwerderadiel",
    "littenseradeel": "Littenseradiel",
    "menaldumadeel": "Menameradiel",
    "ljouwerteradiel": "Leeuwarderadeel",
    "frjentsjerteradiel": "Franekeradeel",
    "dongeradiel": "Dongeradeel",
    "it bildt": "het Bildt",
    "gaasterlan sleat": "Gaasterlân-Sleat",
    "gaasterland sloten": "Gaasterlân-Sleat",
    "scharsterland": "Skarsterlân",
    "boornsterhem": "Boarnsterhim",
    "ljouwert": "Leeuwarden",
    "harns": "Harlingen",
    "it hearrenfean": "Heerenveen",
    "smellingerlan": "Smallingerland",
    "opsterlan": "Opsterland",
    "eaststellingwerf": "Ooststellingwerf",
    "kollumerlan en nijkruslan": "Kollumerland en Nieuwkruisland",
    "skylge": "Terschelling",
    "flylan": "Vlieland",
    "it amelan": "Ameland",
    "skiermuntseach": "Schiermonnikoog",
    "sittard": "Sittard-Geleen",
    "geleen": "Sittard-Geleen",
    "amsterdam zuidoost": "Amsterdam",
}


class MunicipalityLookupError(LookupError):
    """Base class: a municipality could not be resolved to one CBS code. ``candidates`` lists options."""

    def __init__(self, message: str, text: object, candidates: list[str]):
        super().__init__(message)
        self.text = text
        self.candidates = candidates


class AmbiguousMunicipalityError(MunicipalityLookupError):
    """The text fits several municipalities (e.g. Bergen NH / Bergen L); candidates are ``GMxxxx (name, province)``."""


class UnknownMunicipalityError(MunicipalityLookupError):
    """The text fits no municipality; candidates are the closest names."""


# --------------------------------------------------------------------------- loading


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(paths.RAW_CBS / name, dtype=str, keep_default_na=False, na_values=[""])


@lru_cache(maxsize=1)
def municipalities_by_year() -> pd.DataFrame:
    """All municipalities on 1 January of each year 2014-2025 (year, gm_code, name, province)."""
    df = _read("gemeenten_1jan_2014_2025.csv")
    df["year"] = df["year"].astype(int)
    return df.rename(columns={"gemeente_naam": "name", "pv_code": "province_code", "provincie_naam": "province"})


@lru_cache(maxsize=1)
def code_periods() -> pd.DataFrame:
    """Every municipality code since 1970 with its begin and end date (end NaT while it exists)."""
    df = _read("gemeentecodes_begin_einddatum_1970_2025.csv")
    df["begindatum"] = pd.to_datetime(df["begindatum"])
    df["einddatum"] = pd.to_datetime(df["einddatum"])
    return df.rename(columns={"gemeente_naam": "name", "pv_code": "province_code", "provincie_naam": "province"})


@lru_cache(maxsize=1)
def population() -> pd.DataFrame:
    """Population on 1 January (and density per km² land) per municipality, 2014-2024 (CBS 37259)."""
    df = _read("bevolking_1jan_gemeente_2014_2024.csv")
    df["year"] = df["year"].astype(int)
    df["population"] = df["inwoners_1jan"].astype(int)
    df["density"] = pd.to_numeric(df["bevolkingsdichtheid_per_km2_land"]).astype("Int64")
    return df[["year", "gm_code", "population", "density"]]


@lru_cache(maxsize=1)
def city_networks() -> pd.DataFrame:
    """G4 and G32/G40 members with their join date (``joined``; before 2009 for the original G27)."""
    df = _read("g4_g32_g40_lidmaatschap.csv")
    iso = df["lid_sinds"].str.extract(r"(\d{4}-\d{2}-\d{2})")[0]
    df["joined"] = pd.to_datetime(iso).fillna(pd.Timestamp("2008-12-31"))
    df["g4"] = df["g4"].astype(int).astype(bool)
    return df


@lru_cache(maxsize=1)
def mergers() -> pd.DataFrame:
    """Code-change events 2015-2025 (old code -> successor, role, area share); ``klein_overlap`` excluded."""
    df = _read("herindelingen_2015_2025.csv")
    df = df[df["opvolger_rol"] != "klein_overlap"].copy()
    df["datum"] = pd.to_datetime(df["datum"])
    df["oppervlakte_aandeel"] = df["oppervlakte_aandeel"].astype(float)
    return df.reset_index(drop=True)


@lru_cache(maxsize=1)
def crosswalk() -> pd.DataFrame:
    """Municipality of any year 2014-2025 -> 2025 municipality (area share, main link)."""
    df = _read("crosswalk_gemeente_naar_2025.csv")
    df["van_jaar"] = df["van_jaar"].astype(int)
    df["aandeel_oppervlakte"] = df["aandeel_oppervlakte"].astype(float)
    df["hoofdkoppeling"] = df["hoofdkoppeling"] == "True"
    return df


def _check_year(year: int, allowed: range = YEARS) -> int:
    year = int(year)
    if year not in allowed:
        raise ValueError(f"year must be in {allowed.start}-{allowed.stop - 1}, got {year}")
    return year


def size_class_cbs(pop: pd.Series) -> pd.Series:
    """CBS gemeentegrootteklasse (1-8) from the number of inhabitants; NA where population is missing."""
    bounds = [b for b, _ in CBS_SIZE_CLASSES.values()] + [np.inf]
    out = pd.cut(pop.astype(float), bins=bounds, right=False, labels=list(CBS_SIZE_CLASSES))
    return out.astype("Int64")


def size_class(pop: pd.Series) -> pd.Series:
    """The coarse 4-class size variable used in reports (ordered categorical, Dutch labels)."""
    return pd.cut(
        pop.astype(float), bins=[*SIZE_CLASS_BOUNDS, np.inf], right=False,
        labels=SIZE_CLASS_LABELS, ordered=True,
    )


def city_network_membership(year: int) -> pd.DataFrame:
    """G4 and G32/G40 membership on 1 January of ``year`` (gm_code, g4, g32) for all listed cities."""
    year = _check_year(year)
    ref = pd.Timestamp(date(year, 1, 1))
    net = city_networks()
    g32 = (~net["g4"]) & (net["joined"] <= ref)
    return pd.DataFrame({"gm_code": net["gm_code"], "g4": net["g4"], "g32": g32})


def g32_members_on(day: date | str) -> list[str]:
    """CBS codes of the G32 network members (G4 excluded) on ``day``, by their join date (``lid_sinds``)."""
    ref = pd.Timestamp(day)
    net = city_networks()
    return sorted(net.loc[(~net["g4"]) & (net["joined"] <= ref), "gm_code"])


def g4_members() -> list[str]:
    """CBS codes of the G4 (Amsterdam, Rotterdam, Den Haag, Utrecht)."""
    net = city_networks()
    return sorted(net.loc[net["g4"], "gm_code"])


@cache
def _register(year: int) -> pd.DataFrame:
    base = municipalities_by_year()
    reg = base[base["year"] == year].drop(columns="year").copy()
    pop = population()
    reg = reg.merge(pop[pop["year"] == year].drop(columns="year"), on="gm_code", how="left", validate="1:1")
    reg["population"] = reg["population"].astype("Int64")
    net = city_network_membership(year)
    reg = reg.merge(net, on="gm_code", how="left", validate="1:1")
    reg["g4"] = reg["g4"].astype("boolean").fillna(False).astype(bool)
    reg["g32"] = reg["g32"].astype("boolean").fillna(False).astype(bool)
    reg["size_class_cbs"] = size_class_cbs(reg["population"])
    reg["size_class"] = size_class(reg["population"])
    reg.insert(0, "year", year)
    return reg.sort_values("gm_code", kind="stable").reset_index(drop=True)


def register(year: int) -> pd.DataFrame:
    """The municipality register on 1 January of ``year`` (2014-2025), one row per municipality.

    Columns: year, gm_code, name, province_code, province, population, density, g4, g32, size_class_cbs,
    size_class. Population and density are NA for 2025 (not yet in the shipped CBS data).
    """
    return _register(_check_year(year)).copy()


# --------------------------------------------------------------------------- name resolution


def normalize_name(text: str) -> str:
    """Fold a municipality name as people type it: case, diacritics, quotes, hyphens, 'gemeente', a/d."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"[’‘`´']", "", s)
    s = re.sub(r"\ba\s*/\s*d\b|\ba\.d\.?(?=\s)", " aan den ", s)
    s = re.sub(r"[-–—_.,;:/()\[\]\"]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"^(de )?gemeente\s+", "", s)
    s = re.sub(r"\s+gemeente$", "", s)
    s = re.sub(r"\bst\b", "sint", s)
    s = re.sub(r"\baan den?\b", "ad", s)
    return s


def _base_name(norm: str) -> str:
    """Drop a trailing CBS province suffix such as 'nh', 'l', 'o', 'zh', 'z', 'gld' from a folded name."""
    return re.sub(r" (nh|l|o|zh|z|gld|u|gr|dr|fr|nb|lb|fl)$", "", norm)


@dataclass(frozen=True)
class _NameEntry:
    code: str
    name: str
    province_code: str


@lru_cache(maxsize=1)
def _name_index() -> dict[str, set[_NameEntry]]:
    idx: dict[str, set[_NameEntry]] = {}

    def add(key: str, entry: _NameEntry) -> None:
        idx.setdefault(key, set()).add(entry)

    yearly = municipalities_by_year()[["gm_code", "name", "province_code"]].drop_duplicates()
    periods = code_periods()[["gm_code", "name", "province_code"]]
    for row in pd.concat([yearly, periods]).drop_duplicates().itertuples(index=False):
        entry = _NameEntry(row.gm_code, row.name, row.province_code)
        norm = normalize_name(row.name)
        add(norm, entry)
        base = _base_name(norm)
        if base != norm:
            add(base, entry)
    for alias, official in ALIASES.items():
        for entry in idx.get(normalize_name(official), set()):
            add(normalize_name(alias), entry)
    return idx


def _province_code(province: str) -> str:
    p = str(province).strip()
    if re.fullmatch(r"(?i)pv\d{2}", p):
        return p.upper()
    norm = normalize_name(p)
    for code, name in PROVINCES.items():
        if normalize_name(name) == norm:
            return code
    if norm in _PROVINCE_ALIASES:
        return _PROVINCE_ALIASES[norm]
    raise ValueError(f"unknown province {province!r}; use a name or a PVxx code")


def _valid_on(code: str, when: pd.Timestamp) -> bool:
    """Whether ``code`` is a municipality on date ``when`` (a code can have several periods, e.g.
    GM0620 Vianen moved from Zuid-Holland to Utrecht in 2002)."""
    p = code_periods()
    rows = p[p["gm_code"] == code]
    return bool(((rows["begindatum"] <= when) & (rows["einddatum"].isna() | (rows["einddatum"] > when))).any())


def successors_on(code: str, year: int) -> dict[str, float]:
    """Where the territory of ``code`` lies on 1 January of ``year``: {code: area share} (codes of that year).

    A code that still exists maps to itself. A code that began after that date through a rename maps back
    to its predecessor (e.g. GM1940 De Fryske Marren -> GM1921 for 2015).
    """
    when = pd.Timestamp(date(_check_year(year), 1, 1))
    if _valid_on(code, when):
        return {code: 1.0}
    ev = mergers()
    periods = code_periods()
    row = periods[periods["gm_code"] == code]
    if row.empty:
        raise UnknownMunicipalityError(f"{code} is not a CBS municipality code", code, [])
    if row["begindatum"].min() > when:
        renamed = ev[(ev["nieuwe_gm_code"] == code) & (ev["type_wijziging"] == "nieuwe_code_naamswijziging")]
        if len(renamed) == 1 and _valid_on(renamed["oude_gm_code"].iloc[0], when):
            return {renamed["oude_gm_code"].iloc[0]: 1.0}
        raise UnknownMunicipalityError(
            f"{code} ({row['name'].iloc[0]}) did not exist yet on {when.date()}", code, []
        )
    shares: dict[str, float] = {}
    frontier = {code: 1.0}
    while frontier:
        nxt: dict[str, float] = {}
        for c, share in frontier.items():
            if _valid_on(c, when):
                shares[c] = shares.get(c, 0.0) + share
                continue
            out = ev[(ev["oude_gm_code"] == c) & (ev["datum"] <= when)]
            if out.empty:
                raise UnknownMunicipalityError(f"{code} has no successor on {when.date()}", code, [])
            total = out["oppervlakte_aandeel"].sum()
            for r in out.itertuples(index=False):
                nxt[r.nieuwe_gm_code] = nxt.get(r.nieuwe_gm_code, 0.0) + share * r.oppervlakte_aandeel / total
        frontier = nxt
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))


def _describe(code: str) -> str:
    p = code_periods()
    row = p[p["gm_code"] == code].sort_values("begindatum").iloc[-1]
    return f"{code} ({row['name']}, {row['province']})"


def resolve(text: object, year: int | None = None, province: str | None = None) -> str:
    """Resolve a CBS code, a number (363, '0363') or a free-text name to a ``GMxxxx`` code.

    With ``year`` the answer is a municipality of 1 January of that year (names of municipalities that
    merged since resolve to their successor). Raises :class:`AmbiguousMunicipalityError` or
    :class:`UnknownMunicipalityError` (both ``LookupError``) with the candidates.
    """
    if year is not None:
        year = _check_year(year)
    if text is None or (isinstance(text, float) and np.isnan(text)):
        raise UnknownMunicipalityError("empty municipality", text, [])
    raw = str(text).strip()
    if isinstance(text, (int, np.integer)) or re.fullmatch(r"(?i)(gm)?\s*\d{1,4}(\.0)?", raw):
        digits = re.sub(r"\D", "", raw.split(".")[0])
        codes = [f"GM{int(digits):04d}"]
    else:
        norm = normalize_name(raw)
        if not norm:
            raise UnknownMunicipalityError(f"empty municipality {text!r}", text, [])
        idx = _name_index()
        entries = idx.get(norm) or idx.get(_base_name(norm)) or set()
        if not entries:
            from rapidfuzz import process

            best = process.extract(norm, list(idx), limit=5)
            names = list(dict.fromkeys(e.name for key, _, _ in best for e in sorted(idx[key], key=str)))
            raise UnknownMunicipalityError(
                f"unknown municipality {raw!r}; closest: {', '.join(names)}", text, names
            )
        if province is not None:
            pv = _province_code(province)
            entries = {e for e in entries if e.province_code == pv}
            if not entries:
                raise UnknownMunicipalityError(f"no municipality {raw!r} in province {province}", text, [])
        codes = sorted({e.code for e in entries})
    if year is None:
        periods = code_periods()
        known = periods[periods["gm_code"].isin(codes)]
        if known.empty:
            raise UnknownMunicipalityError(f"{codes[0]} is not a CBS municipality code", text, [])
        current = known[known["einddatum"].isna()]
        pool = current if len(current) else known
        if pool["gm_code"].nunique() > 1:
            cands = [_describe(c) for c in sorted(pool["gm_code"])]
            raise AmbiguousMunicipalityError(
                f"{raw!r} is ambiguous: {'; '.join(cands)} (pass province= to choose)", text, cands
            )
        return pool["gm_code"].iloc[0]
    targets: set[str] = set()
    unknown: list[MunicipalityLookupError] = []
    for c in codes:
        try:
            succ = successors_on(c, year)
        except MunicipalityLookupError as err:
            unknown.append(err)
            continue
        if len(succ) > 1 and len(codes) == 1:
            cands = [f"{_describe(s)}: {share:.0%} of the area" for s, share in succ.items()]
            raise AmbiguousMunicipalityError(
                f"{raw!r} was split; on 1 January {year} its territory lies in: {'; '.join(cands)}",
                text, list(succ),
            )
        targets.update(succ)
    if not targets:
        if unknown:
            raise UnknownMunicipalityError(str(unknown[0]), text, [])
        raise UnknownMunicipalityError(f"{raw!r} resolves to no municipality in {year}", text, [])
    if len(targets) > 1:
        cands = [_describe(c) for c in sorted(targets)]
        raise AmbiguousMunicipalityError(
            f"{raw!r} is ambiguous in {year}: {'; '.join(cands)} (pass province= to choose)", text, cands
        )
    return targets.pop()


@lru_cache(maxsize=4)
def search_name_sources(year: int) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """Like :func:`search_names`, with why each name finds the municipality: per folded name the
    (relation, official name) pairs it comes from; relation ``same`` (its own name, an alias or another
    name of the same code), ``earlier`` (a municipality that went up in it by 1 January ``year``) or
    ``later`` (a municipality it became part of, or was renamed to, after that date)."""
    year = _check_year(year)
    when = pd.Timestamp(date(year, 1, 1))
    codes = set(register(year)["gm_code"])
    ev = mergers()
    before: dict[str, set[str]] = {}  # old -> new, boundary changes up to the date
    after: dict[str, set[str]] = {}  # new -> old, boundary changes after the date
    for r in ev[["oude_gm_code", "nieuwe_gm_code", "datum"]].itertuples(index=False):
        if r.datum <= when:
            before.setdefault(r.oude_gm_code, set()).add(r.nieuwe_gm_code)
        else:
            after.setdefault(r.nieuwe_gm_code, set()).add(r.oude_gm_code)

    def walk(code: str, edges: dict[str, set[str]]) -> set[str]:
        found, frontier, seen = set(), [code], set()
        while frontier:
            c = frontier.pop()
            if c in seen:
                continue
            seen.add(c)
            if c in codes:
                found.add(c)
            else:
                frontier.extend(sorted(edges.get(c, ())))
        return found

    memo: dict[str, tuple[set[str], str]] = {}
    out: dict[str, dict[str, set[tuple[str, str]]]] = {c: {} for c in codes}
    for key, entries in _name_index().items():
        for e in entries:
            if e.code not in memo:
                found = walk(e.code, before)
                memo[e.code] = (found, "same" if e.code in codes else "earlier") if found else (
                    walk(e.code, after), "later")
            targets, relation = memo[e.code]
            for t in targets:
                out[t].setdefault(key, set()).add((relation, e.name))
    return {c: {k: sorted(v) for k, v in sorted(keys.items())} for c, keys in sorted(out.items())}


def search_names(year: int) -> dict[str, list[str]]:
    """For every municipality of 1 January ``year``: the folded names (:func:`normalize_name`) by which
    :func:`resolve` finds it: its own name, the aliases people type (Den Haag, Den Bosch, Frisian spellings),
    names of municipalities that merged into it before that date and names of the municipalities it became
    part of later. A site's search box uses these, so it knows the same names as ``resolve``."""
    return {c: list(keys) for c, keys in search_name_sources(year).items()}


def to_2025(code: str, year: int | None = None) -> pd.DataFrame:
    """The 2025 municipality (or municipalities, with area share) of ``code`` as it was in ``year``.

    Without ``year`` the latest year in which the code existed is used. Columns: gm_code_2025, name_2025,
    area_share, main (True for the largest share).
    """
    cw = crosswalk()
    rows = cw[cw["van_gm_code"] == code]
    if rows.empty:
        raise UnknownMunicipalityError(f"{code} is not a municipality of 2014-2025", code, [])
    y = int(rows["van_jaar"].max()) if year is None else _check_year(year)
    rows = rows[rows["van_jaar"] == y]
    if rows.empty:
        raise UnknownMunicipalityError(f"{code} did not exist on 1 January {y}", code, [])
    out = rows.rename(columns={
        "naar_gm_code_2025": "gm_code_2025", "naar_naam_2025": "name_2025",
        "aandeel_oppervlakte": "area_share", "hoofdkoppeling": "main",
    })[["gm_code_2025", "name_2025", "area_share", "main"]]
    return out.sort_values(["area_share", "gm_code_2025"], ascending=[False, True]).reset_index(drop=True)
