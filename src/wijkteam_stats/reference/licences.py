"""Sources, licences and the attributions they require (``data/raw/licences.yaml``; LICENSES.md in words).

:func:`load_sources` reads and checks the file (an error names the file, the source and the key);
:func:`attributions_for` picks the attributions that apply to a page: the methods page shows every source
marked ``methods``, a municipality report the ones marked ``report`` plus, for the published figures it quotes,
the texts they are quoted from (``report_if_quoted`` with matching ``quote_keys``). :func:`wave_publications`
gives the Movisie publication of each wave from ``data/raw/waves.yaml``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.wave_settings import load_wave_settings
from wijkteam_stats.reference.yaml_files import read_yaml_mapping

LICENCES_FILE = paths.RAW / "licences.yaml"
#: Where an attribution can be shown.
PLACES = ("methods", "report", "report_if_quoted")
_REQUIRED = ("name", "licence", "attribution_nl", "files", "shown_in")
_OPTIONAL = ("licence_url", "quote_keys", "quote_labels")


class LicencesError(ValueError):
    """The licences file does not follow its schema; the message names the file, the source and the key."""


@dataclass(frozen=True)
class Source:
    """One source of data: who published it, its licence, the attribution it requires and what it covers."""

    key: str
    name: str
    licence: str
    attribution_nl: str
    files: tuple[str, ...]
    shown_in: tuple[str, ...]
    licence_url: str | None = None
    quote_keys: tuple[str, ...] = ()
    quote_labels: tuple[tuple[str, str], ...] = ()

    def labels(self, quoted: Iterable[str] | None = None) -> list[str]:
        """The Dutch labels of the quoted texts (all when ``quoted`` is None), in file order."""
        keep = None if quoted is None else set(quoted)
        return [label for key, label in self.quote_labels if keep is None or key in keep]

    def covers(self, relative_path: str) -> bool:
        """Whether the file (a path relative to ``data/raw``) is one of this source's files."""
        return any(fnmatch.fnmatchcase(relative_path, pattern) for pattern in self.files)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LicencesError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _source(key: str, raw: object, path: Path) -> Source:
    where = f"{path}, source {key!r}"
    if not isinstance(raw, dict):
        raise LicencesError(f"{where}: expected a mapping")
    missing = [k for k in _REQUIRED if k not in raw]
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        raise LicencesError(f"{where}: missing keys {missing}, unknown keys {unknown}")
    for k in ("name", "licence", "attribution_nl"):
        if not isinstance(raw[k], str) or not raw[k].strip():
            raise LicencesError(f"{where}, {k}: needs a non-empty text")
    files = _strings(raw["files"], f"{where}, files") if raw["files"] else ()
    shown = _strings(raw["shown_in"], f"{where}, shown_in") if raw["shown_in"] else ()
    bad = [s for s in shown if s not in PLACES]
    if bad:
        raise LicencesError(f"{where}, shown_in: unknown places {bad} (allowed: {', '.join(PLACES)})")
    quote_keys = _strings(raw["quote_keys"], f"{where}, quote_keys") if raw.get("quote_keys") else ()
    if "report_if_quoted" in shown and not quote_keys:
        raise LicencesError(f"{where}: 'report_if_quoted' needs quote_keys")
    labels = raw.get("quote_labels") or {}
    if not isinstance(labels, dict) or set(labels) - set(quote_keys):
        raise LicencesError(f"{where}, quote_labels: expected a label per key of quote_keys, got {labels!r}")
    return Source(key, raw["name"].strip(), raw["licence"].strip(), " ".join(raw["attribution_nl"].split()),
                  files, shown, (raw.get("licence_url") or None), quote_keys,
                  tuple((str(k), " ".join(str(v).split())) for k, v in labels.items()))


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Source, ...]:
    data = read_yaml_mapping(path, LicencesError, "the record of sources and licences")
    if not isinstance(data.get("sources"), dict) or not data["sources"]:
        raise LicencesError(f"{path}: expected a mapping 'sources' with one entry per source")
    return tuple(_source(str(k), v, path) for k, v in data["sources"].items())


def load_sources(path: str | Path | None = None) -> tuple[Source, ...]:
    """Every source of ``data/raw/licences.yaml`` (or ``path``), in file order, checked."""
    return _load(Path(path).resolve() if path else LICENCES_FILE)


def source_of(relative_path: str, sources: Iterable[Source] | None = None) -> Source | None:
    """The first source that covers a file under ``data/raw`` (path relative to it), or None."""
    return next((s for s in (sources or load_sources()) if s.covers(relative_path)), None)


def wave_publications() -> dict[int, str]:
    """The Movisie publication of every wave (``report`` in ``data/raw/waves.yaml``), by wave."""
    return {w: s.report for w, s in sorted(load_wave_settings().items())}


def attributions_for(place: str, quote_keys: Iterable[str] = (), sources: Iterable[Source] | None = None) \
        -> list[Source]:
    """The sources whose attribution a page must show: ``place`` is ``methods`` or ``report``; a report also
    gets the sources its quoted published figures come from (``quote_keys``: ``source`` of the published rows)."""
    if place not in ("methods", "report"):
        raise ValueError(f"place must be 'methods' or 'report', not {place!r}")
    quoted = set(quote_keys)
    out = []
    for s in (sources or load_sources()):
        if place in s.shown_in or (place == "report" and "report_if_quoted" in s.shown_in
                                   and quoted & set(s.quote_keys)):
            out.append(s)
    return out
