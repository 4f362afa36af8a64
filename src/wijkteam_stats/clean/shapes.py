"""Where the data sits in an export: the sheet, the header row(s), the tool that wrote it and the data rows.

:func:`locate` turns the grids of :mod:`wijkteam_stats.clean.readers` into one :class:`RawTable`:

- **Sheet**: a named sheet is used as given; otherwise the one sheet whose header row holds a municipality
  column. No such sheet, or several, is an error that names every sheet.
- **Tool shapes**, recognised from their fixed column names:
  *Qualtrics* (first header row ``StartDate`` ... ``ResponseId``; a second row of question texts and an
  optional third row of ``{"ImportId": ...}``): question texts are the headers (" - Selected Choice"
  removed, the row-1 ids kept as second name), ``Status`` Survey Preview / Survey Test / Spam rows are
  dropped with a reason, ``Finished`` (else ``Progress`` = 100) gives complete/partial, ``RecordedDate`` the
  timestamp; IP address, recipient, location and external reference columns are personal data.
  *SurveyMonkey* (``Respondent ID``, ``Collector ID``; two header rows, the question above its first
  option column only or merged across them, "Response" / "Open-Ended Response" below): the two rows are
  combined into "<question> - <option>"; IP address, e-mail, first/last name and custom data are personal.
  *LimeSurvey* (``id``, ``submitdate``, ``lastpage``, ``startlanguage``; question codes ``G01Q03``,
  ``G02Q05[SQ001]``): codes become question texts and answer codes answer texts through the survey
  structure file (``.lss``) when given, else the codebook (or an overlay) must know the codes; an empty
  ``submitdate`` means an incomplete response; ``ipaddr``, ``token`` and ``refurl`` are personal data.
  *Google Forms* (first column ``Timestamp`` / ``Tijdstempel``): the timestamp column, e-mail address as
  personal data.
- **Header row** of any other table: the row (among the first 40) with the most headers the codebook
  knows; title and blank rows above it are not input rows. A second header row (a row with option labels
  under a question written above its first option column only) is combined with the first.
- **Rows**: every record below the header is an input row; text records must have exactly the header's
  number of fields (empty trailing separators on every row excepted), else the file is refused naming the
  line and the counts: no padding, no trimming. Rows of at most two cells after an empty row below the data
  are notes (dropped with that reason); empty rows after the last data row are not input rows.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from wijkteam_stats.clean.errors import SurveyFileError
from wijkteam_stats.clean.fold import fold
from wijkteam_stats.clean.headers import HeaderIndex
from wijkteam_stats.clean.readers import SPREADSHEET_KINDS, Grid, RawTable, column_letter, read_grids
from wijkteam_stats.reference.codebook import Codebook

HEADER_SCAN = 40

# --------------------------------------------------------------------------- tool metadata columns

QUALTRICS_META = {
    "startdate": None, "enddate": None, "status": None, "progress": None, "duration (in seconds)": None,
    "duration__in_seconds_": None,
    "duration": None, "finished": "status", "recordeddate": "ingevuld_op", "responseid": None,
    "distributionchannel": None, "userlanguage": None, "q_url": None, "_recordid": None, "responseset": None,
}
QUALTRICS_PERSONAL = ("ipaddress", "recipientlastname", "recipientfirstname", "recipientemail",
                      "externalreference", "externaldatareference", "locationlatitude", "locationlongitude",
                      "name", "emailaddress", "q_geolocation")
QUALTRICS_STATUS = {  # Qualtrics response type: (action, reason) or None to keep
    "ip address": None, "0": None, "imported": None, "4": None, "offline": None, "16": None, "email": None,
    "survey preview": ("dropped", "Qualtrics survey preview (Status = Survey Preview), not a real response"),
    "1": ("dropped", "Qualtrics survey preview (Status = 1), not a real response"),
    "17": ("dropped", "Qualtrics offline survey preview (Status = 17), not a real response"),
    "survey test": ("dropped", "Qualtrics test response (Status = Survey Test)"),
    "2": ("dropped", "Qualtrics test response (Status = 2)"),
    "spam": ("dropped", "Qualtrics marked the response as spam (Status = Spam)"),
    "8": ("dropped", "Qualtrics marked the response as spam (Status = 8)"),
    "9": ("dropped", "Qualtrics survey preview marked as spam (Status = 9)"),
    "12": ("dropped", "Qualtrics imported response marked as spam (Status = 12)"),
    # the same response types as a Dutch Qualtrics interface writes them
    "ip-adres": None, "geïmporteerd": None, "e-mail": None,
    "voorbeeld van enquête": ("dropped", "Qualtrics survey preview (Status = Voorbeeld van enquête), not a real response"),
    "enquêtetest": ("dropped", "Qualtrics test response (Status = Enquêtetest)"),
    "test van enquête": ("dropped", "Qualtrics test response (Status = Test van enquête)"),
}
SURVEYMONKEY_META = {
    "respondent id": None, "collector id": None, "start date": None, "end date": "ingevuld_op",
    # older exports (before 2018) write the names without spaces
    "respondentid": None, "collectorid": None, "startdate": None, "enddate": "ingevuld_op",
    # the Dutch interface
    "respondent-id": None, "collector-id": None, "begindatum": None, "einddatum": "ingevuld_op",
    "aangepaste gegevens 1": None, "custom data 1": None,
}
SURVEYMONKEY_PERSONAL = ("ip address", "email address", "first name", "last name", "lastname", "firstname",
                         "respondentid", "respondent id", "collectorid", "collector id",
                         "ip-adres", "e-mailadres", "voornaam", "achternaam", "respondent-id", "collector-id")
LIMESURVEY_META = {
    "id": None, "lastpage": None, "startlanguage": None, "seed": None, "startdate": None, "datestamp": None,
    "submitdate": None, "response id": None, "date submitted": None, "last page": None, "start language": None,
    "date started": None, "date last action": None, "interviewtime": None, "total time": None,
}
LIMESURVEY_PERSONAL = ("ipaddr", "token", "refurl", "ip address", "referrer url", "firstname", "lastname",
                       "email", "first name", "last name", "email address", "access code")
_LIME_SUBMIT = ("submitdate", "date submitted")
_LIME_STAMP = ("datestamp", "date last action")
GOOGLE_TIMESTAMP = ("timestamp", "tijdstempel", "marca temporal", "horodateur", "zeitstempel")
GOOGLE_META = {"score": None, "punten": None}
GOOGLE_PERSONAL = ("email address", "e-mailadres", "emailadres", "e-mail address")
SUBHEADER_WORDS = {"response", "open ended response", "antwoord", "open antwoord", "respons"}
_LIME_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\[[^\]]+\])*$")
_TAG = re.compile(r"<[^<>]+>")  # no "<" inside: a run of "<" is read in linear time


@dataclass
class _Found:
    """A header guess on one grid."""

    grid: Grid
    start: int  # index of the first header record
    depth: int  # number of header records
    tool: str
    score: int
    has_municipality: bool
    why: str = ""  # the evidence for the tool (for the summary's decisions)


# --------------------------------------------------------------------------- entry point


def locate(path: str | Path, codebook: Codebook, sheet: str | None = None, structure: str | Path | None = None,
           overlay_headers: dict[str, str | None] | None = None) -> RawTable:
    """Read ``path`` and return the survey table it holds (see the module docstring)."""
    source = read_grids(path, sheet)
    index = HeaderIndex(codebook, overlay_headers)
    if isinstance(source, RawTable):
        raw = source
        names = {h.strip().lower() for h in raw.headers}
        if "responseid" in names or {"startdate", "finished"} <= names:
            raw.tool = "Qualtrics"
            raw.dialect = f"Qualtrics export, {raw.dialect}"
            _qualtrics(raw)
        elif "submitdate" in names and ("lastpage" in names or "startlanguage" in names):
            raw.tool = "LimeSurvey"
            raw.dialect = f"LimeSurvey export, {raw.dialect}"
            _limesurvey(raw)
    else:
        found = _choose(source, index)
        raw = _build(found, index)
    if structure is None and raw.tool == "LimeSurvey":
        structure = _structure_beside(Path(path), raw)
    if structure is not None:
        apply_structure(raw, Path(structure))
    if overlay_headers:
        for i, h in enumerate(raw.headers):
            key = h.strip().lower()
            if key in index.overlay and i not in raw.preset:
                raw.preset[i] = index.overlay[key]
    return raw


def _structure_beside(path: Path, raw: RawTable) -> Path | None:
    """A LimeSurvey structure file next to the export: ``<export stem>.lss``, else the only ``.lss`` there."""
    if not any(_LIME_CODE.match(h.strip()) and re.search(r"\d", h) for h in raw.headers):
        return None
    same = path.with_suffix(".lss")
    found = same if same.is_file() else None
    if found is None:
        candidates = sorted(path.parent.glob("*.lss"))
        found = candidates[0] if len(candidates) == 1 else None
    if found is not None:
        raw.notes.append(f"LimeSurvey structure file found next to the export: {found.name}")
    return found


def _choose(grids: list[Grid], index: HeaderIndex) -> _Found:
    found = [f for f in (_find_header(g, index) for g in grids) if f is not None]
    if not found:
        g = grids[0]
        what = "the file" if g.kind == "csv" else "the workbook"
        raise SurveyFileError(f"{g.path}: {what} holds no data (only empty rows)", g.path)
    if len(grids) == 1 and (grids[0].kind == "csv" or found[0].has_municipality):
        return found[0]
    names = ", ".join(repr(s) for s in grids[0].sheets) if grids[0].sheets else ""
    with_muni = [f for f in found if f.has_municipality]
    if len(with_muni) == 1:
        return with_muni[0]
    path = grids[0].path
    if not with_muni and grids[0].kind not in SPREADSHEET_KINDS:
        return found[0]
    if not with_muni:
        raise SurveyFileError(
            f"{path}: no sheet holds a header row with a municipality column (sheets: {names}); give the sheet "
            "with --sheet, or add the municipality header to the codebook", path,
        )
    which = ", ".join(f"'{f.grid.sheet}' (header on row {f.grid.rows[f.start]})" for f in with_muni)
    raise SurveyFileError(
        f"{path}: several sheets hold survey data: {which}; choose one with --sheet (sheets: {names})", path
    )


def _lower(rec: list[str]) -> list[str]:
    return [c.strip().lower() for c in rec]


_CODE_TEXT = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:\[[^\]]+\])?)\.\s+(\S.*)$", re.S)
_TRAILING_OPTION = re.compile(r"^(.*\S)\s+\[([^\[\]]+)\]$", re.S)


def code_text_headings(rec: list[str]) -> tuple[list[str], list[str]] | None:
    """LimeSurvey's "question code & question text" headings ("Q03[SQ001]. <question> [<option>]"): (codes,
    texts as "<question> - <option>") when every non-empty cell has that shape, else None."""
    cells = [c.strip() for c in rec]
    filled = [c for c in cells if c]
    if len(filled) < 3 or not all(_CODE_TEXT.match(c) for c in filled):
        return None
    codes, texts = [], []
    for c in cells:
        m = _CODE_TEXT.match(c)
        if not m:
            codes.append(c)
            texts.append(c)
            continue
        text = m.group(2).strip()
        opt = _TRAILING_OPTION.match(text) if "[" in m.group(1) else None
        codes.append(m.group(1))
        texts.append(f"{opt.group(1)} - {opt.group(2)}" if opt else text)
    return codes, texts


def _find_header(grid: Grid, index: HeaderIndex) -> _Found | None:
    recs = grid.records
    first = next((i for i, r in enumerate(recs) if any(c.strip() for c in r)), None)
    if first is None:
        return None
    split = code_text_headings(recs[first])
    r0 = _lower(split[0] if split else recs[first])
    r1 = _lower(recs[first + 1]) if first + 1 < len(recs) else []
    r2 = recs[first + 2] if first + 2 < len(recs) else []
    if _legacy_qualtrics(r0, r1):  # before 2017: ids V1..V10 above ResponseID, ResponseSet, ..., Status, Finished
        return _Found(grid, first, 2, "Qualtrics", len(r0), True,
                      "legacy layout (before 2017): ids V1..Vn above 'ResponseID', 'ResponseSet', 'Status'")
    if "responseid" in r0 or "_recordid" in r0 or {"startdate", "finished"} <= set(r0) or (
            {"startdate", "status"} <= set(r0) and "response id" in r1):
        depth = 3 if r2 and any(c.strip().startswith('{"ImportId"') for c in r2) else 2
        if depth == 2 and not ({"response id", "start date", "end date"} & set(r1)):
            depth = 1  # ids only ("Use choice text / export tags" without the second row)
        return _Found(grid, first, depth, "Qualtrics", len(r0), True,
                      "column names " + ", ".join(f"'{c}'" for c in recs[first] if c.strip().lower() in
                                                  ("responseid", "_recordid", "startdate", "finished", "status")))
    squeezed = {c.replace(" ", "").replace("-", "") for c in r0}
    if "respondentid" in squeezed and ("collectorid" in squeezed or "startdate" in squeezed):
        depth = 2 if r1 and (SUBHEADER_WORDS & {fold(c) for c in r1}) else 1
        old = "respondentid" in r0
        return _Found(grid, first, depth, "SurveyMonkey", len(r0), True,
                      f"column names '{'RespondentID' if old else 'Respondent ID'}' with 'Collector ID' / 'Start Date'"
                      + (" (the layout before 2018, names without spaces)" if old else ""))
    if ("submitdate" in r0 and ("lastpage" in r0 or "startlanguage" in r0) and "id" in r0) or (
            {"response id", "date submitted"} <= set(r0) and ("last page" in r0 or "start language" in r0)):
        return _Found(grid, first, 1, "LimeSurvey", len(r0), _has_muni(split[1] if split else recs[first], index),
                      "column names 'submitdate'/'Date submitted' with 'lastpage'/'startlanguage'"
                      + (" (headings 'code. text')" if split else ""))
    if r0 and r0[0] in GOOGLE_TIMESTAMP:
        return _Found(grid, first, 1, "Google Forms", len(r0), _has_muni(recs[first], index),
                      f"first column '{recs[first][0].strip()}'")
    best: _Found | None = None
    for i in range(first, min(len(recs), first + HEADER_SCAN)):
        rec = recs[i]
        targets = [index.match(c) for c in rec if c.strip()]
        score = sum(t is not None for t in targets)
        muni = any(t is not None and t.variable == index.municipality for t in targets)
        key = (muni, score)
        if best is None or key > (best.has_municipality, best.score):
            best = _Found(grid, i, 1, "", score, muni)
    assert best is not None
    if best.score == 0:
        best = _Found(grid, first, 1, "", 0, False)
    if best.start + 1 < len(recs) and _is_subheader(recs[best.start], recs[best.start + 1], index):
        best.depth = 2
    return best


_V_ID = re.compile(r"^v\d+$")


def _legacy_qualtrics(r0: list[str], r1: list[str]) -> bool:
    """The pre-2017 Qualtrics layout: a row of ids V1, V2, ... above ResponseID, ResponseSet, Status, ..."""
    leading = 0
    for c in r0:
        if not _V_ID.match(c):
            break
        leading += 1
    return leading >= 5 and "responseid" in r1 and ("responseset" in r1 or "status" in r1)


def _has_muni(rec: list[str], index: HeaderIndex) -> bool:
    return any((t := index.match(c)) is not None and t.variable == index.municipality for c in rec if c.strip())


def _is_subheader(top: list[str], below: list[str], index: HeaderIndex) -> bool:
    """True if ``below`` continues the header: it labels columns whose header cell is empty (a question
    written above its first option column only) and holds no municipality."""
    gaps = [j for j in range(1, len(top)) if j < len(below) and below[j].strip()
            and (not top[j].strip() and any(top[k].strip() for k in range(j))
                 or top[j].strip() == top[j - 1].strip())]  # empty, or repeated by a merged cell
    if not gaps:
        return False
    folded = {fold(c) for c in below if c.strip()}
    if SUBHEADER_WORDS & folded:
        return True
    muni_cols = [j for j, c in enumerate(top) if c.strip() and (t := index.match(c)) is not None
                 and t.variable == index.municipality]
    return bool(muni_cols) and all(not below[j].strip() for j in muni_cols if j < len(below))


def _combine(top: list[str], below: list[str]) -> list[str]:
    """Two header rows into one: the question (carried right over empty cells) and the option below it."""
    out, question = [], ""
    for j in range(max(len(top), len(below))):
        t = top[j].strip() if j < len(top) else ""
        b = below[j].strip() if j < len(below) else ""
        own = bool(t)
        if t:
            question = t
        elif b:
            t = question
        if not b or fold(b) in {"response", "antwoord", "respons"} or (own and fold(b) in SUBHEADER_WORDS):
            out.append(t)
        elif not t:
            out.append(b)
        else:
            out.append(f"{t} - {b}")
    return out


# --------------------------------------------------------------------------- building the table


def _trim_right(cells: list[str]) -> list[str]:
    cells = [c.strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _build(found: _Found, index: HeaderIndex) -> RawTable:
    g = found.grid
    recs, rows = g.records, g.rows
    h0, h1 = found.start, found.start + found.depth  # header records: recs[h0:h1]
    head = [list(r) for r in recs[h0:h1]]
    labels: list[str | None] = []
    if found.tool.startswith("Qualtrics"):
        ids = head[0]
        texts = head[1] if found.depth >= 2 else head[0]
        headers = [re.sub(r"\s+-\s+(?:Selected Choice|Geselecteerde keuze)\b", "", t.strip()) for t in texts]
        labels = [x.strip() or None for x in ids]
    elif found.tool == "LimeSurvey" and code_text_headings(head[0]):
        codes, headers = code_text_headings(head[0])
        labels = codes  # the question codes: the tool's metadata columns are recognised by them
    elif found.depth == 2:
        headers = _combine(head[0], head[1])
    else:
        headers = [c.strip() for c in head[0]]
    width = max(len(_trim_right(r)) for r in head)
    headers = (headers + [""] * width)[:width]
    if labels:
        labels = (labels + [None] * width)[:width]
    body = list(range(h1, len(recs)))
    while body and not any(c.strip() for c in recs[body[-1]]):
        body.pop()
    if not body:
        raise SurveyFileError(f"{g.where(rows[h1 - 1])}: header only, the file holds no data rows"
                              + (f" ({found.tool} export)" if found.tool else ""), g.path, rows[h1 - 1])
    notes = _notes_below(recs, body)
    if g.kind == "csv":
        _check_field_counts(g, recs, body, notes, h0, h1, width)
    cells, out_rows, pre = [], [], {}
    for k in body:
        rec = recs[k]
        if len(rec) > width:
            extra = [j for j in range(width, len(rec)) if rec[j].strip()]
            if extra:
                ref = f"column {column_letter(extra[0])}" if g.kind in SPREADSHEET_KINDS else f"column {extra[0] + 1}"
                raise SurveyFileError(
                    f"{g.where(rows[k])}: {ref} has a value ('{rec[extra[0]].strip()[:40]}') but no header; "
                    f"the header ({g.row_word} {rows[h0]}) has {width} columns",
                    g.path, rows[k], ref,
                )
        if k in notes:
            pre[len(cells)] = ("dropped", "note below the data (after an empty row), not a response")
        cells.append((list(rec) + [""] * width)[:width])
        out_rows.append(rows[k])
    header_rows = tuple(rows[h0:h1])
    dialect = g.dialect
    if found.tool:
        dialect = f"{found.tool} export, {dialect}"
    if h0 > 0 or found.depth > 1:
        dialect += (f", header on {g.row_word} {rows[h0]}" if found.depth == 1 else
                    f", {found.depth} header rows ({g.row_word}s {rows[h0]}-{rows[h1 - 1]})")
    raw = RawTable(g.path, g.kind, headers, cells, out_rows, rows[h0] if found.depth == 1 else rows[h1 - 1],
                   labels=labels, sheet=g.sheet, dialect=dialect, tool=found.tool, pre_actions=pre,
                   notes=list(g.notes), header_rows=header_rows)
    raw.decisions.append(f"tool: {found.tool} export, recognised by its {found.why}" if found.tool else
                         "tool: none recognised (no survey tool's fixed column names); a hand-made table, headers "
                         "matched to the codebook")
    raw.decisions.append(
        (f"header: {g.row_word} {rows[h0]}" if found.depth == 1 else
         f"header: {found.depth} rows ({g.row_word}s {rows[h0]}-{rows[h1 - 1]})")
        + (f", {h0} row(s) above it skipped as title/blank" if h0 > 0 else "")
        + (f"; sheet '{g.sheet}'" + (f" of {len(g.sheets)} ({', '.join(repr(x) for x in g.sheets)})"
                                    if len(g.sheets) > 1 else "") if g.sheet else ""))
    if g.kind == "csv":
        raw.decisions.append(f"text: {g.dialect}")
    if found.tool.startswith("Qualtrics"):
        _qualtrics(raw)
    elif found.tool == "SurveyMonkey":
        _presets(raw, SURVEYMONKEY_META, SURVEYMONKEY_PERSONAL, prefix_personal=("custom data",))
    elif found.tool == "LimeSurvey":
        _limesurvey(raw)
    elif found.tool == "Google Forms":
        _presets(raw, {**GOOGLE_META, **dict.fromkeys(GOOGLE_TIMESTAMP, "ingevuld_op")}, GOOGLE_PERSONAL)
    return raw


def _notes_below(recs: list[list[str]], body: list[int]) -> set[int]:
    """Records of at most two cells after the last empty record below the data (notes, sources)."""
    empties = [k for k in body if not any(c.strip() for c in recs[k])]
    if not empties:
        return set()
    tail = [k for k in body if k > empties[-1]]
    before = [k for k in body if k < empties[-1] and any(c.strip() for c in recs[k])]
    if not tail or not before:
        return set()
    if all(len({c.strip() for c in recs[k] if c.strip()}) <= 2 for k in tail):  # merged note cells count once
        return set(tail)
    return set()


def _check_field_counts(g: Grid, recs, body, notes, h0: int, h1: int, width: int) -> None:
    """Refuse text records with another number of fields than the header (no padding, no trimming)."""
    data = [k for k in body if k not in notes and any(c.strip() for c in recs[k])]
    head_len = max(len(r) for r in recs[h0:h1])
    lengths = {len(recs[k]) for k in data}
    allowed = {width, head_len}
    if len(lengths) == 1 and min(lengths) > width:
        allowed |= lengths  # the same empty trailing separators on every row (never fewer fields)
    for k in data:
        n = len(recs[k])
        if n in allowed and all(not c.strip() for c in recs[k][width:]):
            continue
        line = g.rows[k]
        if n < width:
            raise SurveyFileError(
                f"{g.where(line)}: {n} fields, but the header ({g.row_word} {g.rows[h0]}) has {width}: the "
                f"record is cut off or a field holds an unquoted line break or quote; not padded. Repair the "
                f"{g.row_word} or export the file again", g.path, line, f"{n} of {width} fields",
            )
        extra = [j for j in range(width, n) if recs[k][j].strip()]
        why = (f"column {extra[0] + 1} has a value but no header" if extra else
               "the extra fields are empty, but other rows do not have them")
        raise SurveyFileError(
            f"{g.where(line)}: {n} fields, but the header ({g.row_word} {g.rows[h0]}) has {width}; {why} "
            f"(an unquoted '{_delimiter(g)}' inside a free-text answer shifts the later values); not trimmed",
            g.path, line, f"{n} of {width} fields",
        )


def _delimiter(g: Grid) -> str:
    return {"semicolon": ";", "comma": ",", "tab": "\\t", "pipe": "|"}.get(g.dialect.split("-")[0], ";")


def _presets(raw: RawTable, meta: dict[str, str | None], personal, prefix_personal: tuple[str, ...] = ()) -> None:
    for i, h in enumerate(raw.headers):
        key = h.strip().lower()
        label = (raw.labels[i] or "").strip().lower() if raw.labels else ""
        if key in personal or label in personal or any(
                key.startswith(p) or label.startswith(p) for p in prefix_personal):
            raw.personal.add(i)
        elif key in meta:
            raw.preset[i] = meta[key]
        elif label in meta:
            raw.preset[i] = meta[label]


def _qualtrics(raw: RawTable) -> None:
    _presets(raw, QUALTRICS_META, QUALTRICS_PERSONAL, prefix_personal=("recipient", "location"))
    names = raw.headers if raw.kind in ("sav", "dta") else raw.labels  # the Qualtrics ids
    known = set(QUALTRICS_META) | set(QUALTRICS_PERSONAL) | {"status", "ipaddress"}
    # legacy exports carry V1..V10 as ids and the names (ResponseID, Status, Finished) in the text row
    names = [lab if (lab or "").strip().lower() in known or (h or "").strip().lower() not in known else h
             for lab, h in zip((list(names) + [None] * len(raw.headers))[:len(raw.headers)], raw.headers, strict=True)]
    for i, lab in enumerate(names):
        if lab and lab.startswith("Q_") and i not in raw.personal:
            raw.preset.setdefault(i, None)  # Q_RecaptchaScore, Q_RelevantIDDuplicate, ...: tool metadata
    ids = [(lab or "").strip().lower() for lab in names]
    if "finished" in ids:
        j = ids.index("finished")
        raw.value_maps[j] = {"true": "compleet", "1": "compleet", "false": "gedeeltelijk", "0": "gedeeltelijk"}
    elif "progress" in ids:
        j = ids.index("progress")
        raw.preset[j] = "status"
        values = {c[j].strip() for c in raw.cells}
        raw.value_maps[j] = {v: ("compleet" if v in ("100", "100.0") else "gedeeltelijk") for v in values if v}
    if "recordeddate" not in ids and "enddate" in ids:
        raw.preset[ids.index("enddate")] = "ingevuld_op"
    if "status" in ids:
        j = ids.index("status")
        for pos, cells in enumerate(raw.cells):
            value = cells[j].strip().lower()
            if not value:
                continue
            if value in QUALTRICS_STATUS:
                decided = QUALTRICS_STATUS[value]
            else:
                decided = ("set_aside", f"unknown Qualtrics response type (Status = '{cells[j].strip()[:30]}')")
            if decided is not None:
                raw.pre_actions[pos] = decided
    if raw.kind in ("sav", "dta"):
        raw.labels = [re.sub(r"\s+-\s+(?:Selected Choice|Geselecteerde keuze)\b", "", lab) if lab else lab for lab in raw.labels]
        for i, lab in enumerate(raw.labels):
            if lab and re.search(r"_TEXT$", raw.headers[i]) and not lab.lower().endswith(" - text"):
                raw.labels[i] = f"{lab} - Text"
        return
    # a Qualtrics id row of real question ids also names "Q1_4_TEXT" columns: the text of an option
    for i, lab in enumerate(raw.labels):
        if lab and re.search(r"_TEXT$", lab) and not raw.headers[i].lower().endswith(" - text"):
            base = re.sub(r"\s*-\s*TEXT$", "", raw.headers[i])  # legacy exports: "<question>-TEXT"
            raw.headers[i] = f"{base} - Text"


def _limesurvey(raw: RawTable) -> None:
    _presets(raw, LIMESURVEY_META, LIMESURVEY_PERSONAL)
    low = [(lab or h).strip().lower() for h, lab in zip(raw.headers, raw.labels or raw.headers, strict=True)]
    sub = next(low.index(x) for x in _LIME_SUBMIT if x in low)
    stamp = next((low.index(x) for x in _LIME_STAMP if x in low), sub)
    raw.headers.append("status")
    raw.headers.append("ingevuld_op")
    if raw.labels:
        raw.labels += [None, None]
    for cells in raw.cells:
        cells.append("compleet" if cells[sub].strip() else "gedeeltelijk")
        cells.append(cells[stamp].strip() or cells[sub].strip())
    n = len(raw.headers)
    raw.preset[n - 2] = "status"
    raw.preset[n - 1] = "ingevuld_op"
    raw.dialect += (f"; status from '{raw.headers[sub]}' (empty = incomplete), timestamp from "
                    f"'{raw.headers[stamp]}'")


# --------------------------------------------------------------------------- LimeSurvey structure (.lss)


def _text(el: ET.Element | None, tag: str) -> str:
    if el is None:
        return ""
    found = el.find(tag)
    return "" if found is None or found.text is None else found.text


def _clean_html(text: str) -> str:
    return re.sub(r"\s+", " ", unescape(_TAG.sub(" ", text))).strip()


def read_lss(path: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A LimeSurvey structure file: header code -> text ("<question> - <subquestion>") and per question code
    the answer code -> answer text."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as err:
        raise SurveyFileError(f"{path}: not a readable LimeSurvey structure file (.lss): {err}", path) from err
    l10n: dict[str, str] = {}
    for row in root.iterfind("./question_l10ns/rows/row"):
        l10n.setdefault(_text(row, "qid"), _text(row, "question"))
    questions: dict[str, tuple[str, str]] = {}  # qid -> (title, text)
    subs: list[tuple[str, str, str]] = []  # (parent qid, title, text)
    for section in ("questions", "subquestions"):
        for row in root.iterfind(f"./{section}/rows/row"):
            qid, parent, title = _text(row, "qid"), _text(row, "parent_qid"), _text(row, "title")
            text = _text(row, "question") or l10n.get(qid, "")
            if parent and parent != "0":
                subs.append((parent, title, text))
            else:
                questions.setdefault(qid, (title, text))
    if not questions:
        raise SurveyFileError(f"{path}: no questions found; is this a LimeSurvey survey structure file (.lss)?", path)
    names = {title: _clean_html(text) for title, text in questions.values()}
    for parent, title, text in subs:
        if parent in questions:
            names[f"{questions[parent][0]}[{title}]"] = f"{_clean_html(questions[parent][1])} - {_clean_html(text)}"
    answer_l10n: dict[str, str] = {}
    for row in root.iterfind("./answer_l10ns/rows/row"):
        answer_l10n.setdefault(_text(row, "aid"), _text(row, "answer"))
    answers: dict[str, dict[str, str]] = {}
    for row in root.iterfind("./answers/rows/row"):
        qid = _text(row, "qid")
        if qid in questions:
            text = _text(row, "answer") or answer_l10n.get(_text(row, "aid"), "")
            answers.setdefault(questions[qid][0], {})[_text(row, "code")] = _clean_html(text)
    return names, answers


def apply_structure(raw: RawTable, path: Path) -> None:
    """Rename LimeSurvey code headers to question texts and map answer codes to answer texts."""
    names, answers = read_lss(path)
    renamed = 0
    for i, h in enumerate(raw.headers):
        code = h.strip()
        if code in names:
            raw.headers[i] = names[code]
            renamed += 1
        base = code.split("[", 1)[0]
        if base in answers and "[" not in code:
            raw.value_maps[i] = dict(answers[base])
        elif code.endswith("[other]") or code.endswith("[comment]"):
            raw.headers[i] = f"{names.get(base, base)} - Text"
    raw.dialect += f"; {renamed} question code(s) named through {path.name}"


def qualtrics_import_ids(cells: list[str]) -> list[str | None]:
    """The ImportIds of a Qualtrics third header row (for callers that want them)."""
    out = []
    for c in cells:
        try:
            out.append(json.loads(c).get("ImportId"))
        except (ValueError, AttributeError):
            out.append(None)
    return out
