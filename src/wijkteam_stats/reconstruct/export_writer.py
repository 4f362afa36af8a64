"""``write_export``: a tidy survey table written as a raw survey-tool export (used by the reconstruction).

``write_export`` is the inverse of :func:`wijkteam_stats.clean.clean_survey`: it writes a tidy table the way
a survey tool exports it (Dutch numbered question texts as headers, Dutch answer labels, multi-select
questions as one column per option or one list column, the involvement grid as "<group> - <form>" columns,
status and timestamp columns, optional personal-data columns). ``clean_survey`` reads the result back into
the same tidy table. Output is deterministic: the same table and arguments give byte-identical CSV and XLSX
files (SAV: the file header's creation time is fixed as well). ``seed`` adds realistic mess (shuffled
columns, header and label variants, name spellings) reproducibly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wijkteam_stats.clean.answers import Answers, _choice, _label_lookup
from wijkteam_stats.clean.headers import HeaderIndex
from wijkteam_stats.clean.schema import validate_tidy
from wijkteam_stats.reference import municipalities as m
from wijkteam_stats.reference.codebook import Codebook, Variable, load_codebook
from wijkteam_stats.reference.wave_settings import load_wave_settings
from wijkteam_stats.reference.writers import _write_xlsx, safe_to_csv

# --------------------------------------------------------------------------- the export layout


@dataclass
class _Column:
    short: str  # tidy-like name (SAV variable name with headers="short")
    header: str  # Dutch header as a survey tool writes it
    kind: str  # "label", "tick", "count", "datetime", "text"
    values: list  # per row: label str / True-False-None tick / int / Timestamp / str / None
    alts: list[str] = field(default_factory=list)  # other headers tools write for it (aliases)


def _number_questions(cb: Codebook) -> dict[str, str]:
    numbers, n = {}, 0
    for v in cb.variables:
        if v.role != "substantive":
            continue
        if v.name.endswith("_anders") and n:
            numbers[v.name] = f"{n}a."
        else:
            n += 1
            numbers[v.name] = f"{n}."
    return numbers


def _labels_of(series: pd.Series, v: Variable) -> list[str | None]:
    labels = {o.code: o.label for o in v.options}
    if v.type == "yesno":
        return [None if pd.isna(x) else ("Ja" if bool(x) else "Nee") for x in series]
    return [None if pd.isna(x) else labels[str(x)] for x in series]


def _register_names(wave: int, cb: Codebook) -> dict[str, str]:
    reg = m.register(cb.register_year(wave))
    return dict(zip(reg["gm_code"], reg["name"], strict=True))


def _build_columns(tidy: pd.DataFrame, cb: Codebook, *, multi_shape: str, personal: pd.DataFrame | None,
                   municipality_as: str, municipality: Sequence | None, list_sep: str) -> list[_Column]:
    numbers = _number_questions(cb)
    wave = int(tidy["wave"].iloc[0]) if len(tidy) else 2015
    cols: list[_Column] = []
    by_name = {v.name: v for v in cb.variables}

    def q(v: Variable) -> str:
        return f"{numbers[v.name]} {v.question}" if v.name in numbers else v.question

    def alts(v: Variable) -> list[str]:
        return [a[:1].upper() + a[1:] for a in v.aliases]

    for name in ("status", "ingevuld_op"):
        if name in by_name and name in tidy:
            v = by_name[name]
            kind = "datetime" if v.type == "datetime" else "label"
            vals = list(tidy[name]) if kind == "datetime" else _labels_of(tidy[name], v)
            cols.append(_Column(name, v.question, kind, vals, alts(v)))
    muni = next(v for v in cb.variables if v.type == "municipality")
    if municipality_as == "code":
        given = tidy["gm_code"].astype(str).tolist()
        cols.append(_Column("gm_code", "CBS gemeentecode", "municipality", given,
                            ["Gemeentecode", "CBS code", "Code gemeente"]))
    elif municipality_as == "name":
        names = _register_names(wave, cb)
        given = [None if pd.isna(c) else names[str(c)] for c in tidy["gm_code"]]
        cols.append(_Column("gemeente", "Gemeente", "municipality", given,
                            [a[:1].upper() + a[1:] for a in muni.aliases if "code" not in a]))
    else:
        raise ValueError(f"municipality_as must be 'name' or 'code', not {municipality_as!r}")
    if municipality is not None:
        if len(municipality) != len(tidy):
            raise ValueError(f"municipality has {len(municipality)} values, the tidy table {len(tidy)} rows")
        cols[-1].values = [None if x is None or pd.isna(x) else str(x) for x in municipality]
    if personal is not None:
        if len(personal) != len(tidy):
            raise ValueError(f"personal has {len(personal)} rows, the tidy table {len(tidy)}")
        for v in cb.personal:
            col = v.name if v.name in personal else (v.question if v.question in personal else None)
            if col is not None:
                vals = [None if pd.isna(x) else str(x) for x in personal[col]]
                cols.append(_Column(v.name, v.question, "text", vals, alts(v)))
    for v in cb.variables:
        if v.role != "substantive":
            continue
        if v.type in ("single", "yesno"):
            cols.append(_Column(v.name, q(v), "label", _labels_of(tidy[v.name], v), alts(v)))
        elif v.type == "count":
            vals = [None if pd.isna(x) else int(x) for x in tidy[v.name]]
            cols.append(_Column(v.name, q(v), "count", vals, alts(v)))
        elif v.type in ("text", "datetime"):
            vals = [None if pd.isna(x) else x for x in tidy[v.name]]
            cols.append(_Column(v.name, q(v), v.type, vals, alts(v)))
        elif v.type == "multi":
            cols += _option_columns(tidy, v.name, q(v), alts(v), v.options, multi_shape, list_sep)
        elif v.type == "grid":
            for g in v.groups:
                prefix = f"{v.name}__{g.code}"
                if multi_shape == "list":
                    heads = [f"{a} - {g.label}" for a in alts(v)] + [g.label]
                    cols += _option_columns(tidy, prefix, f"{q(v)} - {g.label}", heads, v.forms, "list", list_sep)
                else:
                    heads = [a[:1].upper() + a[1:] for a in g.aliases]
                    cols += _option_columns(tidy, prefix, g.label, heads, v.forms, "columns", list_sep)
    return _checked_alternatives(cols, cb)


def _checked_alternatives(cols: list[_Column], cb: Codebook) -> list[_Column]:
    """Keep only alternative headers that the cleaning step maps to the same column as the canonical one."""
    index = HeaderIndex(cb)
    for c in cols:
        target = index.match(c.header)
        c.alts = [a for a in c.alts if index.match(a) == target]
    return cols


def _option_columns(tidy: pd.DataFrame, prefix: str, question: str, heads: list[str], options, shape: str,
                    list_sep: str) -> list[_Column]:
    if shape == "columns":
        return [
            _Column(f"{prefix}__{o.code}", f"{question} - {o.label}", "tick",
                    [None if pd.isna(x) else bool(x) for x in tidy[f"{prefix}__{o.code}"]],
                    [f"{h} - {o.label}" for h in heads] + [f"{question} - {a}" for a in o.aliases])
            for o in options
        ]
    if shape != "list":
        raise ValueError(f"multi_shape must be 'columns' or 'list', not {shape!r}")
    block = tidy[[f"{prefix}__{o.code}" for o in options]]
    vals = []
    for row in block.itertuples(index=False, name=None):
        picked = [o.label for o, x in zip(options, row, strict=True) if not pd.isna(x) and bool(x)]
        vals.append(list_sep.join(picked) if picked else None)
    return [_Column(prefix, question, "text", vals, heads)]


# --------------------------------------------------------------------------- mess (seeded variants)


class _Mess:
    """Seeded, reproducible variation of headers and labels as different survey tools write them."""

    def __init__(self, seed: int | None, cb: Codebook):
        self.rng = np.random.default_rng(seed) if seed is not None else None
        self.cb = cb

    def pick(self, options: Sequence):
        return options[int(self.rng.integers(len(options)))] if self.rng is not None else options[0]

    def header(self, text: str, alts: Sequence[str] = ()) -> str:
        if self.rng is None:
            return text
        kind = self.pick(["same", "same", "lower", "upper", "space", "qnum", "alias", "alias"])
        if kind == "alias" and alts:
            return self.pick(list(alts))
        if kind == "lower":
            return text.lower()
        if kind == "upper":
            return text.upper()
        if kind == "space":
            return text + "  "
        if kind == "qnum":
            return re.sub(r"^(\d+)([a-z]?)\. ", r"Q\1\2 ", text)
        return text

    def name(self, name: str) -> str:
        if self.rng is None:
            return name
        return self.pick([name, name, f"Gemeente {name}", name.upper(), name.lower(), f" {name} "])

    def code(self, code: str) -> str:
        if self.rng is None:
            return code
        digits = code[2:]
        return self.pick([code, code, code.lower(), digits, str(int(digits))])

    def variants(self, cb_labels: dict[str, list[str]], label: str | None) -> str | None:
        if label is None:
            return None if self.rng is None else self.pick([None, None, None, "Weet niet", "n.v.t.", "-"])
        if self.rng is None:
            return label
        return self.pick(cb_labels.get(label, [label]))


def _label_variants(cb: Codebook) -> dict[str, dict[str, list[str]]]:
    """Per variable: label -> spellings that clean back to the same answer (checked with the cleaner)."""
    answers = Answers(cb)
    out: dict[str, dict[str, list[str]]] = {}
    for v in cb.variables:
        if v.type not in ("single", "yesno"):
            continue
        table = _label_lookup(v, answers)
        pairs = [(o.label, o.code, [o.label, o.label.lower(), o.label.upper(), *o.aliases]) for o in v.options]
        if v.type == "yesno":
            pairs = [("Ja", True, ["Ja", "ja", "JA", "Yes"]), ("Nee", False, ["Nee", "nee", "NEE", "No"])]
        out[v.name] = {
            label: [s for s in spellings if _choice(s, table, answers) == (code, None, None)]
            for label, code, spellings in pairs
        }
    return out


# --------------------------------------------------------------------------- write_export


_TICKS = [("Ja", ""), ("1", "0"), ("x", ""), ("Aangevinkt", "Niet aangevinkt"), ("label", "")]


def write_export(tidy: pd.DataFrame, path: str | Path, *, fmt: str | None = None, delimiter: str = ";",
                 encoding: str = "utf-8-sig", decimal: str = ",", multi_shape: str = "columns",
                 headers: str = "question", personal: pd.DataFrame | None = None, municipality_as: str = "name",
                 seed: int | None = None, codebook: Codebook | None = None, sheet_name: str = "Resultaten",
                 date_format: str = "%d-%m-%Y %H:%M:%S", municipality: Sequence | None = None) -> Path:
    """Write a tidy table as a raw survey-tool export (CSV, XLSX or SAV) that ``clean_survey`` reads back.

    Defaults are the layout of the shipped SYNTHETIC export: CSV, ``;``, UTF-8 with BOM, decimal comma,
    Dutch numbered question texts, the municipality as its register name in a column "Gemeente",
    multi-select questions one column per option with "Ja" / "". ``fmt`` defaults to the file suffix
    (.xlsx, .sav, else CSV). ``personal``: a frame (same row order) with respondent_naam/_email/_telefoon.
    ``municipality``: per row the municipality cell as typed (overrides the name/code from gm_code, e.g.
    "Den Haag", "Gemeente Test"; rows may then be duplicates, test rows or empty). ``headers="short"``
    writes tidy-style names. ``seed`` adds reproducible mess: shuffled columns, header variants (case,
    spaces, "Q3" numbering, codebook aliases), label variants, name spellings, tick marks, list separator
    and date format.
    """
    cb = codebook or load_codebook()
    if "wave" in tidy.columns and len(tidy) and pd.notna(tidy["wave"].iloc[0]):
        cb = cb.for_wave(int(tidy["wave"].iloc[0]))  # the questions of the table's wave only
    path = Path(path)
    fmt = fmt or {".xlsx": "xlsx", ".sav": "sav"}.get(path.suffix.lower(), "csv")
    if fmt not in ("csv", "xlsx", "sav"):
        raise ValueError(f"fmt must be 'csv', 'xlsx' or 'sav', not {fmt!r}")
    if headers not in ("question", "short"):
        raise ValueError(f"headers must be 'question' or 'short', not {headers!r}")
    mess = _Mess(seed, cb)
    list_sep = mess.pick(["; ", ", ", ";"]) if seed is not None else "; "
    cols = _build_columns(tidy, cb, multi_shape=multi_shape, personal=personal, municipality_as=municipality_as,
                          municipality=municipality, list_sep=list_sep)
    if seed is not None:
        order = mess.rng.permutation(len(cols))
        cols = [cols[i] for i in order]
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "sav":
        return _write_sav(cols, path, headers, mess)
    variants = _label_variants(cb)
    tick_on, tick_off = mess.pick(_TICKS) if seed is not None else _TICKS[0]
    if seed is not None:
        date_format = mess.pick([date_format, "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S"])
    names, frame = [], {}
    for c in cols:
        header = c.short if headers == "short" else mess.header(c.header, c.alts)
        names.append(header)
        if c.kind == "label":
            vals = [mess.variants(variants.get(c.short, {}), x) for x in c.values]
        elif c.kind == "tick":
            label = c.header.rsplit(" - ", 1)[-1]
            on = label if tick_on == "label" else tick_on
            vals = [on if x else tick_off for x in c.values]
        elif c.kind == "datetime":
            if fmt == "xlsx":
                vals = [None if pd.isna(x) else pd.Timestamp(x) for x in c.values]
            else:
                vals = [None if pd.isna(x) else pd.Timestamp(x).strftime(date_format) for x in c.values]
        elif c.kind == "municipality" and municipality is None:
            vals = [mess.code(x) if municipality_as == "code" else mess.name(x) for x in c.values]
        else:
            vals = list(c.values)
        frame[len(names) - 1] = vals
    if fmt == "xlsx":
        rows = list(zip(*frame.values(), strict=True)) if frame else []
        return _write_xlsx(path, names, rows, sheet_name)
    df = pd.DataFrame({i: pd.Series(v, dtype="Int64" if cols[i].kind == "count" else object)
                       for i, v in frame.items()})
    df.columns = names
    return safe_to_csv(df, path, sep=delimiter, encoding=encoding, decimal=decimal)


def _write_sav(cols: list[_Column], path: Path, headers: str, mess: _Mess) -> Path:
    import pyreadstat

    data, labels, value_labels = {}, [], {}
    for i, c in enumerate(cols):
        name = c.short if headers == "short" else f"V{i + 1}"
        labels.append(mess.header(c.header, c.alts))
        if c.kind == "label":
            codes = {lab: k for k, lab in enumerate(dict.fromkeys(x for x in c.values if x is not None), 1)}
            value_labels[name] = {k: lab for lab, k in codes.items()}
            if {"Ja", "Nee"} >= set(codes):
                value_labels[name] = {1: "Ja", 0: "Nee"}
                codes = {"Ja": 1, "Nee": 0}
            data[name] = pd.Series([np.nan if x is None else float(codes[x]) for x in c.values], dtype=float)
        elif c.kind == "tick":
            answered = _answered_rows(cols, c)
            data[name] = pd.Series([1.0 if x else (0.0 if a else np.nan) for x, a in zip(c.values, answered,
                                                                                           strict=True)])
            value_labels[name] = {1: "Aangevinkt", 0: "Niet aangevinkt"}
        elif c.kind == "count":
            data[name] = pd.Series([np.nan if x is None else float(x) for x in c.values], dtype=float)
        elif c.kind == "datetime":
            data[name] = pd.Series([pd.NaT if x is None or pd.isna(x) else x for x in c.values],
                                   dtype="datetime64[ns]")
        else:
            data[name] = pd.Series(["" if x is None else str(x) for x in c.values], dtype=object)
    df = pd.DataFrame(data)
    pyreadstat.write_sav(df, str(path), column_labels=labels, variable_value_labels=value_labels)
    raw = bytearray(path.read_bytes())
    if raw[:4] == b"$FL2" and len(raw) > 109:
        raw[92:109] = b"01 Jan 0000:00:00"  # fixed creation date (9 bytes) and time (8 bytes)
        path.write_bytes(bytes(raw))
    return path


def _answered_rows(cols: list[_Column], col: _Column) -> list[bool]:
    """For a tick column: whether the row answered its question (any sibling option ticked)."""
    prefix = col.short.rsplit("__", 1)[0]
    siblings = [c for c in cols if c.kind == "tick" and c.short.rsplit("__", 1)[0] == prefix]
    return [any(bool(c.values[i]) for c in siblings) for i in range(len(col.values))]


# --------------------------------------------------------------------------- example tables


_TEXTS = [
    "Wij werken met een integrale toegang; zie ook het beleidsplan.",
    'Het team heet "Samen Sterk" en werkt wijkgericht.',
    "=SUM(A1:A3)",
    "<script>alert('x')</script>",
    "+ nog een opmerking",
    "-- vooral in de kernen",
    "@wijkteam: graag terugkoppeling",
    "Cliënten, mantelzorgers; vrijwilligers: iedereen doet mee.",
    "Eerste regel\nTweede regel",
    "Pilot in twee wijken, uitbreiding in 2016.",
]


def example_tidy(wave: int = 2015, n: int = 40, seed: int = 0, codebook: Codebook | None = None) -> pd.DataFrame:
    """A small seeded random tidy table that passes the schema (for tests and examples; NOT survey data)."""
    cb = (codebook or load_codebook()).for_wave(wave)
    rng = np.random.default_rng(seed)
    dtypes = cb.tidy_columns()
    reg = m.register(cb.register_year(wave))
    codes = sorted(rng.choice(reg["gm_code"].to_numpy(), size=n, replace=False).tolist())
    data: dict[str, list] = {c: [pd.NA] * n for c in dtypes}
    data["gm_code"] = codes
    data["wave"] = [int(wave)] * n
    fieldwork = load_wave_settings().get(int(wave))  # timestamps inside the fieldwork: the cleaner sets others aside
    start = pd.Timestamp(fieldwork.fieldwork_start if fieldwork else f"{int(wave)}-09-01")
    span = ((fieldwork.fieldwork_end - fieldwork.fieldwork_start).days + 1) * 86400 if fieldwork else 100 * 86400
    order = [v for v in cb.variables if v.role == "substantive"]
    for i in range(n):
        partial = rng.random() < 0.15
        data["status"][i] = "gedeeltelijk" if partial else "compleet"
        data["ingevuld_op"][i] = start + pd.Timedelta(seconds=int(rng.integers(0, 100 * 86400)) % span)
        row = _example_row(cb, rng)
        stop = int(rng.integers(1, len(order))) if partial else len(order)
        for v in order[stop:]:
            for c in v.columns():
                row[c] = pd.NA
        for c, x in row.items():
            data[c][i] = x
    df = pd.DataFrame({c: pd.Series(data[c], dtype="object").astype(dtypes[c]) for c in dtypes})
    return validate_tidy(df, wave, cb)


def _example_row(cb: Codebook, rng: np.random.Generator) -> dict[str, object]:
    row: dict[str, object] = {}

    def multi(v: Variable, p: float = 0.4) -> None:
        picks = rng.random(len(v.options)) < p
        if not picks.any():
            picks[int(rng.integers(len(v.options)))] = True
        row.update({f"{v.name}__{o.code}": bool(x) for o, x in zip(v.options, picks, strict=True)})

    has = str(rng.choice(["ja"] * 8 + ["nee_bewuste_keuze", "nee_gepland", "anders"]))
    row["has_teams"] = has
    if has == "anders":
        row["has_teams_anders"] = str(rng.choice(_TEXTS))
    row["needs_support_involving_residents"] = bool(rng.random() < 0.6)
    if rng.random() < 0.35:
        row["toelichting"] = str(rng.choice(_TEXTS))
    if has != "ja":
        return row
    row["n_teams"] = int(rng.integers(1, 41))
    multi(cb.variable("team_type"))
    if row["team_type__breed_integraal"]:
        row["problem_scope"] = str(rng.choice(cb.variable("problem_scope").option_codes()))
    multi(cb.variable("discipline"), 0.5)
    row["work_income_tasks"] = bool(rng.random() < 0.5)
    if row["work_income_tasks"]:
        multi(cb.variable("work_income_task"), 0.5)
    multi(cb.variable("goal"), 0.4)
    row["monitors_teams"] = bool(rng.random() < 0.7)
    grid = cb.variable("involvement")
    for g in grid.groups:
        if rng.random() < 0.1:
            continue
        cols = {f.code: f"{grid.name}__{g.code}__{f.code}" for f in grid.forms}
        if rng.random() < 0.3:
            row.update({c: code == grid.exclusive for code, c in cols.items()})
            continue
        forms = [f for f in grid.forms if f.code != grid.exclusive]
        picks = rng.random(len(forms)) < 0.4
        if not picks.any():
            picks[int(rng.integers(len(forms)))] = True
        row.update({cols[f.code]: bool(x) for f, x in zip(forms, picks, strict=True)})
        row[cols[grid.exclusive]] = False
    return row
