"""Wave settings (``data/raw/waves.yaml``): what a survey wave differs in besides its questions, validated.

Per wave: the register year of the invited municipalities, the fieldwork period, the publication, the seed of
the SYNTHETIC reconstruction and the definition of the published breakdowns (candidate reference dates of G32
membership, candidate placements of the G4, and the reading the reconstruction uses). A malformed file raises
:class:`WaveSettingsError` naming the file, the wave and the key. :mod:`.waves` exposes the settings to the
other layers; the codebook takes the register years from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from wijkteam_stats.reference import paths

#: Where the G4 stand in a breakdown by G32: inside the G32, among the others ("non-G32", "kleinere
#: gemeenten"), or in neither group.
G4_PLACEMENTS = ("in_g32", "in_other", "apart")
_WAVE_KEYS = {"register_year", "fieldwork", "report", "seed", "breakdowns"}
_BREAKDOWN_KEYS = {"membership_dates", "g4", "reading"}


class WaveSettingsError(ValueError):
    """The wave settings file does not follow its schema; the message names file, wave and key."""


@dataclass(frozen=True)
class Reading:
    """One definition of the G32 breakdown: members on ``membership_date``, the G4 placed by ``g4``."""

    membership_date: dt.date
    g4: str

    def label(self) -> str:
        return f"G32 members on {self.membership_date.isoformat()}, G4 {self.g4}"


@dataclass(frozen=True)
class WaveSettings:
    """The validated settings of one wave."""

    wave: int
    register_year: int
    fieldwork_start: dt.date
    fieldwork_end: dt.date
    fieldwork_label: str
    report: str
    seed: int
    membership_dates: tuple[dt.date, ...]
    g4_placements: tuple[str, ...]
    reading: Reading | None

    def candidate_readings(self) -> list[Reading]:
        """Every (membership date, G4 placement) the audit tries, in the order of the file."""
        return [Reading(d, g) for d in self.membership_dates for g in self.g4_placements]

    def as_codebook_entry(self) -> dict:
        """The legacy ``waves`` entry of the codebook (register year, fieldwork label, report)."""
        return {"register_year": self.register_year, "fieldwork": self.fieldwork_label, "report": self.report}


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise WaveSettingsError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _int(value: object, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise WaveSettingsError(f"{where}: {value!r} is not a whole number in {lo}-{hi}")
    return value


def _parse_wave(wave: object, raw: object, path: Path) -> WaveSettings:
    where = f"{path}: wave {wave}"
    w = _int(wave, f"{path}: wave key", 2000, 2100)
    if not isinstance(raw, dict):
        raise WaveSettingsError(f"{where}: needs a mapping of settings")
    missing = sorted(_WAVE_KEYS - set(raw))
    unknown = sorted(set(raw) - _WAVE_KEYS)
    if missing or unknown:
        parts = ([f"missing key(s) {', '.join(missing)}"] if missing else []) + (
            [f"unknown key(s) {', '.join(map(str, unknown))}"] if unknown else [])
        raise WaveSettingsError(f"{where}: {'; '.join(parts)}")
    year = _int(raw["register_year"], f"{where}, register_year", 2000, 2100)
    fw = raw["fieldwork"]
    if not isinstance(fw, dict) or set(fw) != {"start", "end", "label"}:
        raise WaveSettingsError(f"{where}, fieldwork: needs exactly start, end and label")
    start, end = _date(fw["start"], f"{where}, fieldwork.start"), _date(fw["end"], f"{where}, fieldwork.end")
    if end < start:
        raise WaveSettingsError(f"{where}, fieldwork: end {end} is before start {start}")
    if not isinstance(raw["report"], str) or not raw["report"].strip():
        raise WaveSettingsError(f"{where}, report: needs the publication of the wave")
    seed = _int(raw["seed"], f"{where}, seed", 0, 2**32 - 1)
    bd = raw["breakdowns"]
    if not isinstance(bd, dict) or set(bd) != _BREAKDOWN_KEYS:
        raise WaveSettingsError(f"{where}, breakdowns: needs exactly {', '.join(sorted(_BREAKDOWN_KEYS))}")
    dates = bd["membership_dates"]
    if not isinstance(dates, list) or not dates:
        raise WaveSettingsError(f"{where}, breakdowns.membership_dates: needs a non-empty list of dates")
    mdates = tuple(_date(d, f"{where}, breakdowns.membership_dates") for d in dates)
    g4 = bd["g4"]
    if not isinstance(g4, list) or not g4 or any(g not in G4_PLACEMENTS for g in g4):
        raise WaveSettingsError(f"{where}, breakdowns.g4: {g4!r}; each must be one of {', '.join(G4_PLACEMENTS)}")
    reading = None
    if bd["reading"] is not None:
        rd = bd["reading"]
        if not isinstance(rd, dict) or set(rd) != {"membership_date", "g4"}:
            raise WaveSettingsError(f"{where}, breakdowns.reading: needs membership_date and g4 (or null)")
        reading = Reading(_date(rd["membership_date"], f"{where}, breakdowns.reading.membership_date"), rd["g4"])
        if reading.g4 not in g4 or reading.membership_date not in mdates:
            raise WaveSettingsError(f"{where}, breakdowns.reading: {reading.label()} is not among the candidates")
    return WaveSettings(w, year, start, end, str(fw["label"]), raw["report"].strip(), seed, mdates, tuple(g4), reading)


@lru_cache(maxsize=8)
def _load(path: Path) -> dict[int, WaveSettings]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WaveSettingsError(f"{path}: no such file (the wave settings)") from None
    except yaml.YAMLError as err:
        raise WaveSettingsError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(raw, dict) or set(raw) != {"waves"} or not isinstance(raw["waves"], dict) or not raw["waves"]:
        raise WaveSettingsError(f"{path}: needs exactly one section 'waves' mapping each wave to its settings")
    return {int(w): _parse_wave(w, v, path) for w, v in raw["waves"].items()}


def load_wave_settings(path: str | Path | None = None) -> dict[int, WaveSettings]:
    """All waves' settings (default: ``data/raw/waves.yaml``), validated; keyed by wave."""
    return dict(_load(Path(path or paths.WAVES).resolve()))
