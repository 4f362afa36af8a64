"""The zelfscan's Excel template (``wijkteam assess template``): the answers sheet in the survey-export layout
(one header row from :func:`wijkteam_stats.reference.zelfscan_form.columns`, one row to fill in) with dropdowns
from the codebook and the handreiking items, an explanation sheet that says per column what it asks, which
answers are allowed and when to answer it, and the lists behind the dropdowns. A filled template is read by
``wijkteam assess`` and ``wijkteam clean`` like any export.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.handreiking import load_handreiking
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.writers import _normalise_xlsx, atomic_write_bytes
from wijkteam_stats.reference.zelfscan_form import columns, questionnaire
from wijkteam_stats.report.zelfscan_answers import TEMPLATE_SHEET

SHEET = TEMPLATE_SHEET


def _when(show_if: dict | None, labels: dict[str, str]) -> str:
    if show_if is None:
        return "altijd"
    col = show_if["column"]
    if col == "has_teams":
        vals = ", ".join(labels.get(str(v), str(v)) for v in show_if["equals"])
        return f"alleen als vraag 1 is beantwoord met: {vals}"
    name = col.split("__")[0]
    q = next(q for q in questionnaire() if q.name == name) if name else None
    if "__" in col:
        return f"alleen als bij vraag {q.number} '{col.split('__')[1].replace('_', ' ')}' is aangekruist"
    return f"alleen als vraag {q.number} met ja is beantwoord"


def write_template(wave: int, path: Path) -> Path:
    """Write the template for ``wave`` to ``path`` (byte-reproducible); returns the path."""
    cols = columns(wave)
    qs = {q.name: q for q in questionnaire(wave)}
    has_labels = {o["code"]: o["label"] for o in qs["has_teams"].options} if "has_teams" in qs else {}
    h = load_handreiking()
    items = {it["code"]: it for it in h.items()}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    lists = wb.create_sheet("Keuzelijsten")
    info = wb.create_sheet("Uitleg")
    lists["A1"] = "Keuzelijsten (niet wijzigen)"
    codes = sorted(register(load_codebook().register_year(wave))["gm_code"].astype(str))
    list_cols: dict[tuple[str, ...], str] = {}

    def list_range(values: list[str]) -> str:
        key = tuple(values)
        if key not in list_cols:
            letter = get_column_letter(len(list_cols) + 1)
            for i, v in enumerate(values, start=2):
                lists[f"{letter}{i}"] = v
            list_cols[key] = f"Keuzelijsten!${letter}$2:${letter}${len(values) + 1}"
        return list_cols[key]

    bold = Font(bold=True)
    fill_b = PatternFill("solid", fgColor="EEF4FA")
    info.append(["Kolom", "Kop in het antwoordblad", "Wat wordt gevraagd", "Toegestane antwoorden", "Wanneer invullen"])
    for c in info[1]:
        c.font = bold
    for i, col in enumerate(cols, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=col["header"])
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[letter].width = 28
        target = f"{letter}2"
        values = list(col.get("values") or [])
        kind, name = col["kind"], col["name"]
        what, when = col["header"], "altijd"
        if kind == "meta" and name == "gm_code":
            values = codes
            what = "De CBS-code van uw gemeente (bijvoorbeeld GM0363 voor Amsterdam)"
        elif kind == "meta" and name == "wave":
            ws[target] = wave
            what = f"De peiling waarvan u de vragen beantwoordt ({wave}); niet wijzigen"
        elif kind == "meta" and name == "status":
            values = ["Compleet", "Gedeeltelijk"]
            ws[target] = "Compleet"
            what = "Of u alles hebt ingevuld"
        elif kind == "meta" and name == "ingevuld_op":
            what = "De datum waarop u dit invult, als JJJJ-MM-DD (bijvoorbeeld 2026-12-07)"
        elif kind in ("part_b", "part_b_note"):
            it = items[name]
            what = f"Deel B, {it['section_label']}: {it['text']}" + (" (toelichting, vrij veld)" if kind == "part_b_note"
                                                                     else "")
            for c in (ws.cell(row=1, column=i),):
                c.fill = fill_b
        elif kind == "who":
            what = "Wie vult dit in: de gemeente of de adviesraad"
        elif kind == "role":
            what = "De functie van wie dit invult (bijvoorbeeld 'beleidsmedewerker sociaal domein'); geen naam"
        elif name in qs:
            q = qs[name]
            when = _when(q.show_if, has_labels)
            what = f"Vraag {q.number} {q.question}"
            if kind == "tick":
                what += f" Kruis per kolom Ja of Nee aan ('{col['header']}')"
        if values:
            dv = DataValidation(type="list", formula1=list_range(values), allow_blank=True,
                                errorTitle="Ongeldig antwoord", error="Kies een antwoord uit de lijst.")
            ws.add_data_validation(dv)
            dv.add(target)
        elif kind == "count":
            dv = DataValidation(type="whole", operator="between", formula1=str(int(col.get("min") or 0)),
                                formula2=str(int(col.get("max") or 1000)), allow_blank=True,
                                errorTitle="Ongeldig aantal", error="Vul een heel getal in.")
            ws.add_data_validation(dv)
            dv.add(target)
        info.append([letter, col["header"], what, ", ".join(values[:12]) + (" …" if len(values) > 12 else "")
                     if values else ("een heel getal" if kind == "count" else "vrije tekst"), when])
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (8, 40, 60, 40, 40), strict=True):
        info.column_dimensions[letter].width = width
    lists.sheet_state = "hidden"
    raw = io.BytesIO()
    wb.save(raw)
    raw.seek(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, _normalise_xlsx(raw))
