"""The inputs every report shares (survey table, register, expectations), checked once before any report runs.

An unreadable or incomplete shared input would make every report fail (or, worse, silently lose a section):
:func:`validate_shared_inputs` raises one :class:`SharedInputError` that names the file and what is wrong,
and the runner stops before it builds, records or deletes anything.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.waves import register_year
from wijkteam_stats.report.profile import load_expectations, load_survey


class SharedInputError(RuntimeError):
    """A shared input of the reports cannot be used; nothing was built or deleted."""


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return False
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"


def check_survey(survey_path: str | Path, wave: int) -> pd.DataFrame:
    """The tidy survey table, or :class:`SharedInputError` naming the file."""
    path = Path(survey_path)
    try:
        tidy = load_survey(path, wave)
    except Exception as err:  # noqa: BLE001 - any failure to read is the same problem for the user
        raise SharedInputError(f"the survey table {path} cannot be read ({type(err).__name__}: {err}); "
                               "rerun `wijkteam clean` (or pass --survey) before building reports") from None
    if tidy.empty:
        raise SharedInputError(f"the survey table {path} has no responses for wave {wave}")
    return tidy


def check_register(wave: int) -> pd.DataFrame:
    """The wave's municipality register, or :class:`SharedInputError`."""
    year = register_year(wave)
    try:
        reg = register(year)
    except Exception as err:  # noqa: BLE001
        raise SharedInputError(f"the municipality register of {year} cannot be read ({type(err).__name__}: "
                               f"{err}); rerun `wijkteam data`") from None
    if reg.empty or reg["gm_code"].isna().any():
        raise SharedInputError(f"the municipality register of {year} is empty or has rows without a code; "
                               "rerun `wijkteam data`")
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
    """Check survey table, register and (when given) expectations; :class:`SharedInputError` on the first
    problem."""
    reg = check_register(wave)
    check_survey(survey_path, wave)
    if expectations_path is not None:
        check_expectations(expectations_path, reg["gm_code"].astype(str).tolist())
