"""Validation of the municipality report's parameters, before anything runs.

papermill turns ``-p municipality_code 0363`` into the integer 363; :func:`validate_parameters` maps any code
of 2014-2025, number or name that :func:`~wijkteam_stats.reference.municipalities.resolve` accepts to the ``GMxxxx`` code
of the wave's reference date, and checks wave and paths.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import MunicipalityLookupError, register, resolve
from wijkteam_stats.reference.waves import default_survey_path, expectations_file


class ParameterError(ValueError):
    """A report parameter is invalid; the message names the parameter and what is accepted."""


def validate_wave(wave: Any) -> int:
    """The wave as an int that the codebook knows."""
    try:
        w = int(str(wave).strip())
    except (TypeError, ValueError):
        raise ParameterError(f"wave must be a year such as 2015, got {wave!r}") from None
    cb = load_codebook()
    if w not in cb.waves:
        raise ParameterError(f"wave {w} is not in the codebook (known: {sorted(cb.waves)})")
    return w


def validate_municipality(code: Any, wave: int) -> str:
    """``GMxxxx`` of the municipality on the wave's reference date, from a code (any year), number or name."""
    if isinstance(code, bool) or code is None or str(code).strip() == "":
        raise ParameterError(f"municipality_code must be a CBS code or a name, got {code!r}")
    if isinstance(code, float) and not code.is_integer():
        raise ParameterError(f"municipality_code {code!r} is not a CBS code")
    year = load_codebook().register_year(wave)
    if isinstance(code, str) and code.strip().upper() in _register_codes(year):
        return code.strip().upper()  # a code of the wave's own register (the whole batch): no lookup needed
    try:
        return resolve(code, year=year)
    except MunicipalityLookupError as err:
        # resolve() cannot place a few codes whose period table has several rows (e.g. GM0620 Vianen changed
        # province in 2002); the wave's register itself is authoritative for its own municipalities.
        try:
            plain = resolve(code)
        except MunicipalityLookupError:
            plain = None
        if plain is not None and plain in _register_codes(year):
            return plain
        raise ParameterError(f"municipality_code {code!r} (wave {wave}, municipalities of 1 January {year}): "
                             f"{err}") from None


@lru_cache(maxsize=4)
def _register_codes(year: int) -> frozenset[str]:
    return frozenset(register(year)["gm_code"].astype(str))


def _existing_file(value: Any, name: str) -> Path:
    p = Path(str(value)).expanduser()
    if not p.is_absolute():
        p = (paths.ROOT / p).resolve()
    if not p.is_file():
        raise ParameterError(f"{name}: file {p} does not exist")
    return p


def validate_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """Checked, normalised report parameters (``municipality_code``, ``wave``, ``survey_path``, ``output_dir``,
    ``expectations_path``, ``free_text_path``); raises :class:`ParameterError` naming the bad one.

    Defaults: ``survey_path`` the cleaned table (else the shipped synthetic export), ``output_dir``
    ``outputs/reports/<wave>``, ``expectations_path`` the models step's table (None while it does not exist),
    ``free_text_path`` None (no free-text answer is published without a reviewed list).
    """
    known = {"municipality_code", "wave", "survey_path", "output_dir", "expectations_path", "free_text_path"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ParameterError(f"unknown report parameter(s) {unknown}; known: {sorted(known)}")
    if "municipality_code" not in params:
        raise ParameterError("municipality_code is required")
    wave = validate_wave(params.get("wave", 2015))
    code = validate_municipality(params["municipality_code"], wave)
    survey = params.get("survey_path")
    survey_path = _existing_file(survey, "survey_path") if survey not in (None, "") else default_survey_path(wave)
    if not survey_path.is_file():
        raise ParameterError(f"survey_path: no survey file for wave {wave} ({survey_path}); run `wijkteam clean`")
    out = params.get("output_dir")
    output_dir = Path(str(out)).expanduser() if out not in (None, "") else paths.REPORTS / str(wave)
    if not output_dir.is_absolute():
        output_dir = paths.ROOT / output_dir
    output_dir = output_dir.resolve()
    if output_dir == paths.RAW or paths.RAW in output_dir.parents:
        raise ParameterError(f"output_dir {output_dir} is inside data/raw, which is read-only")
    exp = params.get("expectations_path")
    if exp not in (None, ""):
        expectations: Path | None = _existing_file(exp, "expectations_path")
    else:
        default = expectations_file(wave)
        expectations = default if default.is_file() else None
    free = params.get("free_text_path")
    free_text = _existing_file(free, "free_text_path") if free not in (None, "") else None
    return {"municipality_code": code, "wave": wave, "survey_path": str(survey_path),
            "output_dir": str(output_dir), "expectations_path": None if expectations is None else str(expectations),
            "free_text_path": None if free_text is None else str(free_text)}
