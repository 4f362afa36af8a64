"""Zelfscan answer files: written in the survey-export format (:func:`write_answers`) and read back through
the project's one cleaner (:func:`read_answers`: Part A via :func:`wijkteam_stats.clean.clean_survey`, the
Part B columns -- which the cleaner leaves aside -- via the cleaner's own reader).

An *answers* dict is what the page and the template hold for one municipality::

    {"gm_code": "GM0363", "wave": 2015, "status": "compleet", "filled_in": "2026-12-07T10:30",
     "who": "adviesraad", "role": "secretaris", "a": {question: value}, "b": {item: answer}, "b_notes": {item: text}}

Part A values: an option code (single), ``true``/``false`` (yes/no), an integer (count), a list of option codes
(multi), ``{group: [forms]}`` (grid), a text; ``"weet_niet"`` where the form allows it; absent when not asked.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wijkteam_stats.clean import SurveyFileError, clean_survey
from wijkteam_stats.clean.shapes import locate
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.handreiking import load_handreiking
from wijkteam_stats.reference.provenance import validate_record
from wijkteam_stats.reference.writers import atomic_write_text
from wijkteam_stats.reference.zelfscan_form import (
    NO,
    NOTE_SUFFIX,
    PART_B_PREFIX,
    ROLE_HEADER,
    WEET_NIET,
    WHO_HEADER,
    YES,
    columns,
    questionnaire,
)

WN = "weet_niet"
TEMPLATE_SHEET = "Antwoorden"
SOURCE = "zelfscan sociale (wijk)teams (wijkteam-stats)"


def _cell(col: dict[str, Any], answers: dict[str, Any], labels: dict[str, dict[str, str]],
          b_labels: dict[str, str]) -> str:
    kind, name = col["kind"], col["name"]
    a = answers.get("a", {})
    if kind == "meta":
        if name == "status":
            return "Compleet" if answers.get("status", "compleet") == "compleet" else "Gedeeltelijk"
        if name == "ingevuld_op":
            return str(answers.get("filled_in", "")).replace("T", " ")
        return str(answers.get(name, ""))
    if kind == "who":
        return str(answers.get("who", ""))
    if kind == "role":
        return str(answers.get("role", ""))
    if kind == "part_b":
        v = answers.get("b", {}).get(name)
        return b_labels.get(v, "") if v else ""
    if kind == "part_b_note":
        return str(answers.get("b_notes", {}).get(name, "") or "")
    v = a.get(name)
    if v is None:
        return ""
    if v == WN:
        return WEET_NIET
    if kind == "single":
        return labels[name][v]
    if kind == "yesno":
        return YES if v else NO
    if kind == "count":
        return str(int(v))
    if kind == "text":
        return str(v)
    if kind == "tick":
        chosen = v.get(col["group"]) if "group" in col else v
        if chosen is None:
            return ""
        if chosen == WN:
            return WEET_NIET
        return YES if col["option"] in chosen else NO
    raise ValueError(f"unknown column kind {kind!r}")


def answers_rows(answers: list[dict[str, Any]], wave: int) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an answers file (one row per answers dict)."""
    cols = columns(wave)
    labels = {q.name: {o["code"]: o["label"] for o in q.options} for q in questionnaire(wave)}
    b_labels = {x["code"]: x["label"] for x in load_handreiking().answers}
    rows = [[_cell(c, ans, labels, b_labels) for c in cols] for ans in answers]
    return [c["header"] for c in cols], rows


def answers_csv(answers: list[dict[str, Any]], wave: int) -> str:
    """The answers as CSV text (semicolon-separated, every cell quoted where needed; no BOM)."""
    header, rows = answers_rows(answers, wave)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def provenance_record(answers: dict[str, Any]) -> dict[str, Any]:
    """The small provenance record (``.meta.json``) of a zelfscan answers file: self-reported, who, role, date."""
    return validate_record({
        "synthetic": False, "kind": "self-reported", "source": SOURCE,
        "how_made": "zelf ingevuld in de zelfscan (pagina of Excel-sjabloon)",
        "who": answers.get("who") or "gemeente", "role": answers.get("role"),
        "date": str(answers.get("filled_in", ""))[:10], "wave": int(answers["wave"]), "gm_code": answers["gm_code"],
    }, f"zelfscan answers of {answers.get('gm_code')}")


def write_answers(answers: dict[str, Any], folder: str | Path, stem: str | None = None) -> Path:
    """Write ``<stem>.csv`` (UTF-8 with BOM, as Excel opens it) and its ``<stem>.meta.json``; returns the CSV."""
    stem = stem or f"zelfscan_{answers['gm_code']}_{answers['wave']}"
    folder = Path(folder)
    csv_path = folder / f"{stem}.csv"
    atomic_write_text(csv_path, "\ufeff" + answers_csv([answers], int(answers["wave"])))
    atomic_write_text(folder / f"{stem}.meta.json",
                      json.dumps(provenance_record(answers), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return csv_path


# --------------------------------------------------------------------------- reading back


@dataclass
class ZelfscanFile:
    """One municipality's answers as read from a file: the tidy row (through the cleaner) and Part B."""

    path: Path
    gm_code: str
    tidy: dict[str, Any]
    answers: dict[str, Any]


def _py(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _part_a(row: dict[str, Any], wave: int) -> dict[str, Any]:
    """Part A values (answers-dict form) from a tidy row; unanswered questions left out."""
    out: dict[str, Any] = {}
    for q in questionnaire(wave):
        if q.type in ("single", "yesno", "count", "text"):
            v = row.get(q.name)
            if v is not None:
                out[q.name] = int(v) if q.type == "count" else (bool(v) if q.type == "yesno" else str(v))
        elif q.type == "multi":
            vals = {o["code"]: row.get(f"{q.name}__{o['code']}") for o in q.options}
            if any(v is not None for v in vals.values()):
                out[q.name] = [c for c, v in vals.items() if v]
        elif q.type == "grid":
            grid = {}
            for g in q.options:
                vals = {f["code"]: row.get(f"{q.name}__{g['code']}__{f['code']}") for f in q.forms}
                if any(v is not None for v in vals.values()):
                    grid[g["code"]] = [c for c, v in vals.items() if v]
            if grid:
                out[q.name] = grid
    return out


def _weet_niet_marks(raw_row: dict[str, str], wave: int) -> dict[str, Any]:
    """Questions answered 'Weet niet' in the file (the cleaner reads them as missing)."""
    marks: dict[str, Any] = {}
    for c in columns(wave):
        if raw_row.get(c["header"], "").strip().lower() != WEET_NIET.lower() or c["kind"] in ("part_b",):
            continue
        if c["kind"] == "tick" and "group" in c:
            marks.setdefault(c["name"], {})[c["group"]] = WN
        else:
            marks[c["name"]] = WN
    return marks


def read_answers(path: str | Path, wave: int) -> list[ZelfscanFile]:
    """Every municipality's answers in a zelfscan file (CSV or the filled XLSX template): Part A through the
    cleaner, Part B and who filled it in from the columns the cleaner leaves aside."""
    path = Path(path)
    cb = load_codebook().for_wave(wave)
    sheet = TEMPLATE_SHEET if path.suffix.lower() in (".xlsx", ".xlsm") else None  # the template's answers sheet
    # a zelfscan is filled in at any time: its date says when, not which wave (no fieldwork window)
    result = clean_survey(path, wave, sheet=sheet, keep_outside_fieldwork=True)
    table = result.table
    if table.empty:
        reasons = sorted({str(r) for r in result.log.get("reason", []) if str(r) and str(r) != "nan"})
        raise SurveyFileError(f"{path}: no municipality's answers could be read from this file"
                              + (f" ({'; '.join(reasons)})" if reasons else ""))
    raw = locate(path, cb, sheet)
    headers = [str(h).strip() for h in raw.headers]
    raw_rows = [dict(zip(headers, (str(x) for x in cells), strict=False)) for cells in raw.cells]
    b_codes = {x["label"].lower(): x["code"] for x in load_handreiking().answers}
    by_code: dict[str, dict[str, str]] = {}
    code_header = next((h for h in headers if h.lower() in ("cbs gemeentecode", "gemeentecode", "gm_code")), None)
    for r in raw_rows:
        key = (r.get(code_header or "", "") or "").strip().upper()
        if key:
            by_code[key] = r
    out = []
    for rec in table.to_dict(orient="records"):
        row = {k: _py(v) for k, v in rec.items()}
        code = str(row["gm_code"])
        raw_row = by_code.get(code, raw_rows[0] if len(raw_rows) == 1 else {})
        part_a = _part_a(row, wave)
        for name, mark in _weet_niet_marks(raw_row, wave).items():
            if isinstance(mark, dict):
                part_a.setdefault(name, {}).update(mark)
            else:
                part_a[name] = mark
        b, notes = {}, {}
        for h, v in raw_row.items():
            if not h.startswith(PART_B_PREFIX):
                continue
            item = h[len(PART_B_PREFIX):]
            if item.endswith(NOTE_SUFFIX):
                if v.strip():
                    notes[item[: -len(NOTE_SUFFIX)]] = v.strip()
            elif v.strip():
                if v.strip().lower() not in b_codes:
                    raise ValueError(f"{path}: column {h!r}: {v!r} is not one of "
                                     f"{', '.join(x['label'] for x in load_handreiking().answers)}")
                b[item] = b_codes[v.strip().lower()]
        filled = row.get("ingevuld_op")
        answers = {"gm_code": code, "wave": int(wave), "status": row.get("status") or "compleet",
                   "filled_in": None if filled is None else pd.Timestamp(filled).isoformat(timespec="minutes"),
                   "who": (raw_row.get(WHO_HEADER) or "").strip() or None,
                   "role": (raw_row.get(ROLE_HEADER) or "").strip() or None,
                   "a": part_a, "b": b, "b_notes": notes}
        out.append(ZelfscanFile(path, code, row, answers))
    return out
