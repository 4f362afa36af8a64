"""Provenance of a result: is the input the SYNTHETIC reconstruction, a real export, or answers a municipality
filled in itself (a zelfscan) -- and which file exactly, which code.

Only the provenance record decides, never a file name: a sidecar ``<file name>.meta.json`` (or
``<stem>.meta.json``) next to the file, or metadata embedded in it (the ``wijkteam_provenance`` key of a Parquet
file's schema metadata). A record is validated against one schema (:func:`validate_record`): ``synthetic`` is
exactly ``true`` or ``false`` (a JSON boolean), ``kind`` is ``synthetic``, ``real`` or ``self-reported`` (an old
record without ``kind`` takes it from ``synthetic``), a record of real or self-reported data names its
``source`` and ``how_made``, and a self-reported one says ``who`` filled it in (the municipality or its
adviesraad), their ``role`` (a function, never a person's name) and the ``date``. A record that breaks the
schema is an error naming the file and the field.

A file without a record has status ``"unknown"`` ("herkomst onbekend"). It fails closed: a table cleaned from
it carries ``kind: "unknown"``, and :func:`require_known` refuses to publish answers of named municipalities
from it, with a message that names the ``--provenance real|self-reported|synthetic`` flag of ``wijkteam clean``
(the explicit declaration, recorded in the cleaned table's sidecar by :func:`write_derived_sidecar`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from wijkteam_stats import __version__
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.writers import atomic_write_text

SYNTHETIC_MARKER = "SYNTHETIC"


def sidecar_paths(path: str | Path) -> list[Path]:
    """The metadata files that may describe ``path``: ``<name>.meta.json`` and ``<stem>.meta.json``."""
    p = Path(path)
    return list(dict.fromkeys([p.with_name(p.name + ".meta.json"), p.with_name(p.stem + ".meta.json")]))


def generator_parameters(path: str | Path) -> dict:
    """The reconstruction generator's parameters from the file's sidecar (``{}`` when there are none)."""
    for meta in sidecar_paths(path):
        if meta.is_file():
            info = json.loads(meta.read_text(encoding="utf-8"))
            params = info.get("parameters") or info.get("params") or {}
            if params:
                return dict(params)
    return {}


def is_synthetic(path: str | Path) -> bool:
    """True when the file's provenance record (sidecar ``.meta.json`` or embedded metadata) says the data are
    synthetic. The file name plays no part: a renamed copy keeps its label only through its record."""
    return read_provenance(path).synthetic


#: Key of the provenance record in a Parquet file's schema metadata (JSON, same fields as a sidecar).
EMBEDDED_KEY = "wijkteam_provenance"
#: What a record may say the data are (``--provenance`` of ``wijkteam clean`` and ``wijkteam assess``).
KINDS = ("real", "self-reported", "synthetic")
#: Who may fill in a zelfscan (``who`` of a self-reported record).
SELF_REPORTERS = ("gemeente", "adviesraad")
FLAG_HINT = "--provenance real|self-reported|synthetic"
_MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december"]


class ProvenanceError(ValueError):
    """A provenance record that breaks the schema, or a file whose provenance is unknown where it must be known."""


@dataclass(frozen=True)
class Provenance:
    """What the provenance record of a file says: ``status`` is ``"synthetic"``, ``"real"`` (the record says
    ``"synthetic": false``: a real export or self-reported answers) or ``"unknown"`` (no record, or the record of
    a table cleaned from a file without one); ``kind`` is ``synthetic``, ``real``, ``self-reported`` or
    ``unknown``; ``source`` names the record; ``parameters`` are the generator's parameters (synthetic records
    only); ``record`` is the validated record itself."""

    status: str
    source: str
    parameters: dict = field(default_factory=dict)
    kind: str = ""
    record: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.status)

    @property
    def synthetic(self) -> bool:
        """True only when the record says the data are synthetic."""
        return self.status == "synthetic"

    @property
    def known(self) -> bool:
        """True when the file has a valid record that says what the data are."""
        return self.status != "unknown"


def _text(data: dict, key: str, where: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise ProvenanceError(f"{where}: the provenance record lacks {key!r} (required for kind "
                                  f"{data.get('kind')!r})")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ProvenanceError(f"{where}: {key!r} must be a non-empty text, not {value!r}")
    return value.strip()


def _check_role(role: str, where: str) -> None:
    """A role is a function ("beleidsmedewerker", "lid adviesraad"), never a person's name or a contact."""
    if len(role) > 80 or re.search(r"[@\d]", role):
        raise ProvenanceError(f"{where}: 'role' must name a function (e.g. 'beleidsmedewerker sociaal domein'), "
                              f"not a name, address or number: {role!r}")


def validate_record(data: Any, where: str = "provenance record") -> dict:
    """The record checked against the schema, with ``kind`` filled in from ``synthetic`` for old records.
    Raises :class:`ProvenanceError` naming ``where`` and the field that is wrong."""
    if not isinstance(data, dict):
        raise ProvenanceError(f"{where}: expected a JSON object with a 'synthetic' field")
    out = dict(data)
    kind = out.get("kind")
    if kind == "unknown":  # a table cleaned from a file without a record: unknown stays unknown
        if out.get("synthetic") is not None:
            raise ProvenanceError(f"{where}: kind 'unknown' cannot say 'synthetic': {out['synthetic']!r}")
        return out
    if "synthetic" not in out:
        raise ProvenanceError(f"{where}: the provenance record lacks 'synthetic' (true or false)")
    synthetic = out["synthetic"]
    if not isinstance(synthetic, bool):
        raise ProvenanceError(f"{where}: 'synthetic' must be true or false (a JSON boolean), not {synthetic!r}")
    if kind is None:
        kind = out["kind"] = "synthetic" if synthetic else "real"
    if kind not in KINDS:
        raise ProvenanceError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    if (kind == "synthetic") != synthetic:
        raise ProvenanceError(f"{where}: 'kind' {kind!r} contradicts 'synthetic': {str(synthetic).lower()}")
    params = out.get("parameters") or out.get("params") or {}
    if not isinstance(params, dict):
        raise ProvenanceError(f"{where}: 'parameters' must be a JSON object")
    if not synthetic:  # a claim that answers are real must say where they come from and how they were made
        _text(out, "source", where, required=True)
        _text(out, "how_made", where, required=True)
    if kind == "self-reported":
        who = _text(out, "who", where, required=True)
        if who not in SELF_REPORTERS:
            raise ProvenanceError(f"{where}: 'who' must be one of {', '.join(SELF_REPORTERS)}, not {who!r}")
        _check_role(str(_text(out, "role", where, required=True)), where)
        day = _text(out, "date", where, required=True)
        try:
            date.fromisoformat(str(day)[:10])
        except ValueError:
            raise ProvenanceError(f"{where}: 'date' must be a date (YYYY-MM-DD), not {day!r}") from None
    return out


def _embedded_record(p: Path) -> dict | None:
    if p.suffix.lower() != ".parquet":
        return None
    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(p).metadata or {}
    except (OSError, ValueError, ImportError):
        return None
    raw = meta.get(EMBEDDED_KEY.encode())
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProvenanceError(f"{p}: embedded metadata {EMBEDDED_KEY!r} is not valid JSON: {err}") from err
    return data if isinstance(data, dict) else None


def read_provenance(path: str | Path) -> Provenance:
    """The provenance record of ``path``: its sidecar ``.meta.json`` first, else metadata embedded in the file;
    the file name plays no part. Raises :class:`ProvenanceError` (a ValueError) naming the sidecar when it is
    not valid JSON or breaks the schema (:func:`validate_record`)."""
    p = Path(path)
    for meta in sidecar_paths(p):
        if not meta.is_file():
            continue
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ProvenanceError(f"{meta}: not a valid JSON metadata file: {err}") from err
        return _record(validate_record(data, str(meta)), f"sidecar {meta.name}")
    data = _embedded_record(p)
    if data is not None:
        return _record(validate_record(data, f"{p} ({EMBEDDED_KEY})"), f"embedded metadata ({EMBEDDED_KEY})")
    return Provenance("unknown", "none")


def _record(data: dict, source: str) -> Provenance:
    if data.get("kind") == "unknown":
        return Provenance("unknown", source, {}, "unknown", data)
    synthetic = data["synthetic"]
    params = data.get("parameters") or data.get("params") or {}
    return Provenance("synthetic" if synthetic else "real", source, dict(params) if synthetic else {},
                      str(data["kind"]), data)


def require_known(path: str | Path) -> Provenance:
    """The file's provenance when it is known; else :class:`ProvenanceError` that names the file and the
    ``--provenance`` flag. Used wherever answers of named municipalities would be published."""
    rec = read_provenance(path)
    if not rec.known:
        raise ProvenanceError(
            f"{Path(path).name}: herkomst onbekend / provenance unknown (no valid record beside the file: "
            f"{' or '.join(m.name for m in sidecar_paths(path))}). Answers of named municipalities are only "
            f"published from data whose origin is recorded: clean the export with `wijkteam clean FILE --wave W "
            f"{FLAG_HINT}` (recorded in the cleaned table's sidecar), or add the record.")
    return rec


def build_day() -> str:
    """Today (UTC), or the day of ``SOURCE_DATE_EPOCH`` when set (reproducible builds), as ``YYYY-MM-DD``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


def declared_record(kind: str, source: str | Path, *, who: str | None = None, role: str | None = None,
                    day: str | None = None) -> dict:
    """The record of data whose origin is declared with ``--provenance KIND`` (validated; a self-reported
    declaration needs ``role``, the function of who filled it in)."""
    if kind not in KINDS:
        raise ProvenanceError(f"--provenance must be one of {', '.join(KINDS)}, not {kind!r}")
    rec: dict[str, Any] = {"synthetic": kind == "synthetic", "kind": kind, "source": Path(source).name,
                           "how_made": f"declared with --provenance {kind}", "declared_with_flag": True}
    if kind == "self-reported":
        if not role:
            raise ProvenanceError(f"{Path(source).name}: --provenance self-reported needs --role FUNCTION (the "
                                  "function of who filled it in, e.g. 'beleidsmedewerker'; never a name)")
        rec.update(who=who or "gemeente", role=role, date=day or build_day())
    return validate_record(rec, f"--provenance {kind} for {Path(source).name}")


def resolve_provenance(source: str | Path, declared: str | None = None, *, who: str | None = None,
                       role: str | None = None, day: str | None = None) -> dict:
    """The record that describes ``source``: its own record, checked against ``declared`` (the
    ``--provenance`` flag; a contradiction is a :class:`ProvenanceError`); the declaration when the file has
    none; ``{"kind": "unknown"}`` when neither says anything (fails closed downstream)."""
    rec = read_provenance(source)
    if rec.known:
        if declared is not None and declared != rec.kind:
            raise ProvenanceError(f"{Path(source).name}: its provenance record ({rec.source}) says "
                                  f"{rec.kind!r}; --provenance {declared} contradicts it")
        return dict(rec.record)
    if declared is None:
        return {"kind": "unknown"}
    return declared_record(declared, source, who=who, role=role, day=day)


def self_reported_line_nl(record: dict) -> str | None:
    """``zelf ingevuld door de gemeente (beleidsmedewerker) op 7 december 2026`` for a self-reported record."""
    if record.get("kind") != "self-reported":
        return None
    who = "de adviesraad" if record.get("who") == "adviesraad" else "de gemeente"
    d = date.fromisoformat(str(record["date"])[:10])
    return f"zelf ingevuld door {who} ({record['role']}) op {d.day} {_MONTHS_NL[d.month - 1]} {d.year}"


def provenance_banner_nl(path: str | Path) -> str:
    """The Dutch notice that follows the provenance record (Markdown): synthetic, real export, or
    'herkomst onbekend' (no record; nothing is said about what generated the file)."""
    p = Path(path)
    rec = read_provenance(p)
    if rec.status == "synthetic":
        head = synthetic_banner_nl()
    elif rec.kind == "self-reported":
        head = (f"Volgens het herkomstrecord zijn deze gegevens {self_reported_line_nl(rec.record)} (een zelfscan: "
                "echte antwoorden, geen synthetische reconstructie; de gemeenten die meededen kozen dat zelf).")
    elif rec.status == "real":
        head = ("Volgens het herkomstrecord komen deze gegevens uit een echte export van de enquête (geen "
                "synthetische reconstructie).")
    else:
        head = ("**Herkomst onbekend.** Bij dit bestand is geen geldig herkomstrecord gevonden (geen `.meta.json` en "
                "geen ingebedde metadata, of een record van een bestand zonder herkomst). Of het echte of synthetische gegevens zijn, en hoe ze zijn gemaakt, is niet "
                "vastgelegd; lees de uitkomsten daarom niet als feiten over met name genoemde gemeenten zonder de "
                "herkomst na te gaan.")
    if rec.known and rec.record.get("declared_with_flag"):
        head += (f" De herkomst is opgegeven met `--provenance {rec.kind}`: bij het oorspronkelijke bestand "
                 f"(`{rec.record.get('derived_from') or rec.record.get('source')}`) lag geen herkomstrecord.")
    return f"{head}\n\nBestand: `{p.name}` (sha256 {data_fingerprint(p)}), code {code_version()}."


def write_derived_sidecar(derived: str | Path, source: str | Path | list, record: dict | None = None) -> Path:
    """Write ``<derived stem>.meta.json`` so a file made from ``source`` (one file, or the files of a folder)
    keeps its provenance: ``record`` (see :func:`resolve_provenance`; default: the source's own record, or
    ``kind: "unknown"`` when it has none -- never ``"synthetic": false`` by default)."""
    derived = Path(derived)
    sources = [Path(x) for x in source] if isinstance(source, list) else [Path(source)]
    rec = dict(record) if record is not None else resolve_provenance(sources[0])
    for key in ("derived_from", "source_sha256", "written_by"):
        rec.pop(key, None)
    meta = {**rec, "derived_from": ", ".join(s.name for s in sources),
            "written_by": f"wijkteam-stats {code_version()}"}
    if len(sources) == 1:
        meta["source_sha256"] = data_fingerprint(sources[0], length=64)
    if rec.get("kind") != "unknown":
        validate_record(meta, str(derived))
    out = derived.with_name(f"{derived.stem}.meta.json")
    atomic_write_text(out, json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return out


def data_fingerprint(path: str | Path, length: int = 12) -> str:
    """The first ``length`` hex digits of the file's SHA-256 (identifies the exact input of a result)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no such file: {p}")
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:length]


@lru_cache(maxsize=1)
def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(paths.ROOT), "rev-parse", "--short=10", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha if out.returncode == 0 and sha else None


def code_version() -> str:
    """The package version, plus the git commit of the checkout when there is one (``0.1.0 (git 1a2b3c4d5e)``)."""
    sha = _git_commit()
    return f"{__version__} (git {sha})" if sha else __version__


def synthetic_banner_nl() -> str:
    """The Dutch notice shown wherever results rest on the synthetic reconstruction (Markdown)."""
    return (
        "**Let op: SYNTHETISCHE gegevens.** De gemeentelijke antwoorden in dit document komen uit een "
        "synthetische reconstructie (met een vaste startwaarde voor het toeval) die de gepubliceerde cijfers van Movisie binnen hun afronding "
        "reproduceert. Het zijn **geen echte Movisie-gegevens**: uitspraken over afzonderlijke gemeenten "
        "zijn verzonnen; alleen de gepubliceerde totalen zijn echt."
    )


def real_data_banner_nl() -> str:
    """The Dutch notice for results on a (non-synthetic) survey export."""
    return ("Deze resultaten zijn berekend uit een echte export van de enquête (geen synthetische "
            "reconstructie).")


def data_banner_nl(path: str | Path) -> str:
    """The banner that fits ``path`` from its provenance record (synthetic, real or unknown), with the file and
    fingerprint (see :func:`provenance_banner_nl`)."""
    return provenance_banner_nl(path)


#: Packages whose versions are recorded with every report build (manifest, site footer).
VERSIONED_PACKAGES = (
    "wijkteam-stats", "numpy", "pandas", "pyarrow", "scipy", "statsmodels", "matplotlib", "seaborn", "geopandas",
    "shapely", "pyogrio", "nbformat", "nbclient", "nbconvert", "papermill", "ipykernel", "jupyter_client",
)


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a report."""
    out = {"python": sys.version.split()[0]}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_state() -> dict[str, Any]:
    """The checkout's git commit and whether tracked files differ from it (None outside git)."""
    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", "-C", str(paths.ROOT), *args], capture_output=True, text=True,
                               timeout=20, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}
