"""Readers for raw survey exports: CSV (any of ``;`` ``,`` tab; UTF-8 with/without BOM, UTF-16, cp1252),
XLSX (first or named sheet) and SPSS ``.sav`` (value labels applied).

Every reader returns a :class:`RawTable`: the header, every data row as strings (``""`` for an empty cell)
and the row number as the file shows it (CSV: the line where the record starts, header = line 1;
XLSX: the sheet row; SAV: the case number). Empty rows after the last data row are not input rows.
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

CSV_DELIMITERS = (";", ",", "\t")
_DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class RawTable:
    """A survey export as read: headers, string cells per row, and the file's own row numbers."""

    path: Path
    kind: str  # "csv", "xlsx" or "sav"
    headers: list[str]
    cells: list[list[str]]
    rows: list[int]
    header_row: int = 1
    labels: list[str | None] = field(default_factory=list)  # SPSS variable labels (SAV only)
    sheet: str | None = None
    dialect: str = ""  # e.g. "semicolon-separated, utf-8-sig"

    @property
    def row_word(self) -> str:
        """How a row is called in messages: "line" (CSV), "row" (XLSX) or "case" (SAV)."""
        return {"csv": "line", "xlsx": "row", "sav": "case"}[self.kind]

    def column_ref(self, i: int) -> str:
        """A column as a person finds it in the file: number or letter plus the header text."""
        if self.kind == "xlsx":
            from openpyxl.utils import get_column_letter

            pos = f"column {get_column_letter(i + 1)}"
        elif self.kind == "sav":
            pos = "variable"
        else:
            pos = f"column {i + 1}"
        return f"{pos} '{self.headers[i]}'"

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
    if pd.isna(value):  # type: ignore[arg-type]
        return ""
    return str(value)


def _trim_trailing_empty(cells: list[list[str]], rows: list[int]) -> None:
    while cells and not any(c.strip() for c in cells[-1]):
        cells.pop()
        rows.pop()


def _detect_kind(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SurveyFileError(
            f"{path}: this is an old Excel .xls (or other OLE) file; save it as .xlsx or CSV first", path
        )
    return "csv"


def read_raw(path: str | Path, sheet: str | None = None) -> RawTable:
    """Read a CSV, XLSX or SAV survey export (the format is recognised from the file's first bytes)."""
    path = Path(path)
    if not path.exists():
        raise SurveyFileError(f"{path}: no such file", path)
    if not path.is_file():
        raise SurveyFileError(f"{path}: not a file", path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as err:
        raise SurveyFileError(f"{path}: cannot be opened: {err.strerror or err}", path) from err
    if not head:
        raise SurveyFileError(f"{path}: the file is empty", path)
    kind = _detect_kind(path, head)
    if sheet is not None and kind != "xlsx":
        raise SurveyFileError(f"{path}: --sheet '{sheet}' given, but this is not an Excel workbook", path)
    reader = {"csv": read_csv, "xlsx": read_xlsx, "sav": read_sav}[kind]
    table = reader(path, sheet) if kind == "xlsx" else reader(path)
    if not table.headers or not any(h.strip() for h in table.headers):
        raise SurveyFileError(f"{table.where()}: no header row (the file holds no column names)", path)
    if not table.cells:
        hr = table.header_row or None
        raise SurveyFileError(f"{table.where(hr)}: header only, the file holds no data rows", path, hr)
    return table


# --------------------------------------------------------------------------- CSV


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a CSV file: UTF-16 (with BOM), else UTF-8 (BOM optional), else cp1252; refuse binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise SurveyFileError(f"{path}: not valid UTF-16 text (byte {err.start})", path) from err
    if b"\x00" in data[:65536]:
        raise SurveyFileError(
            f"{path}: binary data (NUL bytes), not a CSV text file, Excel workbook or SPSS file", path
        )
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as err:
            last_err = err
            continue
        sample = text[:65536]
        if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 200):
            raise SurveyFileError(f"{path}: binary data (control characters), not a CSV text file", path)
        return text, enc
    line = data[: last_err.start].count(b"\n") + 1
    raise SurveyFileError(
        f"{path}: line {line}: cannot be decoded as UTF-8 or Windows-1252 text (byte {last_err.start}); "
        "save the export as CSV UTF-8", path, line,
    )


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


def sniff_delimiter(text: str) -> str:
    """The field delimiter (``;``, ``,`` or tab): csv.Sniffer, checked against field counts of the first lines."""
    sample = "\n".join(text.splitlines()[:50])
    scores = {}
    for d in CSV_DELIMITERS:
        try:
            recs = [r for _, r in _parse_records(sample, d, limit=50) if r]
        except csv.Error:
            continue
        if not recs or len(recs[0]) < 2:
            continue
        n = len(recs[0])
        same = sum(len(r) == n for r in recs) / len(recs)
        scores[d] = (same, n)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(CSV_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in scores and scores[sniffed][0] >= max(s for s, _ in scores.values()):
        return sniffed
    if scores:
        return max(scores, key=lambda d: scores[d])
    return sniffed or ";"


def read_csv(path: Path) -> RawTable:
    """Read a delimited text export; row numbers are file line numbers (header = line 1)."""
    data = path.read_bytes()
    if not data.strip():
        raise SurveyFileError(f"{path}: the file is empty", path)
    text, encoding = decode_text(data, path)
    if not text.strip():
        raise SurveyFileError(f"{path}: the file is empty", path)
    delimiter = sniff_delimiter(text)
    csv.field_size_limit(max(csv.field_size_limit(), 10_000_000))
    try:
        records = _parse_records(text, delimiter)
    except csv.Error as err:
        raise SurveyFileError(f"{path}: not a readable CSV file: {err}", path) from err
    while records and not any(c.strip() for c in records[0][1]):
        records.pop(0)
    if not records:
        raise SurveyFileError(f"{path}: the file is empty", path)
    header_line, headers = records[0]
    headers = [h.strip() for h in headers]
    while len(headers) > 1 and not headers[-1]:
        headers.pop()  # trailing delimiters after the last header
    n = len(headers)
    cells: list[list[str]] = []
    rows: list[int] = []
    for line, rec in records[1:]:
        if len(rec) > n:
            extra = [i for i in range(n, len(rec)) if rec[i].strip()]
            if extra:
                raise SurveyFileError(
                    f"{path}: line {line}: {len(rec)} fields, but the header (line {header_line}) has {n}; "
                    f"column {extra[0] + 1} has a value but no header (delimiter '{_DELIMITER_NAMES[delimiter]}')",
                    path, line, f"column {extra[0] + 1}",
                )
            rec = rec[:n]
        elif len(rec) < n:
            rec = rec + [""] * (n - len(rec))
        cells.append(rec)
        rows.append(line)
    _trim_trailing_empty(cells, rows)
    return RawTable(path, "csv", headers, cells, rows, header_line,
                    dialect=f"{_DELIMITER_NAMES[delimiter]}-separated, {encoding}")


# --------------------------------------------------------------------------- XLSX


def read_xlsx(path: Path, sheet: str | None = None) -> RawTable:
    """Read the first (or the named) sheet of a workbook; row numbers are the sheet's row numbers."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise SurveyFileError(f"{path}: not a readable Excel workbook (.xlsx): {err}", path) from err
    try:
        if sheet is None:
            if not wb.worksheets:
                raise SurveyFileError(f"{path}: the workbook has no worksheets", path)
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise SurveyFileError(
                f"{path}: no sheet '{sheet}'; sheets: {', '.join(repr(s) for s in wb.sheetnames)}", path
            )
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # do not trust the stored dimension tag
        values = [[cell_text(v) for v in row] for row in ws.iter_rows(min_row=1, values_only=True)]
        title = ws.title
    finally:
        wb.close()
    first = next((i for i, r in enumerate(values) if any(c.strip() for c in r)), None)
    if first is None:
        raise SurveyFileError(f"{path}: sheet '{title}' is empty", path)
    headers = [h.strip() for h in values[first]]
    while headers and not headers[-1]:
        headers.pop()
    n = len(headers)
    cells, rows = [], []
    for i in range(first + 1, len(values)):
        rec = values[i]
        extra = [j for j in range(n, len(rec)) if rec[j].strip()]
        if extra:
            from openpyxl.utils import get_column_letter

            raise SurveyFileError(
                f"{path}, sheet '{title}', row {i + 1}: column {get_column_letter(extra[0] + 1)} has a value "
                "but no header", path, i + 1, get_column_letter(extra[0] + 1),
            )
        rec = (rec + [""] * n)[:n]
        cells.append(rec)
        rows.append(i + 1)
    _trim_trailing_empty(cells, rows)
    return RawTable(path, "xlsx", headers, cells, rows, first + 1, sheet=title, dialect=f"sheet '{title}'")


# --------------------------------------------------------------------------- SAV


def read_sav(path: Path) -> RawTable:
    """Read an SPSS file with value labels applied; row numbers are case numbers."""
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=True, formats_as_category=False)
    except Exception as err:  # pyreadstat.ReadstatError and friends
        raise SurveyFileError(f"{path}: not a readable SPSS .sav file: {err}", path) from err
    headers = [str(c) for c in meta.column_names]
    labels = [str(lab) if lab else None for lab in (meta.column_labels or [None] * len(headers))]
    columns = [[cell_text(v) for v in df[c].tolist()] for c in df.columns]
    cells = [list(r) for r in zip(*columns, strict=True)] if columns else []
    rows = list(range(1, len(cells) + 1))
    _trim_trailing_empty(cells, rows)
    return RawTable(path, "sav", headers, cells, rows, 0, labels=labels, dialect="SPSS")
