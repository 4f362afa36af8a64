"""Codebook overlays: a reviewable YAML file that maps one export's headers and answer values to the codebook.

``suggest_overlay(export, wave)`` reads an unknown export and proposes, for every header, the codebook
target (a variable ``n_teams``, an option column ``team_type__breed_integraal`` or a grid cell
``involvement__wijkbewoners__meedoen``) with a confidence (1.0: the codebook already knows the header;
below: fuzzy match of question texts and labels), and for every answer value of a choice question that the
codebook does not know the closest option. Unmatched headers and values are listed. A researcher reviews
the file (edit or delete lines) and passes it to ``clean_survey(..., overlay=FILE)`` /
``wijkteam clean EXPORT --codebook-overlay FILE``; neither Python nor the shipped codebook is edited.

File layout::

    wave: 2015
    source: export.csv
    date_order: null            # dmy or mdy when the timestamps cannot tell
    headers:                    # header as in the file -> target (null: ignore the column)
      "Hoeveel teams heeft u?": {target: n_teams, confidence: 0.91}
    values:                     # per variable: value as in the file -> option code (yes/no: true/false)
      has_teams:
        "Yes, we do": {target: ja, confidence: 0.88}
    unmatched: {headers: [...], values: {...}}

A plain ``header: target`` / ``value: code`` is accepted as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from rapidfuzz import fuzz, process

from wijkteam_stats.clean.answers import Answers, _choice, _label_lookup
from wijkteam_stats.clean.errors import SurveyFileError
from wijkteam_stats.clean.fold import fold, strip_numbering
from wijkteam_stats.clean.headers import HeaderIndex
from wijkteam_stats.clean.shapes import locate
from wijkteam_stats.reference.codebook import Codebook, load_codebook
from wijkteam_stats.reference.writers import atomic_write_text

SUGGEST_MIN = 60  # below this fuzzy score a header or value is listed as unmatched


@dataclass
class Overlay:
    """Header -> target name (None: ignore), variable -> {value: option code}, and a date order."""

    headers: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_order: str | None = None


def _target_of(entry) -> str | None:
    if isinstance(entry, dict):
        return entry.get("target")
    return None if entry is None else str(entry)


def load_overlay(path: str | Path, codebook: Codebook | None = None) -> Overlay:
    """Read and check an overlay file; errors name the file and the entry."""
    cb = codebook or load_codebook()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise SurveyFileError(f"{path}: not a readable overlay file (YAML): {err}", path) from err
    if not isinstance(data, dict):
        raise SurveyFileError(f"{path}: an overlay is a YAML mapping with 'headers' and 'values'", path)
    index = HeaderIndex(cb)
    headers: dict[str, str | None] = {}
    for header, entry in (data.get("headers") or {}).items():
        target = _target_of(entry)
        if target is not None and target.lower() not in index.exact:
            raise SurveyFileError(
                f"{path}: header '{header}' maps to '{target}', which is no variable, option column or grid cell "
                "of the codebook", path)
        headers[str(header)] = target
    values: dict[str, dict[str, str]] = {}
    for var, table in (data.get("values") or {}).items():
        try:
            v = cb.variable(str(var))
        except KeyError:
            raise SurveyFileError(f"{path}: values for '{var}', which is not a codebook variable", path) from None
        out = {}
        for raw, entry in (table or {}).items():
            target = _target_of(entry)
            if target is None:
                continue
            if v.type == "yesno":
                target = {"true": "Ja", "false": "Nee", "ja": "Ja", "nee": "Nee"}.get(str(target).lower(), target)
            elif v.type in ("single", "multi") and str(target) not in v.option_codes():
                raise SurveyFileError(f"{path}: value '{raw}' of '{var}' maps to '{target}', not an option code "
                                      f"of it ({', '.join(v.option_codes())})", path)
            out[str(raw)] = str(target)
        values[v.name] = out
    order = data.get("date_order")
    if order not in (None, "dmy", "mdy"):
        raise SurveyFileError(f"{path}: date_order must be dmy or mdy, not {order!r}", path)
    return Overlay(headers, values, order)


# --------------------------------------------------------------------------- suggestions


def _candidates(cb: Codebook) -> dict[str, str]:
    """Folded question/option texts -> target names, for fuzzy matching of headers."""
    out: dict[str, str] = {}

    def add(text: str, name: str) -> None:
        key = fold(strip_numbering(text))
        if key:
            out.setdefault(key, name)

    for v in cb.variables:
        qs = [v.question, *v.aliases]
        if v.type != "grid":
            for q in qs:
                add(q, v.name if v.type != "municipality" else v.name)
        if v.type == "multi":
            for o in v.options:
                for q in qs[:4]:
                    for lab in (o.label, *o.aliases):
                        add(f"{q} {lab}", f"{v.name}__{o.code}")
        if v.type == "grid":
            for g in v.groups:
                for glab in (g.label, *g.aliases):
                    add(glab, f"{v.name}__{g.code}")
                    for f in v.forms:
                        for flab in (f.label, *f.aliases):
                            add(f"{glab} {flab}", f"{v.name}__{g.code}__{f.code}")
    return out


def suggest_overlay(path: str | Path, wave: int, codebook: Codebook | None = None, *, sheet: str | None = None,
                    structure: str | Path | None = None) -> dict:
    """The overlay proposal for an export (a dict ready for :func:`write_overlay`)."""
    cb = (codebook or load_codebook()).for_wave(int(wave))
    cb.register_year(int(wave))  # KeyError for a wave the codebook does not know
    raw = locate(path, cb, sheet, structure)
    index = HeaderIndex(cb)
    cands = _candidates(cb)
    keys = list(cands)
    headers: dict[str, dict] = {}
    unmatched: list[str] = []
    columns: dict[int, str] = {}
    for i, header in enumerate(raw.headers):
        if i in raw.personal or (i in raw.preset) or not header.strip():
            continue
        label = raw.labels[i] if raw.labels else None
        t = index.match(header, label)
        if t is not None and t.kind != "ignore":
            name = t.describe() if t.kind != "value" else t.variable
            headers[header] = {"target": name, "confidence": 1.0}
            columns[i] = t.variable
            continue
        best = None
        for text in (header, label):
            if text:
                hit = process.extractOne(fold(strip_numbering(text)), keys, scorer=fuzz.token_sort_ratio)
                if hit and (best is None or hit[1] > best[1]):
                    best = hit
        if best is not None and best[1] >= SUGGEST_MIN:
            target = cands[best[0]]
            headers[header] = {"target": target, "confidence": round(best[1] / 100, 2)}
            columns[i] = target.split("__")[0]
        else:
            unmatched.append(header)
    values, unknown = _suggest_values(raw, columns, cb)
    return {
        "wave": int(wave), "source": Path(path).name, "tool": raw.tool or None, "date_order": None,
        "headers": headers, "values": values,
        "unmatched": {"headers": unmatched, "values": unknown},
    }


def _suggest_values(raw, columns: dict[int, str], cb: Codebook) -> tuple[dict, dict]:
    answers = Answers(cb)
    values: dict[str, dict] = {}
    unknown: dict[str, list[str]] = {}
    frame = raw.frame()
    for i, var in columns.items():
        v = cb.variable(var)
        if v.type not in ("single", "yesno"):
            continue
        table = _label_lookup(v, answers)
        labels = {fold(o.label): o.code for o in v.options}
        for o in v.options:
            for a in o.aliases:
                labels.setdefault(fold(a), o.code)
        if v.type == "yesno":
            labels.update({fold(x): "true" for x in ("ja", "yes")} | {fold(x): "false" for x in ("nee", "no")})
        for value in sorted({str(x).strip() for x in pd.unique(frame[i]) if str(x).strip()}):
            if answers.is_missing(value) or _choice(value, table, answers)[1] is None:
                continue
            hit = process.extractOne(fold(value), list(labels), scorer=fuzz.token_sort_ratio)
            if hit and hit[1] >= SUGGEST_MIN:
                values.setdefault(var, {})[value] = {"target": labels[hit[0]], "confidence": round(hit[1] / 100, 2)}
            else:
                unknown.setdefault(var, []).append(value)
    return values, unknown


def write_overlay(proposal: dict, out: str | Path) -> Path:
    """Write a proposal as a commented YAML overlay file."""
    head = (
        "# Codebook overlay, proposed by `wijkteam codebook suggest`. REVIEW every entry before use:\n"
        "# a confidence below 1.0 is a fuzzy guess. Edit a target, set it to null to ignore a column, or delete\n"
        "# the line. Targets: a variable (n_teams), an option column (team_type__breed_integraal) or a grid cell\n"
        "# (involvement__wijkbewoners__meedoen). Use it with: wijkteam clean EXPORT --codebook-overlay THIS_FILE\n"
    )
    text = head + yaml.safe_dump(proposal, sort_keys=False, allow_unicode=True, width=120)
    return atomic_write_text(Path(out), text)
