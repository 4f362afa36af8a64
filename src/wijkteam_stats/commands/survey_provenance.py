"""``--provenance`` / ``--who`` / ``--role`` for every command that takes ``--survey``: one helper, so that
``reports``, ``reproduce``, ``models`` and ``trends`` treat a survey file without a provenance record alike.

A file with its own record (sidecar ``.meta.json`` or embedded metadata) is used as it is; the flag may only
confirm it. A file without a record is refused unless the flag says what it is; then the file is copied, once
per content, to ``<outputs>/provenance/<sha256[:12]>/<name>`` with a sidecar that records the declaration
(``declared_with_flag: true``). The commands read that copy, so the declaration travels into their outputs
(report JSON, notebook banners, the manifest's survey path) and, for the batch runner, into the hashed inputs
(the sidecar of the survey file is one of them): a changed declaration makes the reports stale.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from wijkteam_stats.commands.clean import add_provenance_arguments
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.provenance import (
    FLAG_HINT,
    ProvenanceError,
    data_fingerprint,
    read_provenance,
    resolve_provenance,
    sidecar_paths,
    write_derived_sidecar,
)

__all__ = ["add_provenance_arguments", "declared_survey", "survey_with_provenance"]

#: Fields of a declaration that must agree for an existing copy to be reused (the date stays the first one's).
_SAME = ("kind", "who", "role")


def declared_survey(source: str | Path, kind: str | None, outputs_dir: str | Path, *, who: str | None = None,
                    role: str | None = None) -> Path:
    """The survey file to use: ``source`` itself when it has a provenance record (checked against ``kind``),
    else a recorded copy under ``outputs_dir/provenance/``; :class:`ProvenanceError` naming the flag when the
    file has no record and ``kind`` is None."""
    src = Path(source).expanduser()
    if not src.is_absolute() and not src.exists():  # as the report parameters do: relative to the project
        src = paths.ROOT / src
    src = src.resolve()
    if not src.is_file():
        raise FileNotFoundError(f"survey file not found: {src}")
    record = resolve_provenance(src, kind, who=who, role=role)
    if read_provenance(src).known:
        return src
    if record.get("kind") == "unknown":
        raise ProvenanceError(
            f"{src.name}: herkomst onbekend / provenance unknown (no record {' or '.join(m.name for m in sidecar_paths(src))} "
            f"beside it); say what the data are with {FLAG_HINT} (and --who/--role for self-reported answers), "
            "or clean it first with `wijkteam clean FILE --wave W --provenance ...`")
    copy = Path(outputs_dir).expanduser().resolve() / "provenance" / data_fingerprint(src) / src.name
    if copy.is_file():
        old = read_provenance(copy)
        if old.known and all(old.record.get(k) == record.get(k) for k in _SAME):
            return copy  # same content, same declaration: unchanged inputs, reports stay current
    copy.parent.mkdir(parents=True, exist_ok=True)
    tmp = copy.with_name(copy.name + ".tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(copy)
    for old_meta in sidecar_paths(copy):
        old_meta.unlink(missing_ok=True)
    write_derived_sidecar(copy, src, record)
    return copy


def survey_with_provenance(args: argparse.Namespace, survey: str | Path, outputs_dir: str | Path) -> Path:
    """:func:`declared_survey` with the command's ``--provenance``/``--who``/``--role``."""
    return declared_survey(survey, getattr(args, "provenance", None), outputs_dir,
                           who=getattr(args, "who", None), role=getattr(args, "role", None))


def provenance_summary(path: str | Path) -> str:
    """One line for a command's output: what the survey's record says (kind, and whether a flag declared it)."""
    rec = read_provenance(path)
    declared = " (declared with --provenance)" if rec.record.get("declared_with_flag") else ""
    return f"{rec.kind}{declared}: {json.dumps({k: rec.record[k] for k in _SAME if k in rec.record})}"
