"""``wijkteam clean``: a raw survey export into the validated tidy table, its CSV copy and the cleaning log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "clean a raw survey export (CSV/XLSX/XLS/ODS/SAV/DTA) into the tidy table (parquet + CSV) and a cleaning log"
DESCRIPTION = (
    "Read a survey export, match its columns to the codebook, resolve municipalities for the wave's "
    "register year, drop test/empty rows, merge duplicates and write the validated tidy table "
    "(parquet, plus a CSV copy next to it) and the cleaning log (one row per input row)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", metavar="INPUT", help="the survey export (.csv/.tsv, .xlsx, .xls, .ods, .sav or .dta)")
    p.add_argument("--wave", type=int, required=True, help="survey wave, e.g. 2015")
    p.add_argument("--out", default=None, help="tidy table (.parquet); default data/processed/[SYNTHETIC_]survey_<wave>.parquet")
    p.add_argument("--log", default=None,
                   help="cleaning log (.csv); default outputs/tables/cleaning_log_<wave>.csv for the wave's shipped "
                        "export (what the pipeline cleans), cleaning_log_<wave>_<input name>.csv for any other file")
    p.add_argument("--sheet", default=None,
                   help="worksheet of a workbook (default: the one sheet whose header has a municipality column)")
    p.add_argument("--codebook-overlay", default=None, metavar="FILE",
                   help="a reviewed overlay (YAML) mapping this export's headers and values to the codebook "
                   "(see 'wijkteam codebook suggest')")
    p.add_argument("--structure", default=None, metavar="FILE.lss",
                   help="LimeSurvey survey structure file: names the question and answer codes of the export")
    p.add_argument("--date-order", choices=("dmy", "mdy"), default=None,
                   help="day/month order of the timestamps when the values cannot tell (e.g. all days <= 12)")
    p.add_argument("--keep-outside-fieldwork", action="store_true",
                   help="keep responses dated outside the wave's fieldwork (data/raw/waves.yaml); default: set aside")


def default_log_path(source: str | Path, wave: int) -> Path:
    """``cleaning_log_<wave>.csv`` for the wave's shipped export, else ``cleaning_log_<wave>_<stem>.csv``:
    cleaning another file never overwrites the pipeline's log."""
    from wijkteam_stats.reference import paths

    try:
        shipped = Path(source).resolve() == paths.synthetic_survey_file(wave).resolve()
    except (OSError, ValueError, KeyError):
        shipped = False
    name = f"cleaning_log_{wave}.csv" if shipped else f"cleaning_log_{wave}_{Path(source).stem}.csv"
    return paths.TABLES / name


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.clean import SurveyFileError, clean_survey
    from wijkteam_stats.reference import paths
    from wijkteam_stats.reference.provenance import is_synthetic, write_derived_sidecar
    from wijkteam_stats.reference.writers import atomic_write_parquet, safe_to_csv

    out = Path(args.out) if args.out else paths.processed_survey_file(args.wave, is_synthetic(args.input))
    log_path = Path(args.log) if args.log else default_log_path(args.input, args.wave)
    try:
        result = clean_survey(args.input, args.wave, sheet=args.sheet, overlay=args.codebook_overlay,
                              structure=args.structure, date_order=args.date_order,
                              keep_outside_fieldwork=args.keep_outside_fieldwork)
    except SurveyFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # e.g. a wave the codebook does not know
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        paths.ensure_dir(out.parent)
        paths.ensure_dir(log_path.parent)
    except PermissionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    atomic_write_parquet(result.table, out, index=False)
    csv_path = safe_to_csv(result.table, out.with_suffix(".csv"))
    write_derived_sidecar(out, args.input)
    safe_to_csv(result.log, log_path)
    print(result.summary)
    print(f"  tabel / table: {out} (+ {csv_path.name})")
    print(f"  logboek / log: {log_path}")
    return 0
