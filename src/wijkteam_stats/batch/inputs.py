"""The inputs every report shares, checked once before any report runs: codebook, CBS register files,
boundaries, published figures, survey table and its provenance record, model expectations.

An unreadable or incomplete shared input would make every report fail (or, worse, silently lose a section:
half a published-figures file turns 264 fields into "niet gepubliceerd"): :func:`validate_shared_inputs`
raises one :class:`SharedInputError` that names the file and what is wrong, and the runner stops before it
builds, records or deletes anything. Completeness of the shipped raw files is checked against the row (or
feature) counts in the data log ``data/raw/README.md``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.provenance import read_provenance
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reference.rawdata import NATIONAL_POPULATION, OFFICIAL_COUNTS
from wijkteam_stats.reference.waves import register_year
from wijkteam_stats.reference.writers import CorruptFileError, read_json
from wijkteam_stats.report.maps import boundary_file, map_codes
from wijkteam_stats.report.numbers import load_expectations, load_survey

RESTORE = "restore it with `git checkout -- data/raw`"


class SharedInputError(RuntimeError):
    """A shared input of the reports cannot be used; nothing was built or deleted."""


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return False
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


@lru_cache(maxsize=1)
def logged_counts() -> dict[str, int]:
    """{path under data/raw: rows (CSV) or features (GeoJSON)} from the data log ``data/raw/README.md``."""
    log = paths.RAW / "README.md"
    if not log.is_file():
        return {}
    text = log.read_text(encoding="utf-8")
    return {m.group(1): int(m.group(2).replace(",", ""))
            for m in re.finditer(r"^\| `([^`*]+)` \| ([\d,]+) \|", text, re.MULTILINE)}


def _logged(path: Path) -> int | None:
    try:
        return logged_counts().get(Path(path).resolve().relative_to(paths.RAW.resolve()).as_posix())
    except ValueError:
        return None


def check_codebook() -> None:
    """The codebook parses and names waves and variables, or :class:`SharedInputError` naming it."""
    path = paths.CODEBOOK
    try:
        cb = load_codebook()
    except Exception as err:  # noqa: BLE001 - YAML, shape, missing file: one message
        raise SharedInputError(f"the codebook {_rel(path)} cannot be read ({type(err).__name__}: "
                               f"{' '.join(str(err).split())[:300]}); {RESTORE}") from None
    if not cb.variables or not cb.waves:
        raise SharedInputError(f"the codebook {_rel(path)} is incomplete (no variables or waves); {RESTORE}")


def check_raw_csv(path: Path, what: str) -> pd.DataFrame:
    """A shipped raw CSV: ends with a line end, parses, and has the rows the data log records."""
    if not path.is_file():
        raise SharedInputError(f"{what} {_rel(path)} is missing; {RESTORE}")
    if not _ends_with_newline(path):
        raise SharedInputError(f"{what} {_rel(path)} is empty or truncated (its last line has no line end); "
                               f"{RESTORE}")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except Exception as err:  # noqa: BLE001
        raise SharedInputError(f"{what} {_rel(path)} cannot be read as CSV ({type(err).__name__}: {err}); "
                               f"{RESTORE}") from None
    expected = _logged(path)
    if expected is not None and len(df) != expected:
        raise SharedInputError(f"{what} {_rel(path)} has {len(df)} rows, the data log (data/raw/README.md) "
                               f"records {expected}: it is incomplete or altered; {RESTORE}")
    return df


def check_boundaries(wave: int) -> None:
    """The wave's boundary GeoJSON loads, has the logged number of features and every municipality."""
    year = register_year(wave)
    try:
        path = boundary_file(year)
    except FileNotFoundError as err:
        raise SharedInputError(f"{err}; {RESTORE}") from None
    try:
        data = read_json(path, "boundary file")
    except (OSError, CorruptFileError) as err:
        raise SharedInputError(f"{err}; {RESTORE}") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise SharedInputError(f"the boundary file {_rel(path)} is not a GeoJSON feature collection; {RESTORE}")
    expected = _logged(path)
    if expected is not None and len(features) != expected:
        raise SharedInputError(f"the boundary file {_rel(path)} has {len(features)} municipalities, the data log "
                               f"records {expected}; {RESTORE}")
    have = {str((f.get("properties") or {}).get("statcode")) for f in features if isinstance(f, dict)}
    missing = sorted(map_codes(register(year)["gm_code"].astype(str), year) - have)
    if missing:
        raise SharedInputError(f"the boundary file {_rel(path)} lacks {len(missing)} municipalities (e.g. "
                               f"{', '.join(missing[:3])}); {RESTORE}")


def check_published(wave: int) -> None:
    """The wave's published figures (when shipped) parse, validate and have every logged row."""
    path = paths.published_file(wave)
    if not path.is_file():
        if _logged(path) is not None:  # shipped and recorded in the data log: gone means damaged
            raise SharedInputError(f"the published-figures file {_rel(path)} is missing; {RESTORE}")
        return
    check_raw_csv(path, "the published-figures file")
    try:
        load_published(path, wave)
    except Exception as err:  # noqa: BLE001 - PublishedFileError names file and row
        raise SharedInputError(f"the published-figures file is not valid: {' '.join(str(err).split())[:400]}; "
                               f"{RESTORE}") from None


def check_provenance(survey_path: str | Path) -> None:
    """The survey's provenance record (sidecar or embedded) can be read, or :class:`SharedInputError`."""
    try:
        read_provenance(survey_path)
    except (ValueError, OSError) as err:
        raise SharedInputError(f"the provenance record of the survey table {_rel(Path(survey_path))} cannot be "
                               f"read ({' '.join(str(err).split())[:300]}); rerun `wijkteam clean` (for a "
                               "cleaned table) or restore the export's .meta.json") from None


def check_survey(survey_path: str | Path, wave: int) -> pd.DataFrame:
    """The tidy survey table, or :class:`SharedInputError` naming the file."""
    path = Path(survey_path)
    check_provenance(path)
    try:
        tidy = load_survey(path, wave)
    except Exception as err:  # noqa: BLE001 - any failure to read is the same problem for the user
        raise SharedInputError(f"the survey table {path} cannot be read ({type(err).__name__}: {err}); "
                               "rerun `wijkteam clean` (or pass --survey) before building reports") from None
    if tidy.empty:
        raise SharedInputError(f"the survey table {path} has no responses for wave {wave}")
    return tidy


def check_register(wave: int) -> pd.DataFrame:
    """The wave's municipality register from complete CBS files (rows as logged, the official number of
    municipalities, the national population total), or :class:`SharedInputError` naming the file."""
    for csv_path in sorted(paths.RAW_CBS.glob("*.csv")):
        check_raw_csv(csv_path, "the CBS file")
    year = register_year(wave)
    try:
        reg = register(year)
    except Exception as err:  # noqa: BLE001
        raise SharedInputError(f"the municipality register of {year} cannot be read ({type(err).__name__}: "
                               f"{err}); rerun `wijkteam data`") from None
    if reg.empty or reg["gm_code"].isna().any():
        raise SharedInputError(f"the municipality register of {year} is empty or has rows without a code; "
                               "rerun `wijkteam data`")
    pop_file = _rel(paths.RAW_CBS / "bevolking_1jan_gemeente_2014_2024.csv")
    if year in OFFICIAL_COUNTS and len(reg) != OFFICIAL_COUNTS[year]:
        raise SharedInputError(f"the municipality register of {year} has {len(reg)} municipalities, CBS counts "
                               f"{OFFICIAL_COUNTS[year]}; {RESTORE}")
    if "population" in reg and (reg["population"].isna().any() or (
            year in NATIONAL_POPULATION and int(reg["population"].sum()) != NATIONAL_POPULATION[year])):
        raise SharedInputError(f"the population file {pop_file} is incomplete for {year} (municipalities without "
                               f"population, or a total other than CBS's {NATIONAL_POPULATION.get(year)}); "
                               f"{RESTORE}")
    return reg


def check_expectations(expectations_path: str | Path, codes: list[str]) -> pd.DataFrame:
    """The size model's expectations, complete for every municipality in ``codes`` (the wave's register),
    or :class:`SharedInputError`: a truncated table would otherwise drop the model section of some reports."""
    path = Path(expectations_path)
    again = "; rerun `wijkteam models` to write it again"
    if not _ends_with_newline(path):
        raise SharedInputError(f"the expectations table {path} is empty or truncated (its last line has no "
                               f"line end){again}")
    try:
        exp = load_expectations(path)
    except Exception as err:  # noqa: BLE001
        raise SharedInputError(f"the expectations table {path} cannot be read ({type(err).__name__}: "
                               f"{err}){again}") from None
    # an empty prediction is allowed (the models step leaves it empty where it shows the national value)
    bad = exp.index[exp["gm_code"].isna() | exp["measure"].isna()]
    if len(bad):
        raise SharedInputError(f"the expectations table {path} has rows without municipality code or measure "
                               f"(data row {int(bad[0]) + 1}{' and more' if len(bad) > 1 else ''}){again}")
    cells = exp.assign(group=exp["group"].fillna(""))[["measure", "group"]].drop_duplicates()
    have = set(zip(exp["gm_code"], exp["measure"], exp["group"].fillna(""), strict=True))
    missing = sorted({c for c in codes for m, g in cells.itertuples(index=False) if (c, m, g) not in have})
    if missing:
        raise SharedInputError(f"the expectations table {path} is incomplete: {len(missing)} municipalities "
                               f"lack rows (e.g. {', '.join(missing[:3])}){again}")
    return exp


def validate_shared_inputs(wave: int, survey_path: str | Path, expectations_path: str | Path | None) -> None:
    """Check codebook, CBS files and register, boundaries, published figures, survey table (and its
    provenance) and (when given) expectations; :class:`SharedInputError` on the first problem."""
    check_codebook()
    reg = check_register(wave)
    check_boundaries(wave)
    check_published(wave)
    check_survey(survey_path, wave)
    if expectations_path is not None:
        check_expectations(expectations_path, reg["gm_code"].astype(str).tolist())
