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
    p.add_argument("input", metavar="INPUT",
                   help="the survey export (.csv/.tsv, .xlsx, .xls, .ods, .sav or .dta), or a folder of them (e.g. "
                        "zelfscan answer files: one table, each file's provenance kept)")
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
    add_provenance_arguments(p)
    p.add_argument("--date-order", choices=("dmy", "mdy"), default=None,
                   help="day/month order of the timestamps when the values cannot tell (e.g. all days <= 12)")
    p.add_argument("--keep-outside-fieldwork", action="store_true",
                   help="keep responses dated outside the wave's fieldwork (data/raw/waves.yaml); default: set aside")


def add_provenance_arguments(p: argparse.ArgumentParser) -> None:
    """``--provenance`` (and, for self-reported answers, ``--who``/``--role``): what the data are when the file
    has no provenance record of its own; recorded in the outputs."""
    p.add_argument("--provenance", choices=("real", "self-reported", "synthetic"), default=None,
                   help="what the data are, when the file has no provenance record (.meta.json) beside it: a real "
                        "export, answers a municipality filled in itself (zelfscan), or synthetic; recorded in the "
                        "cleaned table's sidecar. Without a record or this flag the table is marked 'herkomst "
                        "onbekend' and no report publishes its answers")
    p.add_argument("--who", choices=("gemeente", "adviesraad"), default=None,
                   help="with --provenance self-reported: who filled in the answers (default: gemeente)")
    p.add_argument("--role", default=None, metavar="FUNCTION",
                   help="with --provenance self-reported: the function of who filled it in (never a name)")


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


SURVEY_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods", ".sav", ".dta")


def folder_files(folder: Path) -> list[Path]:
    """The survey files of a folder, sorted by name (sidecars and other files are left out)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SURVEY_SUFFIXES
                  and not p.name.startswith((".", "~$")))


def combined_record(records: list[tuple[Path, dict, list[str]]]) -> dict:
    """One record for a table made from several files: their common kind, and per municipality the file and
    what its own record says (who filled it in, role, date). Files of different kinds are an error."""
    from wijkteam_stats.reference.provenance import ProvenanceError

    kinds = {rec.get("kind") for _, rec, _ in records}
    if len(kinds) > 1:
        listed = ", ".join(f"{p.name}: {rec.get('kind')}" for p, rec, _ in records)
        raise ProvenanceError(f"the files have different provenance ({listed}); clean each kind separately")
    kind = kinds.pop()
    if kind == "unknown":
        return {"kind": "unknown"}
    first = records[0][1]
    per = {code: {k: rec[k] for k in ("who", "role", "date") if k in rec} | {"file": p.name}
           for p, rec, codes in records for code in codes}
    out = {"synthetic": first["synthetic"], "kind": kind, "source": f"{len(records)} files",
           "how_made": "; ".join(sorted({str(rec.get("how_made", "")) for _, rec, _ in records} - {""}))
           or "several files", "per_municipality": per}
    if kind == "self-reported":
        roles = {(rec.get("who"), rec.get("role"), rec.get("date")) for _, rec, _ in records}
        who, role, day = sorted(roles)[0] if len(roles) == 1 else ("gemeente", "zie per gemeente", max(
            str(r[2]) for r in roles))
        out.update(who=who, role=role, date=day)
    return out


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from wijkteam_stats.clean import SurveyFileError, clean_survey
    from wijkteam_stats.reference import paths
    from wijkteam_stats.reference.provenance import (
        FLAG_HINT,
        ProvenanceError,
        resolve_provenance,
        write_derived_sidecar,
    )
    from wijkteam_stats.reference.writers import atomic_write_parquet, safe_to_csv

    source = Path(args.input)
    files = folder_files(source) if source.is_dir() else [source]
    if not files:
        print(f"error: {source}: no survey files ({', '.join(SURVEY_SUFFIXES)}) in this folder", file=sys.stderr)
        return 1
    try:
        records = [(f, resolve_provenance(f, args.provenance, who=args.who, role=args.role)) for f in files]
    except ProvenanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    synthetic = all(rec.get("kind") == "synthetic" for _, rec in records)
    out = Path(args.out) if args.out else paths.processed_survey_file(args.wave, synthetic)
    log_path = Path(args.log) if args.log else default_log_path(args.input, args.wave)
    results = []
    try:
        for f, rec in records:
            # self-reported answers (a zelfscan) are dated when they were filled in, not in the wave's fieldwork
            keep = args.keep_outside_fieldwork or rec.get("kind") == "self-reported"
            results.append(clean_survey(f, args.wave, sheet=args.sheet, overlay=args.codebook_overlay,
                                        structure=args.structure, date_order=args.date_order,
                                        keep_outside_fieldwork=keep))
    except SurveyFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # e.g. a wave the codebook does not know
        print(f"error: {err}", file=sys.stderr)
        return 2
    if len(files) == 1:
        table, log, record = results[0].table, results[0].log, records[0][1]
    else:
        seen: dict[str, str] = {}
        for f, res in zip(files, results, strict=True):
            for code in res.table["gm_code"]:
                if code in seen:
                    print(f"error: {f}: municipality {code} is also answered in {seen[code]}; one answer file "
                          "per municipality in a folder (compare two years with `wijkteam assess`)", file=sys.stderr)
                    return 1
                seen[code] = f.name
        table = pd.concat([r.table for r in results], ignore_index=True).sort_values("gm_code", kind="stable")
        table = table.reset_index(drop=True)
        log = pd.concat([r.log.assign(file=f.name) for f, r in zip(files, results, strict=True)], ignore_index=True)
        try:
            record = combined_record([(f, rec, list(r.table["gm_code"]))
                                      for (f, rec), r in zip(records, results, strict=True)])
        except ProvenanceError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    try:
        paths.ensure_dir(out.parent)
        paths.ensure_dir(log_path.parent)
    except PermissionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    atomic_write_parquet(table, out, index=False)
    csv_path = safe_to_csv(table, out.with_suffix(".csv"))
    write_derived_sidecar(out, files if len(files) > 1 else files[0], record)
    safe_to_csv(log, log_path)
    for res in results:
        print(res.summary)
    print(f"  tabel / table: {out} (+ {csv_path.name})")
    print(f"  logboek / log: {log_path}")
    kind = record.get("kind")
    print(f"  herkomst / provenance: {kind}" + (" (--provenance)" if record.get("declared_with_flag") else ""))
    if kind == "unknown":
        print(f"warning: {source.name} has no provenance record: the table is marked 'herkomst onbekend' and no "
              f"report publishes its answers; say what the data are with {FLAG_HINT}", file=sys.stderr)
    return 0
