"""``wijkteam assess``: a municipality's own zelfscan answers -> a report beside the published figures;
``wijkteam assess template``: the Excel template to fill in offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "zelfscan: report on a municipality's own answers (CSV/XLSX/folder) beside the published figures"
DESCRIPTION = (
    "wijkteam assess ANSWERS --wave 2015 --provenance self-reported --out DIR writes DIR/zelfscan_<GMcode>.html "
    "for every municipality in ANSWERS (a zelfscan answers CSV from zelfscan.html, the filled Excel template, or "
    "a folder of them; two files of one municipality -- two years, or an earlier wave's questions -- add 'Wat is veranderd'). "
    "wijkteam assess template --wave 2015 --out zelfscan_2015.xlsx writes the Excel template."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from wijkteam_stats.commands.clean import add_provenance_arguments

    p.add_argument("answers", metavar="ANSWERS",
                   help="zelfscan answers: a CSV (from zelfscan.html), the filled XLSX template, or a folder of "
                        "them; or the word 'template' to write the Excel template")
    p.add_argument("--wave", type=int, default=None,
                   help="wave of the questions (default: the latest wave with the involvement grid)")
    p.add_argument("--out", required=True, metavar="DIR|FILE",
                   help="folder for the reports (zelfscan_<GMcode>.html); with 'template': the .xlsx to write")
    add_provenance_arguments(p)


def _files(source: Path) -> list[Path]:
    from wijkteam_stats.commands.clean import folder_files

    return folder_files(source) if source.is_dir() else [source]


def _file_wave(path: Path, wave: int) -> int:
    """The wave whose questions a file answers: its provenance record's ``wave`` (the page and the template
    record it), else ``wave``. An earlier wave's file of the same municipality gives 'Wat is veranderd' over the
    questions the codebook links."""
    from wijkteam_stats.reference.provenance import read_provenance

    recorded = read_provenance(path).record.get("wave")
    return int(recorded) if isinstance(recorded, int) or str(recorded or "").isdigit() else int(wave)


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.clean import SurveyFileError
    from wijkteam_stats.reference.provenance import FLAG_HINT, ProvenanceError, build_day, resolve_provenance
    from wijkteam_stats.reference.writers import atomic_write_text
    from wijkteam_stats.reference.zelfscan_form import default_wave
    from wijkteam_stats.report.zelfscan import build_zelfscan, render_zelfscan, report_name
    from wijkteam_stats.report.zelfscan_answers import read_answers
    from wijkteam_stats.report.zelfscan_template import write_template

    wave = args.wave if args.wave is not None else default_wave()
    if args.answers == "template":
        out = write_template(wave, Path(args.out))
        print(f"sjabloon / template: {out}")
        return 0
    source = Path(args.answers)
    if not source.exists():
        print(f"error: {source}: no such file or folder", file=sys.stderr)
        return 1
    files = _files(source)
    by_code: dict[str, list] = {}
    records: dict[str, dict] = {}
    try:
        for f in files:
            read = read_answers(f, _file_wave(f, wave))
            for z in read:
                record = resolve_provenance(f, args.provenance, who=args.who or z.answers.get("who"),
                                            role=args.role or z.answers.get("role"),
                                            day=str(z.answers.get("filled_in") or "")[:10] or None)
                if record.get("kind") == "unknown":
                    raise ProvenanceError(f"{f.name}: herkomst onbekend (no provenance record {f.stem}.meta.json "
                                          f"beside it); say whose answers these are with {FLAG_HINT}")
                if record.get("kind") == "synthetic":
                    raise ProvenanceError(f"{f.name}: its provenance says synthetic; a zelfscan reports a "
                                          "municipality's own answers only")
                by_code.setdefault(z.gm_code, []).append(z)
                records[z.gm_code] = record
    except ProvenanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (SurveyFileError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for code in sorted(by_code):
        report = build_zelfscan(by_code[code], wave, records[code])
        path = out_dir / report_name(code)
        atomic_write_text(path, render_zelfscan(report, build_day()))
        print(f"zelfscan {code}: {path} ({len(report['agenda'])} gesprekspunten"
              + (f", {len(report['changes']['rows'])} veranderingen" if report["changes"] else "") + ")")
    return 0
