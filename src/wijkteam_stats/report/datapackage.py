"""The downloadable tables as a Frictionless Data Package: ``outputs/datapackage.json``.

In: every CSV under ``outputs/tables/`` (cleaning logs, audits, scorecards, model tables, trends, and whatever a
later step adds there), the cleaned survey tables (``data/processed/*survey_<wave>.csv``, copied with their
provenance record into ``outputs/survey/``), the field descriptions in ``data/raw/datapackage_fields.yaml`` and the
sources and licences in ``data/raw/licences.yaml``. Out: ``datapackage.json`` with one tabular resource per table:
its fields (name, type, English ``title`` and Dutch ``title_nl``, unit, description), missing values, licence,
sources, size and sha256, and ``x-provenance``: whether the data behind it are synthetic, real or of unknown
origin, read from the provenance record (:mod:`wijkteam_stats.reference.provenance`), never from a file name.

A table or column without a description is refused (:class:`DatapackageError` naming every file and column), so
a new output cannot be published undescribed. The survey table's columns are described from the codebook (Dutch
question and option labels) and the English variable titles in the fields file.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import json
import re
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

from wijkteam_stats import __version__
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.licences import load_sources, wave_publications
from wijkteam_stats.reference.provenance import read_provenance, sidecar_paths
from wijkteam_stats.reference.waves import default_survey_path
from wijkteam_stats.reference.writers import atomic_write_text
from wijkteam_stats.reference.yaml_files import read_yaml_mapping

FIELDS_FILE = paths.RAW / "datapackage_fields.yaml"
PACKAGE_NAME = "wijkteam-stats-outputs"
TYPES = ("string", "integer", "number", "boolean", "date", "datetime")
BASES = ("survey", "published", "registers", "published+survey")
LICENCE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0 International"}
#: pandas dtypes of the tidy survey table -> Table Schema types.
_DTYPES = {"string": "string", "Int64": "integer", "boolean": "boolean", "Float64": "number",
           "datetime64[ns]": "datetime"}
_SURVEY_CSV = re.compile(r"^(?:[A-Za-z]+_)?survey_(\d{4})\.csv$")
_WAVE = re.compile(r"_(\d{4})\.csv$")
#: Provenance statuses, the most cautious first: a table resting on several surveys takes the first that occurs.
_STATUS_ORDER = ("synthetic", "unknown", "real")


class DatapackageError(ValueError):
    """A table cannot be described (no description, an undescribed column, a malformed fields file)."""


# --------------------------------------------------------------------------- the fields file


@lru_cache(maxsize=4)
def _load(path: Path) -> dict[str, Any]:
    data = read_yaml_mapping(path, DatapackageError, "the descriptions of the downloadable tables")
    if not isinstance(data.get("tables"), list) or not isinstance(data.get("fields"), dict):
        raise DatapackageError(f"{path}: expected 'fields' (a mapping) and 'tables' (a list)")
    for name, f in data["fields"].items():
        _check_field(f, f"{path}, fields.{name}")
    for i, t in enumerate(data["tables"]):
        where = f"{path}, tables[{i}]"
        missing = [k for k in ("path", "title", "title_nl", "description", "basis") if not t.get(k)]
        if missing:
            raise DatapackageError(f"{where}: missing {missing}")
        if t["basis"] not in BASES:
            raise DatapackageError(f"{where}: basis {t['basis']!r} is not one of {', '.join(BASES)}")
        for name, f in (t.get("fields") or {}).items():
            _check_field(f, f"{where}, fields.{name}")
    survey = data.get("survey_variables") or {}
    if not isinstance(survey, dict):
        raise DatapackageError(f"{path}: 'survey_variables' must map a codebook variable to an English title")
    return data


def _check_field(f: Any, where: str) -> None:
    if not isinstance(f, dict):
        raise DatapackageError(f"{where}: expected a mapping")
    missing = [k for k in ("type", "title", "title_nl") if not f.get(k)]
    if missing:
        raise DatapackageError(f"{where}: missing {missing}")
    if f["type"] not in TYPES:
        raise DatapackageError(f"{where}: type {f['type']!r} is not one of {', '.join(TYPES)}")


def load_descriptions(path: str | Path | None = None) -> dict[str, Any]:
    """The field descriptions (``data/raw/datapackage_fields.yaml`` or ``path``), checked."""
    return _load(Path(path).resolve() if path else FIELDS_FILE)


# --------------------------------------------------------------------------- provenance


def _worst(statuses: list[str]) -> str:
    return next((s for s in _STATUS_ORDER if s in statuses), "unknown")


def survey_file_of(wave: int, outputs_dir: Path) -> Path:
    """The survey file the outputs of ``wave`` were made from: the one the report batch recorded in the
    manifest, else the file every step reads by default (the shipped export or its cleaned table)."""
    manifest = outputs_dir / "manifest.json"
    if manifest.is_file():
        try:
            rel = json.loads(manifest.read_text(encoding="utf-8")).get("reports", {}).get(str(wave), {}).get(
                "survey_path")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            rel = None
        if rel:
            return paths.ROOT / rel
    return default_survey_path(wave)


def table_provenance(table: Path, basis: str, waves: list[int], outputs_dir: Path) -> dict[str, Any]:
    """Whether a table rests on synthetic, real or unknown data, from provenance records: the table's own
    record when it has one, else (for survey-based tables) the records of the surveys of its waves."""
    own = read_provenance(table)
    if own.known:
        return {"status": own.status, "synthetic": own.synthetic, "basis": basis, "record": own.source,
                "kind": getattr(own, "kind", own.status)}
    if basis in ("published", "registers"):
        return {"status": "real", "synthetic": False, "basis": basis,
                "record": "published figures and CBS registers only (no survey data)", "kind": "real"}
    records, statuses, kinds = [], [], []
    for w in waves:
        survey = survey_file_of(w, outputs_dir)
        rec = read_provenance(survey)
        statuses.append(rec.status)
        kinds.append(getattr(rec, "kind", rec.status))  # e.g. self-reported, where the record says so
        records.append(f"{w}: {rec.source} of {survey.name}")
    status = _worst(statuses)
    return {"status": status, "synthetic": status == "synthetic", "basis": basis, "record": "; ".join(records),
            "kind": status if len(set(kinds)) != 1 else kinds[0]}


#: Columns that name a municipality. A table with one of them that does not rest on real data only is
#: withheld from the published package: its cells would be invented facts about named municipalities that
#: travel without any banner (the tables stay in outputs/tables for the researcher who made them).
IDENTIFYING_COLUMNS = frozenset({"gm_code", "municipality_given", "most_influential", "gemeente", "municipality"})


def withheld_reason(columns: list[str], prov: dict[str, Any]) -> str | None:
    """Why a table is left out of the published package (None when it may be published): municipality-level
    rows on data that are not known to be real."""
    named = sorted(c for c in columns if c in IDENTIFYING_COLUMNS or c.startswith("gm_code"))
    if named and prov["status"] != "real":
        return (f"one row per named municipality ({', '.join(named)}) on {prov['status']} data: "
                "invented or unverified answers of named municipalities are not published")
    return None


# --------------------------------------------------------------------------- resources


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        try:
            return next(csv.reader(fh))
        except StopIteration:
            raise DatapackageError(f"{path}: empty table (no header line)") from None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resource_name(rel: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", rel.removesuffix(".csv").lower()).strip("-")


def _field(name: str, desc: dict[str, Any]) -> dict[str, Any]:
    field = {"name": name, "type": desc["type"], "title": desc["title"], "title_nl": desc["title_nl"]}
    for key in ("description", "unit", "format"):
        if desc.get(key):
            field[key] = desc[key]
    return field


def _describe(path: Path, rel: str, spec: dict[str, Any], shared: dict[str, Any]) -> tuple[list[dict], list[str]]:
    fields, missing = [], []
    own = spec.get("fields") or {}
    patterns = [(k, v) for k, v in own.items() if "*" in k]  # e.g. wave_* for one column per wave
    for col in _header(path):
        desc = own.get(col) or shared.get(col) or next((v for k, v in patterns if fnmatch.fnmatchcase(col, k)), None)
        if desc is None:
            missing.append(col)
        else:
            fields.append(_field(col, desc))
    return fields, missing


def _survey_fields(wave: int, titles_en: dict[str, str], shared: dict[str, Any]) -> tuple[list[dict], list[str]]:
    """Fields of the cleaned survey table of ``wave`` from the codebook (Dutch labels) and English titles."""
    cb = load_codebook().for_wave(wave)
    fields, missing = [], []
    for col, dtype in cb.tidy_columns().items():
        if col in shared:
            fields.append(_field(col, shared[col]))
            continue
        var, *rest = col.split("__")
        v = cb.variable(var)
        if var not in titles_en:
            missing.append(col)
            continue
        labels_nl, codes = [v.question], list(rest)
        if v.type == "multi":
            labels_nl.append(next(o.label for o in v.options if o.code == rest[0]))
        elif v.type == "grid":
            labels_nl += [next(g.label for g in v.groups if g.code == rest[0]),
                          next(f.label for f in v.forms if f.code == rest[1])]
        kind = _DTYPES.get(dtype)
        if kind is None:
            raise DatapackageError(f"codebook column {col}: dtype {dtype} has no Table Schema type")
        desc = {"type": kind, "title": ": ".join([titles_en[var], *codes]), "title_nl": " – ".join(labels_nl)}
        if v.type == "single":
            desc["description"] = "codes: " + ", ".join(f"{o.code} ({o.label})" for o in v.options)
        if kind == "datetime":
            desc["format"] = "%Y-%m-%d %H:%M:%S"
        if v.type == "count" and var != "wave":
            desc["unit"] = "count"
        fields.append(_field(col, desc))
    return fields, missing


def _sources(waves: list[int]) -> list[dict[str, str]]:
    out = []
    pubs = wave_publications()
    for s in load_sources():
        if s.key in ("project", "synthetic"):
            continue
        out.append({"title": f"{s.name} (licentie: {s.licence})"})
        if s.key == "movisie":
            out += [{"title": pubs[w]} for w in sorted(set(waves)) if w in pubs]
    return out


def _copy_if_changed(src: Path, dst: Path) -> None:
    if dst.is_file() and dst.read_bytes() == src.read_bytes():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dst)


def build_datapackage(outputs_dir: str | Path | None = None, processed_dir: str | Path | None = None,
                      fields_file: str | Path | None = None) -> dict[str, Any]:
    """The data package descriptor of the outputs folder; copies the cleaned survey tables (and their provenance
    records) into ``<outputs>/survey/``. Raises :class:`DatapackageError` naming every undescribed table/column."""
    outputs_dir = Path(outputs_dir).resolve() if outputs_dir else paths.OUTPUTS
    processed_dir = Path(processed_dir).resolve() if processed_dir else paths.PROCESSED
    spec = load_descriptions(fields_file)
    shared = spec["fields"]
    problems: list[str] = []
    resources: list[dict[str, Any]] = []
    withheld: list[dict[str, str]] = []
    all_waves: set[int] = set()

    tables = sorted((outputs_dir / "tables").rglob("*.csv")) if (outputs_dir / "tables").is_dir() else []
    for path in tables:
        rel = path.relative_to(outputs_dir).as_posix()
        table = next((t for t in spec["tables"] if fnmatch.fnmatchcase(rel, t["path"])), None)
        if table is None:
            problems.append(f"{rel}: no description (add an entry under 'tables' in {FIELDS_FILE.name})")
            continue
        fields, missing = _describe(path, rel, table, shared)
        if missing:
            problems.append(f"{rel}: columns without a description: {', '.join(missing)}")
            continue
        m = _WAVE.search(path.name)
        if m and int(m.group(1)) in wave_publications():  # "_2025" in a crosswalk table's name is no wave
            waves = [int(m.group(1))]
        elif table.get("waves") == "all":  # a table across the waves: every wave of data/raw/waves.yaml
            waves = sorted(wave_publications())
        else:
            waves = sorted(int(w) for w in table.get("waves") or [])
        prov = table_provenance(path, table["basis"], waves, outputs_dir)
        why = withheld_reason([f["name"] for f in fields], prov)
        if why:
            withheld.append({"path": rel, "reason": why})
            continue
        all_waves |= set(waves)
        resources.append(_resource(path, rel, table, fields, prov))

    survey_spec = next((t for t in spec["tables"] if t["path"] == "survey/*survey_*.csv"), None)
    for src in sorted(processed_dir.glob("*survey_*.csv")) if processed_dir.is_dir() else []:
        m = _SURVEY_CSV.match(src.name)
        if not m:
            continue
        if survey_spec is None:
            problems.append(f"{src.name}: no description of the survey table ('survey/*survey_*.csv')")
            break
        wave = int(m.group(1))
        fields, missing = _survey_fields(wave, spec.get("survey_variables") or {}, survey_spec.get("fields") or {})
        if missing:
            problems.append(f"survey/{src.name}: columns without an English title in 'survey_variables': "
                            f"{', '.join(missing)}")
            continue
        dst = outputs_dir / "survey" / src.name
        rec = read_provenance(src)
        if not rec.known or rec.synthetic:  # never publish invented (or unverified) answers of named municipalities
            withheld.append({"path": f"survey/{src.name}",
                             "reason": f"the cleaned survey table is {rec.status} data: not published"})
            for stale in [dst, *(dst.with_name(m.name) for m in sidecar_paths(src))]:
                stale.unlink(missing_ok=True)
            continue
        _copy_if_changed(src, dst)
        for meta in sidecar_paths(src):
            if meta.is_file():  # the provenance record travels with the table
                _copy_if_changed(meta, dst.with_name(meta.name))
        all_waves.add(wave)
        resources.append(_resource(dst, f"survey/{src.name}", survey_spec, fields,
                                   table_provenance(dst, "survey", [wave], outputs_dir)))
    if problems:
        raise DatapackageError("cannot describe the downloadable tables in data/raw/datapackage_fields.yaml:\n- "
                               + "\n- ".join(problems))
    n_syn = sum(r["x-provenance"]["synthetic"] for r in resources)
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "wijkteam-stats: downloadable tables on Dutch sociale (wijk)teams",
        "title_nl": "wijkteam-stats: tabellen over sociale (wijk)teams om te downloaden",
        "description": ("Tables written by the wijkteam-stats pipeline. "
                        + (f"{n_syn} of {len(resources)} tables rest on the SYNTHETIC reconstruction of the survey "
                           "exports (x-provenance per table): their municipality-level values are invented, not "
                           "facts about the named municipalities. " if n_syn else "")
                        + (f"{len(withheld)} table(s) with one row per named municipality on data that are not "
                           "known to be real are withheld (x-withheld). " if withheld else "")
                        + "Cite the project (CITATION.cff) and the sources listed here."),
        "version": __version__,
        "licenses": [LICENCE],
        "contributors": [{"title": "The wijkteam-stats authors", "role": "author"}],
        "sources": _sources(sorted(all_waves)),
        "resources": resources,
        "x-withheld": withheld,
    }


def _resource(path: Path, rel: str, table: dict[str, Any], fields: list[dict], prov: dict[str, Any]) \
        -> dict[str, Any]:
    description = table["description"].strip()
    if prov["synthetic"]:
        description = ("SYNTHETIC: rests on the synthetic reconstruction of the survey export; values of named "
                       "municipalities are invented. " + description)
    return {
        "name": _resource_name(rel),
        "path": rel,
        "profile": "tabular-data-resource",
        "title": table["title"],
        "title_nl": table["title_nl"],
        "description": description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": path.stat().st_size,
        "hash": f"sha256:{_sha256(path)}",
        "licenses": [LICENCE],
        "schema": {"fields": fields, "missingValues": [""]},
        "x-provenance": prov,
    }


def write_datapackage(outputs_dir: str | Path | None = None, processed_dir: str | Path | None = None,
                      fields_file: str | Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Write ``<outputs>/datapackage.json`` (stable JSON; only when it changed); its path and the descriptor."""
    outputs_dir = Path(outputs_dir).resolve() if outputs_dir else paths.OUTPUTS
    package = build_datapackage(outputs_dir, processed_dir, fields_file)
    text = json.dumps(package, ensure_ascii=False, indent=1) + "\n"
    out = outputs_dir / "datapackage.json"
    if not out.is_file() or out.read_text(encoding="utf-8") != text:
        atomic_write_text(out, text)
    return out, package
