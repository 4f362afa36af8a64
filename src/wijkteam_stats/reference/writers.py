"""Every file the project writes goes through here: atomic writes and formula-safe CSV/XLSX tables.

Atomic writes: a temporary file in the target folder, fsync, then ``os.replace``, so an interrupted run
leaves either the old file or the new one, never half a file. Files get the usual permissions (``0o666``
minus the umask), not ``mkstemp``'s private ``0o600``: reports are published. A temporary file is named
``.<name>.<pid>.<random>.tmp``; :func:`remove_stale_temporaries` deletes only those of processes that no
longer run, so one run never removes the files another run is writing. :func:`atomic_write_parquet` writes
a parquet file the same way (``DataFrame.to_parquet`` itself writes in place).

``safe_to_csv`` / ``safe_to_excel`` neutralise formula injection: a text cell that starts with ``=``, ``+``,
``-``, ``@`` (or tab / carriage return) gets a leading single quote, so spreadsheet programs show it as text.
Numbers are written as numbers. XLSX output is byte-reproducible (fixed zip times and document properties).
Both are written atomically. XML (and so XLSX) cannot hold the control characters U+0000-U+001F other than
tab, line feed and carriage return: ``safe_to_excel`` removes them from text cells (free text pasted from
other programs sometimes carries them), so the export never fails on them; CSV keeps the text as it is.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import time
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


def write_temporary(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file next to ``path`` (synced, usual permissions) and return it;
    ``os.replace(tmp, path)`` then publishes it atomically. Nothing is left behind when writing fails."""
    path = Path(path)
    paths.ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (refuses ``data/raw``); returns the path."""
    path = Path(path)
    tmp = write_temporary(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; returns the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_parquet(df: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write ``df`` as parquet atomically (``kwargs`` go to ``DataFrame.to_parquet``); returns the path."""
    buf = io.BytesIO()
    df.to_parquet(buf, **kwargs)
    return atomic_write_bytes(path, buf.getvalue())


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, but belongs to someone else
        return True
    return True


_TMP_PID = re.compile(r"^\..+\.(\d+)\.[^.]+" + re.escape(TMP_SUFFIX) + "$")
#: Temporary files without a process id (older versions) count as abandoned after this many seconds.
UNOWNED_TMP_AGE = 3600


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Delete temporary files that interrupted runs left in ``folder`` (``.<name>.<pid>.*.tmp`` of processes
    that no longer run; an hour-old one without a process id); returns them. Files of running processes,
    e.g. another run writing to the same folder, are left alone."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    stale = []
    now = time.time()
    for p in folder.glob(f".*{TMP_SUFFIX}"):
        m = _TMP_PID.match(p.name)
        try:
            if m is not None:
                dead = int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1)))
            else:
                dead = p.is_file() and now - p.stat().st_mtime > UNOWNED_TMP_AGE
        except FileNotFoundError:  # its owner just renamed it
            continue
        if dead:
            stale.append(p)
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


# --------------------------------------------------------------------------- safe writers


#: Characters XML 1.0 cannot hold (C0 controls other than tab, LF, CR); removed from XLSX text cells.
ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
    kwargs.setdefault("lineterminator", "\n")
    buf = io.StringIO()
    neutralize_frame(df).to_csv(buf, sep=sep, index=index, **kwargs)
    return atomic_write_bytes(path, buf.getvalue().encode(encoding))


def _excel_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        value = ILLEGAL_XML_CHARS.sub("", value)
    return neutralize(value)


def _normalise_xlsx(source: io.BytesIO | Path) -> bytes:
    """An openpyxl workbook made byte-reproducible: fixed zip entry times and document properties."""
    with zipfile.ZipFile(source) as zin:
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
    return buf.getvalue()


def _write_xlsx(path: Path, header: Sequence[object], rows: Sequence[Sequence[object]], sheet_name: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_name
    ws.append([_excel_value(h) for h in header])
    for row in rows:
        ws.append([_excel_value(v) for v in row])
    raw = io.BytesIO()
    wb.save(raw)
    raw.seek(0)
    return atomic_write_bytes(path, _normalise_xlsx(raw))


def safe_to_excel(df: pd.DataFrame, path: str | Path, *, sheet_name: str = "Sheet1") -> Path:
    """Write ``df`` (no index) to an .xlsx sheet with text cells neutralised; byte-reproducible."""
    rows = df.astype(object).itertuples(index=False, name=None)
    return _write_xlsx(Path(path), list(df.columns), list(rows), sheet_name)


# --------------------------------------------------------------------------- reading back


class CorruptFileError(ValueError):
    """A file the project wrote cannot be read back (truncated, emptied, not JSON); the message names it."""


def read_json(path: str | Path, what: str = "JSON file") -> object:
    """The parsed JSON of ``path``; :class:`CorruptFileError` naming the file (and the position) when it is
    empty, truncated or not UTF-8 JSON."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise CorruptFileError(f"{what} {path} is corrupt (not UTF-8 text: {err.reason})") from None
    if not text.strip():
        raise CorruptFileError(f"{what} {path} is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise CorruptFileError(f"{what} {path} is corrupt (not valid JSON: {err.msg} at line {err.lineno}, "
                               f"column {err.colno})") from None
