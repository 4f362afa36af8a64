"""Every file the project writes goes through here: atomic writes and formula-safe CSV/XLSX tables.

Atomic writes: a temporary file in the target folder, fsync, then ``os.replace``, so an interrupted run
leaves either the old file or the new one, never half a file. Files get the usual permissions (``0o666``
minus the umask), not ``mkstemp``'s private ``0o600``: reports are published.

``safe_to_csv`` / ``safe_to_excel`` neutralise formula injection: a text cell that starts with ``=``, ``+``,
``-``, ``@`` (or tab / carriage return) gets a leading single quote, so spreadsheet programs show it as text.
Numbers are written as numbers. XLSX output is byte-reproducible (fixed zip times and document properties).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from wijkteam_stats.reference import paths

TMP_SUFFIX = ".tmp"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_W3CDTF = "2000-01-01T00:00:00Z"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (refuses ``data/raw``); returns the path."""
    path = Path(path)
    paths.ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; returns the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Delete temporary files an interrupted run left in ``folder`` (``.<name>.*.tmp``); returns them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    stale = [p for p in folder.glob(f".*{TMP_SUFFIX}") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


# --------------------------------------------------------------------------- safe writers


def neutralize(value: object) -> object:
    """A text value made safe for spreadsheets (leading quote before = + - @ tab CR); other values as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) are neutralised against formula injection."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
            out[c] = s.map(neutralize, na_action="ignore")
    out.columns = [neutralize(c) for c in out.columns]
    return out


def safe_to_csv(df: pd.DataFrame, path: str | Path, *, sep: str = ",", encoding: str = "utf-8",
                index: bool = False, **kwargs) -> Path:
    """Write ``df`` as CSV with text cells neutralised against formula injection (``\\n`` line ends)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("lineterminator", "\n")
    neutralize_frame(df).to_csv(path, sep=sep, encoding=encoding, index=index, **kwargs)
    return path


def _excel_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return neutralize(value)


def _normalise_xlsx(path: Path) -> None:
    """Make an openpyxl workbook byte-reproducible: fixed zip entry times and document properties."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zout.writestr(info, data)
    path.write_bytes(buf.getvalue())


def _write_xlsx(path: Path, header: Sequence[object], rows: Sequence[Sequence[object]], sheet_name: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_name
    ws.append([_excel_value(h) for h in header])
    for row in rows:
        ws.append([_excel_value(v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    _normalise_xlsx(path)
    return path


def safe_to_excel(df: pd.DataFrame, path: str | Path, *, sheet_name: str = "Sheet1") -> Path:
    """Write ``df`` (no index) to an .xlsx sheet with text cells neutralised; byte-reproducible."""
    rows = df.astype(object).itertuples(index=False, name=None)
    return _write_xlsx(Path(path), list(df.columns), list(rows), sheet_name)
