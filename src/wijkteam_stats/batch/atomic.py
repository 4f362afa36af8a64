"""Atomic file writes: a temporary file in the target folder, fsync, then ``os.replace``.

An interrupted run therefore leaves either the old file or the new one, never half a file. Files get the
usual permissions (``0o666`` minus the umask), not ``mkstemp``'s private ``0o600``: reports are published.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .. import paths

TMP_SUFFIX = ".tmp"


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
