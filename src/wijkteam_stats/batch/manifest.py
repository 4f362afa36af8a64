"""``outputs/manifest.json``: what every report was built from, read and written under the outputs lock.

* :func:`update_manifest` is the only writer of the file: it reads it (with the journal), applies one change
  and writes it back atomically, so nothing is written from a stale copy. A built report is recorded by
  :func:`record_item`, which appends one line to ``manifest.journal.jsonl`` instead of rewriting the whole
  manifest per report (a cost that would grow with every report built); reading the manifest replays the
  journal, and the next write folds it in (at the latest at the end of the run). A kill leaves the journal
  for the next run to replay; a half-written last line is ignored (that report is then rebuilt).
* :func:`verify_item` checks that a recorded report's HTML and JSON on disk still have the recorded SHA-256
  hashes; the runner skips a report only when its key matches *and* its files verify.
* A manifest that is not valid JSON or has the wrong shape is not thrown away: the readable, well-shaped
  records are kept, the broken file is kept beside it as ``manifest.json.corrupt-<UTC time>`` (every
  corruption keeps its own copy, never overwriting an earlier one), and reports on disk that
  have no usable record are recorded again from their files, marked ``stale`` (their inputs are unknown, so
  the next run rebuilds them).
* An item may carry ``"stale": true`` and ``"stale_reason"``: the report on disk is the last good one, but
  its rebuild failed or has not run (the site shows it as *verouderd*).

Timestamps honour ``SOURCE_DATE_EPOCH``, so a build with it set writes the same manifest on any day.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wijkteam_stats.reference import freshness
from wijkteam_stats.reference.writers import CorruptFileError, atomic_write_text, read_json

SCHEMA = 1
_UPDATE = threading.RLock()
ITEM_FIELDS = ("key", "html", "data", "html_sha256", "data_sha256")


JOURNAL = "manifest.journal.jsonl"


def manifest_path(outputs_dir: str | Path) -> Path:
    return Path(outputs_dir) / "manifest.json"


def journal_path(outputs_dir: str | Path) -> Path:
    return Path(outputs_dir) / JOURNAL


def _replay_journal(outputs_dir: Path, manifest: dict[str, Any]) -> int:
    """Apply the journal's complete, well-shaped records to ``manifest``; returns how many."""
    try:
        text = journal_path(outputs_dir).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    n = 0
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # a line cut off by a kill or a full disk: that report has no record
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(entry, dict) or not _well_shaped_item(entry.get("item")):
            continue
        section(manifest, int(entry["wave"]))["items"][str(entry["code"])] = entry["item"]
        n += 1
    return n


def record_item(outputs_dir: str | Path, wave: int, code: str, item: dict[str, Any]) -> None:
    """Record one built report: one appended journal line (see the module docstring); under the outputs lock."""
    line = json.dumps({"wave": int(wave), "code": code, "item": item}, sort_keys=True, ensure_ascii=False) + "\n"
    with _UPDATE, open(journal_path(outputs_dir), "a", encoding="utf-8") as fh:
        fh.write(line)


def build_time() -> str:
    """ISO time of the build: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch else datetime.now(UTC)
    return moment.isoformat(timespec="seconds")


def sha256_of(path: Path) -> str | None:
    """SHA-256 of a file read now (no cache: this is the check that the file did not change), or None."""
    return freshness.sha256_now(path)


def _well_shaped_item(item: Any) -> bool:
    return isinstance(item, dict) and all(isinstance(item.get(f), str) or (f == "key" and item.get(f) is None)
                                          for f in ITEM_FIELDS)


def verify_item(item: dict[str, Any], outputs_dir: str | Path) -> str | None:
    """None when the item's HTML and JSON exist with the recorded hashes, else what is wrong."""
    if not _well_shaped_item(item):
        return "record is incomplete"
    return freshness.verify_files({item[kind]: item[f"{kind}_sha256"] for kind in ("html", "data")}, outputs_dir)


def _numbers_code(path: Path) -> str | None:
    try:
        data = read_json(path)
    except (CorruptFileError, OSError):
        return None
    return data.get("gm_code") if isinstance(data, dict) else None


def recover_items(outputs_dir: Path, manifest: dict[str, Any], reason: str, wave: int | None = None,
                  codes: list[str] | None = None) -> list[str]:
    """Record reports on disk that have no usable record (HTML non-empty, JSON readable and of the same
    municipality) as ``stale`` items with unknown key; returns the codes recorded. ``wave`` and ``codes``
    limit the search (default: every wave folder and report)."""
    recovered = []
    reports = outputs_dir / "reports"
    for wave_dir in sorted(p for p in reports.glob("*") if p.is_dir() and p.name.isdigit()):
        if wave is not None and wave_dir.name != str(wave):
            continue
        section = manifest.setdefault("reports", {}).setdefault(wave_dir.name, {})
        items = section.setdefault("items", {})
        candidates = (sorted(wave_dir.glob("GM*.html")) if codes is None
                      else [wave_dir / f"{c}.html" for c in codes if (wave_dir / f"{c}.html").is_file()])
        for html in candidates:
            code = html.stem
            data = wave_dir / "data" / f"{code}.json"
            if code in items or html.stat().st_size == 0 or _numbers_code(data) != code:
                continue
            items[code] = {
                "key": None, "name": code,
                "html": str(html.relative_to(outputs_dir)), "data": str(data.relative_to(outputs_dir)),
                "html_sha256": sha256_of(html), "data_sha256": sha256_of(data),
                "stale": True, "stale_reason": reason,
            }
            recovered.append(f"{wave_dir.name}/{code}")
    return recovered


def _normalise(data: Any) -> tuple[dict[str, Any], list[str]]:
    """The well-shaped part of a parsed manifest and what was dropped."""
    dropped: list[str] = []
    if not isinstance(data, dict):
        return {}, [f"top level is a {type(data).__name__}, not an object"]
    reports = data.get("reports", {})
    if not isinstance(reports, dict):
        dropped.append("'reports' is not an object")
        reports = {}
    clean_reports: dict[str, Any] = {}
    for wave, section in reports.items():
        if not isinstance(section, dict):
            dropped.append(f"reports.{wave} is not an object")
            continue
        items = section.get("items", {})
        if not isinstance(items, dict):
            dropped.append(f"reports.{wave}.items is not an object")
            items = {}
        good = {code: item for code, item in items.items() if _well_shaped_item(item)}
        dropped += [f"reports.{wave}.items.{code}" for code in items if code not in good]
        input_sets = section.get("input_sets", {})
        clean_reports[str(wave)] = {**section, "items": good,
                                    "input_sets": input_sets if isinstance(input_sets, dict) else {}}
    return {**data, "reports": clean_reports}, dropped


def load_manifest(outputs_dir: str | Path, say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The manifest of ``outputs_dir`` (``{}`` when absent), repaired when corrupt or wrong-shaped (see the
    module docstring; ``say`` gets one line about a repair)."""
    outputs_dir = Path(outputs_dir)
    path = manifest_path(outputs_dir)
    if not path.is_file():
        manifest: dict[str, Any] = {}
        _replay_journal(outputs_dir, manifest)
        return manifest
    try:
        data = read_json(path, "manifest")
        problem = None
    except CorruptFileError as err:
        data, problem = {}, str(err)
    manifest, dropped = _normalise(data)
    _replay_journal(outputs_dir, manifest)
    if problem is None and not dropped:
        return manifest
    if problem is None:
        problem = f"manifest {path} has the wrong shape ({'; '.join(dropped[:3])}" + (
            f" and {len(dropped) - 3} more" if len(dropped) > 3 else "") + ")"
    backup = corrupt_copy_path(path)
    try:
        os.replace(path, backup)
    except OSError:
        backup = None
    recovered = recover_items(outputs_dir, manifest, "manifest was repaired; the inputs of this report are "
                              "unknown until it is rebuilt")
    write_manifest(outputs_dir, manifest)
    if say:
        say(f"warning: {problem}; " + (f"kept as {backup.name}; " if backup else "")
            + f"repaired: {sum(len(s['items']) for s in manifest.get('reports', {}).values())} records kept, "
            f"{len(recovered)} recovered from the report files (marked stale)")
    return manifest


def corrupt_copy_path(path: Path) -> Path:
    """Where a corrupt file is kept: ``<name>.corrupt-<UTC time>`` (a counter when that exists already)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")  # the real clock: when the damage was found
    candidate, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    return candidate


def write_manifest(outputs_dir: str | Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest atomically (stable key order); ``manifest`` must include the journal's records (as
    :func:`load_manifest` returns them), which is then removed."""
    out = atomic_write_text(manifest_path(outputs_dir),
                            json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    journal_path(outputs_dir).unlink(missing_ok=True)
    return out


def update_manifest(outputs_dir: str | Path, change: Callable[[dict[str, Any]], None],
                    say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Read the manifest on disk, apply ``change`` to it and write it back (call under the outputs lock,
    which keeps other processes out; a process-wide mutex keeps this process's threads in turn)."""
    with _UPDATE:
        manifest = load_manifest(outputs_dir, say)
        change(manifest)
        write_manifest(outputs_dir, manifest)
    return manifest


def section(manifest: dict[str, Any], wave: int) -> dict[str, Any]:
    """The manifest's section of ``wave`` (created when absent)."""
    sec = manifest.setdefault("reports", {}).setdefault(str(wave), {})
    sec.setdefault("items", {})
    sec.setdefault("input_sets", {})
    return sec
