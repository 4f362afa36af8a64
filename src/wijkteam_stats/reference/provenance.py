"""Provenance of a result: is the input the SYNTHETIC reconstruction, which file exactly, which code.

A survey file counts as synthetic when its name contains ``SYNTHETIC`` (any case) or when a sidecar
``<file name>.meta.json`` (or ``<stem>.meta.json``) next to it says ``{"synthetic": true}``
(:func:`is_synthetic`, used for the banners of reports).

:func:`read_provenance` is the strict reading used wherever a statement depends on *what generated* the data
(the size models): only the provenance record counts -- a sidecar ``.meta.json`` or metadata embedded in the
file (the ``wijkteam_provenance`` key of a Parquet file's schema metadata) -- never the file name. A file
without a record has status ``"unknown"`` ("herkomst onbekend"), and nothing is said about its generator.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Provenance:
    """What the provenance record of a file says: ``status`` is ``"synthetic"``, ``"real"`` (the record says
    ``"synthetic": false``) or ``"unknown"`` (no record); ``source`` names the record; ``parameters`` are the
    generator's parameters (synthetic records only)."""

    status: str
    source: str
    parameters: dict = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """True only when the record says the data are synthetic."""
        return self.status == "synthetic"

    @property
    def known(self) -> bool:
        """True when the file has a provenance record."""
        return self.status != "unknown"


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "ja", "yes", "1")
    return bool(value)


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
        raise ValueError(f"{p}: embedded metadata {EMBEDDED_KEY!r} is not valid JSON: {err}") from err
    return data if isinstance(data, dict) else None


def read_provenance(path: str | Path) -> Provenance:
    """The provenance record of ``path``: its sidecar ``.meta.json`` first, else metadata embedded in the file;
    the file name plays no part. Raises ValueError naming the sidecar when it is not a JSON object."""
    p = Path(path)
    for meta in sidecar_paths(p):
        if not meta.is_file():
            continue
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{meta}: not a valid JSON metadata file: {err}") from err
        if not isinstance(data, dict):
            raise ValueError(f"{meta}: expected a JSON object with a 'synthetic' field")
        return _record(data, f"sidecar {meta.name}", meta)
    data = _embedded_record(p)
    if data is not None:
        return _record(data, f"embedded metadata ({EMBEDDED_KEY})", p)
    return Provenance("unknown", "none")


def _record(data: dict, source: str, where: Path) -> Provenance:
    if "synthetic" not in data:
        return Provenance("unknown", f"{source} without a 'synthetic' field")
    synthetic = _flag(data["synthetic"])
    params = data.get("parameters") or data.get("params") or {}
    if not isinstance(params, dict):
        raise ValueError(f"{where}: 'parameters' must be a JSON object")
    return Provenance("synthetic" if synthetic else "real", source, dict(params) if synthetic else {})


def provenance_banner_nl(path: str | Path) -> str:
    """The Dutch notice that follows the provenance record (Markdown): synthetic, real export, or
    'herkomst onbekend' (no record; nothing is said about what generated the file)."""
    p = Path(path)
    rec = read_provenance(p)
    if rec.status == "synthetic":
        head = synthetic_banner_nl()
    elif rec.status == "real":
        head = ("Volgens het herkomstrecord komen deze gegevens uit een echte export van de enquête (geen "
                "synthetische reconstructie).")
    else:
        head = ("**Herkomst onbekend.** Bij dit bestand is geen herkomstrecord gevonden (geen `.meta.json` en geen "
                "ingebedde metadata). Of het echte of synthetische gegevens zijn, en hoe ze zijn gemaakt, is niet "
                "vastgelegd; lees de uitkomsten daarom niet als feiten over met name genoemde gemeenten zonder de "
                "herkomst na te gaan.")
    return f"{head}\n\nBestand: `{p.name}` (sha256 {data_fingerprint(p)}), code {code_version()}."


def write_derived_sidecar(derived: str | Path, source: str | Path) -> Path:
    """Write ``<derived stem>.meta.json`` so a file made from ``source`` keeps its provenance (synthetic or not)."""
    derived, source = Path(derived), Path(source)
    meta = {
        "synthetic": is_synthetic(source),
        **({"parameters": params} if (params := read_provenance(source).parameters) else {}),
        "derived_from": source.name,
        "source_sha256": data_fingerprint(source, length=64),
        "written_by": f"wijkteam-stats {code_version()}",
    }
    out = derived.with_name(f"{derived.stem}.meta.json")
    atomic_write_text(out, json.dumps(meta, indent=2, sort_keys=True) + "\n")
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
