"""One notion of "current": hashing inputs and deciding whether something built from them is up to date.

Both the pipeline's step stamps (``outputs/.stamps/<step>.json``) and the report manifest
(``outputs/manifest.json``) record *what* a result was built from as ``{name: sha256}`` of every input (data
files, code, templates, notebook, command line). A result is current only when that record equals the hashes
of what is on disk now (:func:`changes`), and its own files still have the recorded hashes
(:func:`verify_files`). Anything else is outdated, with a reason naming what changed (:func:`reason_nl` for
published pages, :func:`reason_en` for the terminal).

Hashing is cached per process by path, size and modification time (:func:`file_sha256`), so a run hashes each
shared input once; :func:`sha256_now` reads the file again (for checking outputs that may have been edited).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from wijkteam_stats.reference.writers import CorruptFileError, atomic_write_text, read_json


@lru_cache(maxsize=4096)
def _cached_sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, cached per process by path, size and modification time (OSError when unreadable)."""
    p = Path(path).resolve()
    st = p.stat()
    return _cached_sha256(str(p), st.st_size, st.st_mtime_ns)


def forget() -> None:
    """Drop the per-process hash cache (at the start of a run: a file rewritten within one clock tick keeps
    its size and modification time)."""
    _cached_sha256.cache_clear()


def sha256_now(path: str | Path) -> str | None:
    """SHA-256 of a file read now (no cache: the check that an output was not edited), or None when unreadable."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def text_sha256(text: str) -> str:
    """SHA-256 of a text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(record: Mapping[str, object]) -> str:
    """One SHA-256 over a record of hashes (or any JSON-able mapping), independent of key order."""
    return text_sha256(json.dumps(record, sort_keys=True, default=str))


def tree_files(source: str | Path) -> list[Path]:
    """The files of ``source`` (itself when a file; every file below it, sorted, when a folder; no caches or
    hidden files)."""
    p = Path(source)
    if p.is_dir():
        return sorted(f for f in p.rglob("*") if f.is_file() and "__pycache__" not in f.parts
                      and not any(part.startswith(".") for part in f.relative_to(p).parts))
    return [p] if p.is_file() else []


def relative_name(path: str | Path, bases: Iterable[tuple[str, Path]]) -> str:
    """``prefix + path relative to base`` for the first base that contains ``path``, else the absolute path."""
    real = Path(path).resolve()
    for prefix, base in bases:
        base = Path(base).resolve()
        if real.is_relative_to(base):
            return prefix + real.relative_to(base).as_posix()
    return str(real)


def hash_files(sources: Iterable[str | Path], bases: Iterable[tuple[str, Path]]) -> dict[str, str]:
    """``{name: sha256}`` of every file of ``sources`` (folders expanded), named by :func:`relative_name`."""
    bases = list(bases)
    return dict(sorted((relative_name(f, bases), file_sha256(f)) for src in sources for f in tree_files(src)))


def changes(recorded: Mapping[str, str] | None, current: Mapping[str, str]) -> list[str]:
    """Names whose hash differs between a recorded set and the current one (added, removed or changed),
    sorted; ``["(no record)"]`` when nothing was recorded."""
    if not recorded:
        return ["(no record)"]
    return sorted(k for k in set(recorded) | set(current) if recorded.get(k) != current.get(k))


def _names(changed: list[str], limit: int = 3) -> str:
    shown = ", ".join(changed[:limit])
    return shown + (f" and {len(changed) - limit} more" if len(changed) > limit else "")


def reason_en(changed: list[str]) -> str:
    """A terminal line for :func:`changes` output (empty when nothing changed)."""
    if not changed:
        return ""
    if changed == ["(no record)"]:
        return "no record of what it was built from"
    return f"changed since it was built: {_names(changed)}"


def reason_nl(changed: list[str], labels: Mapping[str, str] | None = None) -> str:
    """Dutch reason for a published page (empty when nothing changed); ``labels`` gives Dutch names for
    entries that are not file names."""
    if not changed:
        return ""
    if changed == ["(no record)"]:
        return "niet bekend waaruit dit rapport is gebouwd"
    named = list(dict.fromkeys((labels or {}).get(c, c) for c in changed))
    shown = ", ".join(named[:3]) + (f" en {len(named) - 3} meer" if len(named) > 3 else "")
    return f"gewijzigd sinds de bouw: {shown}"


def verify_files(recorded: Mapping[str, str], base: str | Path) -> str | None:
    """None when every ``{relative path: sha256}`` of ``recorded`` exists under ``base`` with that hash (read
    now), else what is wrong (English)."""
    for rel, sha in recorded.items():
        digest_now = sha256_now(Path(base) / rel)
        if digest_now is None:
            return f"{rel} is missing"
        if digest_now != sha:
            return f"{rel} differs from the recorded file"
    return None


# --------------------------------------------------------------------------- stamps


def read_stamp(path: str | Path) -> dict[str, str] | None:
    """The input hashes recorded in a stamp file, or None when it is absent or unreadable."""
    try:
        data = read_json(path, "stamp")
    except (OSError, CorruptFileError):
        return None
    inputs = data.get("inputs") if isinstance(data, dict) else None
    return inputs if isinstance(inputs, dict) else None


def write_stamp(path: str | Path, inputs: Mapping[str, str], **facts: object) -> Path:
    """Record ``inputs`` (and ``facts``) in a stamp file, atomically (call only after the result was made)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, json.dumps({**facts, "inputs": dict(inputs)}, indent=1, sort_keys=True) + "\n")


def stamp_changes(path: str | Path, inputs: Mapping[str, str], outputs: Iterable[str | Path] = ()) -> list[str]:
    """What makes a stamped result outdated: :func:`changes` against the stamp, plus every missing output
    (``[]``: current)."""
    missing = [f"(output {Path(o).name} missing)" for o in outputs if not Path(o).exists()]
    return missing + changes(read_stamp(path), inputs)
