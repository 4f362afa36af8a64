"""Readers for raw survey exports: delimited text, Excel (.xlsx, .xls), OpenDocument (.ods), SPSS (.sav) and
Stata (.dta).

A text or spreadsheet export is read into :class:`Grid` objects (one per worksheet): every record as strings
(``""`` for an empty cell, CSV records *not* padded) with the row number the file shows (CSV: the line where
the record starts; spreadsheets: the sheet row). Finding the header row(s), the tool that wrote the file and
the data rows is the job of :mod:`wijkteam_stats.clean.shapes`; it returns a :class:`RawTable`.
SPSS and Stata files carry their own variable names (and labels) and become a :class:`RawTable` directly.

Text: the encoding is recognised from a byte-order mark (UTF-8, UTF-16), from the byte pattern of UTF-16
without a mark, as UTF-8 when the bytes decode as UTF-8 (double-encoded UTF-8, "mojibake" such as ``Ã©``, is
repaired with ``ftfy`` and the repair noted), else by ``charset-normalizer`` among Windows-1252 and Mac Roman.
A first line ``sep=;`` (Excel's delimiter hint) sets the delimiter; otherwise it is sniffed among ``;`` ``,``
and tab. Line ends CR, LF and CRLF and newlines inside quoted fields are read as the csv module reads them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wijkteam_stats.clean.errors import SurveyFileError
from wijkteam_stats.clean.fold import visible

CSV_DELIMITERS = (";", ",", "\t")
_DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SEP_LINE = re.compile(r"^\s*\"?sep=(.)\"?[^\S\r\n]*(?:\r\n|\r|\n)", re.IGNORECASE)
SPREADSHEET_KINDS = ("xlsx", "xls", "ods")


@dataclass
class Grid:
    """One table of cells as read from a text file or one worksheet, before the header is known."""

    path: Path
    kind: str  # "csv", "xlsx", "xls", "ods"
    records: list[list[str]]
    rows: list[int]  # the file's own row number of each record
    sheet: str | None = None
    sheets: tuple[str, ...] = ()  # every worksheet of the workbook (for messages)
    dialect: str = ""
    notes: list[str] = field(default_factory=list)  # what the reader repaired (encoding), for the summary

    @property
    def row_word(self) -> str:
        return "line" if self.kind == "csv" else "row"

    def where(self, row: int | None = None) -> str:
        parts = [str(self.path)]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if row is not None:
            parts.append(f"{self.row_word} {row}")
        return ", ".join(parts)


@dataclass
class RawTable:
    """A survey export as read: headers, string cells per row, and the file's own row numbers.

    ``preset``: columns whose meaning the tool shape already knows: an exact codebook target name
    (``ingevuld_op``, ``status``, ...) or ``None`` for tool metadata that is not used (listed as ignored).
    ``personal``: columns holding personal data of the tool (IP address, e-mail, names, location, recipient
    fields); they never leave the cleaning step. ``pre_actions``: rows the shape already decided (Qualtrics
    survey previews, spam, notes and totals rows below a hand-made table): position -> (action, reason).
    ``value_maps``: per column, raw value -> value to read instead (numeric recodes, LimeSurvey answer codes).
    """

    path: Path
    kind: str  # "csv", "xlsx", "xls", "ods", "sav" or "dta"
    headers: list[str]
    cells: list[list[str]]
    rows: list[int]
    header_row: int = 1
    labels: list[str | None] = field(default_factory=list)  # SPSS/Stata variable labels, tool header rows
    sheet: str | None = None
    dialect: str = ""  # e.g. "semicolon-separated, utf-8-sig"
    tool: str = ""  # "Qualtrics", "SurveyMonkey", "LimeSurvey", "Google Forms" or ""
    preset: dict[int, str | None] = field(default_factory=dict)
    personal: set[int] = field(default_factory=set)
    pre_actions: dict[int, tuple[str, str]] = field(default_factory=dict)
    value_maps: dict[int, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    header_rows: tuple[int, ...] = ()
    decisions: list[str] = field(default_factory=list)  # every interpretation with its evidence, for the summary

    @property
    def row_word(self) -> str:
        """How a row is called in messages: "line" (CSV), "row" (spreadsheet) or "case" (SAV, DTA)."""
        return {"csv": "line", "sav": "case", "dta": "case"}.get(self.kind, "row")

    def column_ref(self, i: int) -> str:
        """A column as a person finds it in the file: number or letter plus the header text."""
        if self.kind in SPREADSHEET_KINDS:
            pos = f"column {column_letter(i)}"
        elif self.kind in ("sav", "dta"):
            pos = "variable"
        else:
            pos = f"column {i + 1}"
        return f"{pos} '{visible(self.headers[i])}'"

    def where(self, row: int | None = None, column: int | None = None) -> str:
        """``<file>[, sheet 'X'][, line N][, column ...]`` for messages."""
        parts = [str(self.path)]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if row is not None:
            parts.append(f"{self.row_word} {row}")
        if column is not None:
            parts.append(self.column_ref(column))
        return ", ".join(parts)

    def frame(self) -> pd.DataFrame:
        """The cells as a DataFrame of strings with positional column labels 0..n-1."""
        n = len(self.headers)
        arr = np.array(self.cells, dtype=object).reshape(len(self.cells), n)
        return pd.DataFrame(arr, columns=range(n), dtype=object)


# --------------------------------------------------------------------------- helpers


def column_letter(i: int) -> str:
    """Spreadsheet column letter of the 0-based column ``i`` (0 -> A, 26 -> AA)."""
    s, i = "", i + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_text(value: object) -> str:
    """A spreadsheet/SPSS cell value as the string a CSV export would hold (``""`` for empty)."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if pd.isna(value):
            return ""
        return pd.Timestamp(value).isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if pd.isna(value):  # type: ignore[arg-type]
        return ""
    return str(value)


def _detect_kind(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        suffix = path.suffix.lower()
        return "ods" if suffix in (".ods", ".ots") else "xlsx"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if path.suffix.lower() == ".dta" or head.startswith(b"<stata_dta>") or (
            head[:1] in (b"\x71", b"\x72", b"\x73") and head[1:2] in (b"\x01", b"\x02")):
        return "dta"
    return "csv"


def read_grids(path: str | Path, sheet: str | None = None) -> list[Grid] | RawTable:
    """Read an export: a list of grids (text file: one; workbook: one per sheet, or the named sheet) or, for
    SPSS/Stata files, the :class:`RawTable` itself."""
    path = Path(path)
    if not path.exists():
        raise SurveyFileError(f"{path}: no such file", path)
    if not path.is_file():
        raise SurveyFileError(f"{path}: not a file", path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as err:
        raise SurveyFileError(f"{path}: cannot be opened: {err.strerror or err}", path) from err
    if not head:
        raise SurveyFileError(f"{path}: the file is empty", path)
    kind = _detect_kind(path, head)
    if sheet is not None and kind not in SPREADSHEET_KINDS:
        raise SurveyFileError(f"{path}: --sheet '{sheet}' given, but this is not a spreadsheet workbook", path)
    if kind == "sav":
        return read_sav(path)
    if kind == "dta":
        return read_dta(path)
    if kind == "xlsx":
        return read_xlsx(path, sheet)
    if kind in ("xls", "ods"):
        return read_calamine(path, kind, sheet)
    return [read_csv(path)]


# --------------------------------------------------------------------------- text


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _check_text(text: str, path: Path) -> None:
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 200):
        raise SurveyFileError(f"{path}: binary data (control characters), not a CSV text file", path)


def _repair_mojibake(text: str) -> tuple[str, str | None]:
    """Double-encoded UTF-8 ("CliÃ«nten") repaired with ftfy; the note says how many lines changed."""
    if not re.search(r"[\u00c2-\u00c3\u00e2][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6-\u02dc\u20ac\u2122]", text):
        return text, None
    import ftfy

    fixed_lines, changed = [], 0
    for line in text.splitlines(keepends=True):
        new = ftfy.fix_encoding(line)
        changed += new != line
        fixed_lines.append(new)
    if not changed:
        return text, None
    return "".join(fixed_lines), f"double-encoded UTF-8 (mojibake) repaired on {changed} line(s) with ftfy"


def decode_text(data: bytes, path: Path) -> tuple[str, str, list[str]]:
    """Decode a text export: (text, encoding name, notes). Refuses binary data and undecodable bytes."""
    notes: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    else:
        enc = _utf16_without_bom(data) or ""
    if enc.startswith("utf-16"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as err:
            raise SurveyFileError(f"{path}: not valid {enc.upper()} text (byte {err.start})", path) from err
        _check_text(text, path)
        return text, enc, notes
    if b"\x00" in data[:65536]:
        raise SurveyFileError(
            f"{path}: binary data (NUL bytes), not a CSV text file, spreadsheet, SPSS or Stata file", path
        )
    bom = 3 if enc == "utf-8-sig" else 0
    try:
        text = data[bom:].decode("utf-8")
        enc = enc or "utf-8"
    except UnicodeDecodeError as err:
        loose = data[bom:].decode("utf-8", errors="replace")
        valid_multibyte = sum(1 for ch in loose if ord(ch) > 127 and ch != "\ufffd")
        if valid_multibyte or enc:
            line = data[: bom + err.start].count(b"\n") + 1
            raise SurveyFileError(
                f"{path}: line {line}: the file is UTF-8 text, but byte {bom + err.start} "
                f"(0x{data[bom + err.start]:02x}) "
                "is not valid UTF-8 (a damaged or mixed-encoding file); save the export again as CSV UTF-8",
                path, line,
            ) from err
        text, enc = _decode_legacy(data, path)
        notes.append(f"encoding recognised as {enc} (no UTF-8); check accented letters")
    else:
        text, note = _repair_mojibake(text)
        if note:
            notes.append(note)
    _check_text(text, path)
    return text, enc, notes


_PLAUSIBLE = set("éëèêïíìîöóòôüúùûáàâäçñÉËÈÏÖÜÁÀ‘’“”„–—…€°½¼¾ß·§²³")


def _plausibility(text: str) -> int:
    """Accented letters and punctuation usual in Dutch text count for, other non-ASCII characters against."""
    good = bad = 0
    for ch in text:
        if ord(ch) > 127:
            if ch in _PLAUSIBLE:
                good += 1
            else:
                bad += 1
    return good - 3 * bad


def _decode_legacy(data: bytes, path: Path) -> tuple[str, str]:
    """Windows-1252 or Mac Roman: charset-normalizer's judgement, checked by the characters each gives."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1252", "mac_roman"], preemptive_behaviour=False).best()
    decoded = {}
    for enc in ("cp1252", "mac_roman"):
        try:
            decoded[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if not decoded:
        raise SurveyFileError(
            f"{path}: cannot be decoded as UTF-8, Windows-1252 or Mac Roman text; save the export as CSV UTF-8",
            path)
    guess = best.encoding if best is not None and best.encoding in decoded else next(iter(decoded))
    scores = {enc: _plausibility(text) for enc, text in decoded.items()}
    top = max(scores, key=lambda e: (scores[e], e == guess))
    return decoded[top], top


def _parse_records(text: str, delimiter: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """csv records with the line number where each starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=False)
    out: list[tuple[int, list[str]]] = []
    start = 1
    for rec in reader:
        out.append((start, rec))
        start = reader.line_num + 1
        if limit is not None and len(out) >= limit:
            break
    return out


QUOTE_SPAN_LINES = 50  # a quoted field spanning more physical lines than this is not a remark


def check_quoted_fields(records: list[tuple[int, list[str]]], delimiter: str, path: Path, offset: int = 0) -> None:
    """Refuse a quoted field that swallowed other records: one whose continuation lines hold many delimiters
    (the shape of the records that follow) or that spans more than :data:`QUOTE_SPAN_LINES` lines. The error
    names the line where the quote opened: most likely a quote (") typed in a free-text answer and never closed."""
    widths = sorted(len(r) for _, r in records)
    typical = widths[len(widths) // 2] if widths else 0
    need = max(2, (typical - 1) // 2)
    for line, rec in records:
        for j, text in enumerate(rec):
            if "\n" not in text and "\r" not in text:
                continue
            parts = text.splitlines()
            spans = len(parts)
            recordlike = sum(p.count(delimiter) >= need for p in parts[1:])
            if recordlike or spans > QUOTE_SPAN_LINES:
                name = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
                why = (f"{recordlike} of its {spans} lines look like records ({need} or more {name}s)"
                       if recordlike else f"it spans {spans} lines")
                raise SurveyFileError(
                    f"{path}, line {line + offset}, field {j + 1}: a quoted field opens here and runs over "
                    f"{spans} physical lines; {why}. Most likely cause: a quote (\") in a free-text answer that is "
                    f"never closed, so the records after it were swallowed into one cell ('{_shown(parts[0])}'). "
                    "Fix: close or remove the quote on that line (or export the file again); nothing is read "
                    "from a file whose records cannot be told apart",
                    path, line + offset, f"field {j + 1}",
                )


def _shown(text: str, n: int = 40) -> str:
    text = text.strip()
    return (text[:n] + "…") if len(text) > n else text


def sniff_delimiter(text: str) -> str:
    """The field delimiter: the one that gives the most lines with the same (>1) number of fields."""
    sample = "\n".join(text.splitlines()[:60])
    scores = {}
    for d in CSV_DELIMITERS:
        try:
            recs = [r for _, r in _parse_records(sample, d, limit=60) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not recs:
            continue
        lengths = pd.Series([len(r) for r in recs])
        mode = int(lengths.mode().max())
        if mode < 2:
            continue
        same = float((lengths == mode).mean())
        scores[d] = (round(same, 2), mode)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(CSV_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if not scores:
        return sniffed or ";"
    best = max(scores, key=lambda d: scores[d])
    if sniffed in scores and scores[sniffed][0] >= scores[best][0]:
        return sniffed
    return best


def read_csv(path: Path) -> Grid:
    """Read a delimited text export into one grid; row numbers are file line numbers."""
    data = path.read_bytes()
    if not data.strip():
        raise SurveyFileError(f"{path}: the file is empty", path)
    text, encoding, notes = decode_text(data, path)
    if not text.strip():
        raise SurveyFileError(f"{path}: the file is empty", path)
    offset = 0
    m = _SEP_LINE.match(text)
    if m:
        delimiter = m.group(1)
        text = text[m.end():]
        offset = 1
        notes.append(f"delimiter '{delimiter}' taken from the first line 'sep={delimiter}'")
    else:
        delimiter = sniff_delimiter(text)
    csv.field_size_limit(max(csv.field_size_limit(), 10_000_000))
    try:
        records = _parse_records(text, delimiter)
    except csv.Error as err:
        raise SurveyFileError(f"{path}: not a readable CSV file: {err}", path) from err
    check_quoted_fields(records, delimiter, path, offset)
    name = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return Grid(path, "csv", [r for _, r in records], [line + offset for line, _ in records],
                dialect=f"{name}-separated, {encoding}", notes=notes)


# --------------------------------------------------------------------------- spreadsheets


def _fill_merged(values: list[list[str]], ranges) -> int:
    """Give every cell of a merged range the value of its top-left cell; the number of ranges filled."""
    n = 0
    for r0, c0, r1, c1 in ranges:
        if r0 >= len(values):
            continue
        top = values[r0][c0] if c0 < len(values[r0]) else ""
        if not top:
            continue
        n += 1
        for r in range(r0, min(r1, len(values) - 1) + 1):
            row = values[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if not row[c]:
                    row[c] = top
    return n


def _grid_from_values(path: Path, kind: str, title: str, sheets: tuple[str, ...], values: list[list[str]],
                      merged: int) -> Grid:
    width = max((len(r) for r in values), default=0)
    records = [r + [""] * (width - len(r)) for r in values]
    dialect = f"sheet '{title}'" + (f", {merged} merged cell range(s) filled" if merged else "")
    return Grid(path, kind, records, list(range(1, len(records) + 1)), sheet=title, sheets=sheets, dialect=dialect)


def _pick_sheets(path: Path, names: list[str], sheet: str | None) -> list[str]:
    if not names:
        raise SurveyFileError(f"{path}: the workbook has no worksheets", path)
    if sheet is None:
        return names
    if sheet in names:
        return [sheet]
    raise SurveyFileError(f"{path}: no sheet '{sheet}'; sheets: {', '.join(repr(s) for s in names)}", path)


def read_xlsx(path: Path, sheet: str | None = None) -> list[Grid]:
    """Every (or the named) worksheet of an .xlsx workbook; merged cells take their top-left value."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as err:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise SurveyFileError(f"{path}: not a readable Excel workbook (.xlsx): {err}", path) from err
    try:
        names = list(wb.sheetnames)
        grids = []
        for title in _pick_sheets(path, names, sheet):
            ws = wb[title]
            values = [[cell_text(v) for v in row] for row in ws.iter_rows(min_row=1, values_only=True)]
            ranges = [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in ws.merged_cells.ranges]
            merged = _fill_merged(values, ranges)
            grids.append(_grid_from_values(path, "xlsx", title, tuple(names), values, merged))
    finally:
        wb.close()
    return grids


def read_calamine(path: Path, kind: str, sheet: str | None = None) -> list[Grid]:
    """Every (or the named) sheet of an .xls or .ods workbook, read with python-calamine."""
    from python_calamine import CalamineWorkbook

    what = {"xls": "Excel 97-2003 workbook (.xls)", "ods": "OpenDocument spreadsheet (.ods)"}[kind]
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception as err:  # CalamineError and friends
        raise SurveyFileError(f"{path}: not a readable {what}: {err}", path) from err
    grids = []
    for title in _pick_sheets(path, names, sheet):
        try:
            ws = wb.get_sheet_by_name(title)
            rows = ws.to_python(skip_empty_area=False)
            ranges = []
            try:
                ranges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (ws.merged_cell_ranges or [])]
            except Exception:  # older calamine: no merged-cell information
                ranges = []
        except Exception as err:
            raise SurveyFileError(f"{path}: sheet '{title}' cannot be read: {err}", path) from err
        values = [[cell_text(v) for v in r] for r in rows]
        merged = _fill_merged(values, ranges)
        grids.append(_grid_from_values(path, kind, title, tuple(names), values, merged))
    return grids


# --------------------------------------------------------------------------- SPSS and Stata


def _table_from_frame(path: Path, kind: str, df: pd.DataFrame, labels: list[str | None], dialect: str) -> RawTable:
    headers = [str(c) for c in df.columns]
    columns = [[cell_text(v) for v in df[c].tolist()] for c in df.columns]
    cells = [list(r) for r in zip(*columns, strict=True)] if columns else []
    rows = list(range(1, len(cells) + 1))
    while cells and not any(c.strip() for c in cells[-1]):
        cells.pop()
        rows.pop()
    return RawTable(path, kind, headers, cells, rows, 0, labels=labels, dialect=dialect)


UNLABELLED = "(code without a value label)"


def _apply_labels(df: pd.DataFrame, value_labels: dict) -> tuple[pd.DataFrame, list[str]]:
    """Numeric codes through their value labels. In a categorical labelled variable (two or more labels that
    are not all sentinel codes such as 99 or -1) a code without a label becomes the text "<code> (code without
    a value label)", which no codebook label or municipality matches: a cell issue, never a bare number read
    as an answer or a CBS code. Returns the frame and a note per variable with such codes."""
    notes = []
    out = df.copy()
    for col, labels in (value_labels or {}).items():
        if col not in out.columns or not labels:
            continue
        keys = {_num_key(k): str(v) for k, v in labels.items()}
        categorical = len(keys) >= 2 and not all(isinstance(k, float) and (k < 0 or k >= 90) for k in keys)
        bad = set()

        def label(x, keys=keys, categorical=categorical, bad=bad):
            if x is None or (isinstance(x, float) and math.isnan(x)):
                return x
            k = _num_key(x)
            if k in keys:
                return keys[k]
            if categorical:
                bad.add(cell_text(x))
                return f"{cell_text(x)} {UNLABELLED}"
            return x

        out[col] = [label(x) for x in out[col].tolist()]
        if bad:
            notes.append(f"variable '{col}': code(s) {', '.join(sorted(bad))} without a value label (cell issues)")
    return out, notes


def _num_key(x: object) -> object:
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


def read_sav(path: Path) -> RawTable:
    """Read an SPSS file with value labels applied; row numbers are case numbers."""
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as err:  # pyreadstat.ReadstatError and friends
        raise SurveyFileError(f"{path}: not a readable SPSS .sav file: {err}", path) from err
    df, notes = _apply_labels(df, meta.variable_value_labels)
    labels = [str(lab) if lab else None for lab in (meta.column_labels or [None] * len(df.columns))]
    raw = _table_from_frame(path, "sav", df, labels, "SPSS")
    raw.notes += notes
    raw.decisions.append(f"SPSS file: {len(meta.variable_value_labels or {})} variable(s) with value labels read "
                         "through their labels; variable labels used as question texts")
    return raw


def read_dta(path: Path) -> RawTable:
    """Read a Stata file with value labels applied; row numbers are case (observation) numbers."""
    import pyreadstat

    try:
        df, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    except Exception as err:  # pyreadstat.ReadstatError and friends
        raise SurveyFileError(f"{path}: not a readable Stata .dta file: {err}", path) from err
    df, notes = _apply_labels(df, meta.variable_value_labels)
    labels = [str(lab) if lab else None for lab in (meta.column_labels or [None] * len(df.columns))]
    raw = _table_from_frame(path, "dta", df, labels, "Stata")
    raw.notes += notes
    raw.decisions.append(f"Stata file: {len(meta.variable_value_labels or {})} variable(s) with value labels read "
                         "through their labels; variable labels used as question texts")
    return raw
