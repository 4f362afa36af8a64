"""Benchmark: the report batch as `wijkteam reports` runs it, with a per-stage breakdown, against papermill CLI +
nbconvert CLI on the same municipalities.

Prints, for a full batch (default: every municipality of the wave) built by the runner into a temporary folder:
wall and CPU seconds per report (CPU of this process plus its kernels), where the time of one report goes
inside the runner (notebook parameterisation, kernel reset, every cell's kernel round trip, HTML export,
publishing: hashing, moving and the manifest journal), figure-cache hits, then the second run with nothing
changed, and the side-by-side ratio against `papermill` + `jupyter nbconvert` (one process each per report,
as a user would script it) on N of the same municipalities.

    .venv/bin/python benchmarks/bench_reports.py                    # all 393 (2015), 2 workers, compare on 6
    .venv/bin/python benchmarks/bench_reports.py -n 40 --compare 4  # a quicker sample

A benchmark, not a test: it asserts nothing and writes nothing outside its temporary folder. On a shared
machine the figures are inflated by the other load; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wijkteam_stats.batch.runner import plan_jobs, run_reports, wave_codes
from wijkteam_stats.reference import paths
from wijkteam_stats.report import figure_cache


def prepared_survey(survey: str | None, wave: int, tmp: Path) -> str:
    """The survey as a cleaned table (as `wijkteam clean` leaves it), so no route pays for cleaning."""
    from wijkteam_stats.reference.waves import default_survey_path

    path = Path(survey) if survey else default_survey_path(wave)
    if path.suffix.lower() == ".parquet":
        return str(path)
    from wijkteam_stats.clean import clean_survey
    from wijkteam_stats.reference.provenance import write_derived_sidecar

    out = tmp / f"survey_{wave}.parquet"
    clean_survey(path, wave).table.to_parquet(out, index=False)
    write_derived_sidecar(out, path)
    return str(out)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the kernels, the CLI processes)."""
    me = time.process_time()
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me + ch.ru_utime + ch.ru_stime


def _cell_labels(notebook: Path, wave: int, code: str) -> list[str]:
    """A short label per cell of the parameterized notebook (its first code line or heading)."""
    from wijkteam_stats.batch.build import parameterized_notebook

    nb = parameterized_notebook(notebook.read_text(encoding="utf-8"), {"municipality_code": code, "wave": wave})
    labels = []
    for cell in nb.cells:
        lines = [ln.strip() for ln in cell.source.splitlines() if ln.strip()]
        code_lines = [ln for ln in lines if not ln.startswith("#")] or lines or [""]
        text = code_lines[-1] if cell.cell_type == "code" else (lines or ["(markdown)"])[0]
        labels.append(f"{cell.cell_type[:4]}: {text[:60]}")
    return labels


def timed_run(codes, wave, survey, out, workers, force):
    t0, c0 = time.perf_counter(), _cpu()
    res = run_reports(codes, wave, survey_path=survey, outputs_dir=out, workers=workers, force=force,
                      progress=False, log=None, handle_signals=False)
    return res, time.perf_counter() - t0, _cpu() - c0


def papermill_cli(codes, wave, survey, out: Path) -> tuple[float, float, int]:
    """Each report with `papermill` then `jupyter nbconvert --to html --no-input`; (wall, CPU, failures)."""
    nb = paths.NOTEBOOKS / "03_municipality_profile.ipynb"
    out.mkdir(parents=True)
    failed = 0
    t0, c0 = time.perf_counter(), _cpu()
    for code in codes:
        executed = out / f"{code}.ipynb"
        rc = subprocess.run([sys.executable, "-m", "papermill", str(nb), str(executed), "-p", "municipality_code",
                             code, "-p", "wave", str(wave), "-p", "survey_path", survey, "-p", "output_dir",
                             str(out)], capture_output=True).returncode
        rc = rc or subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", "--no-input",
                                   str(executed)], capture_output=True).returncode
        failed += rc != 0
    return time.perf_counter() - t0, _cpu() - c0, failed


def _mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else 0.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=None, help="reports in the batch (default: every municipality)")
    p.add_argument("--compare", type=int, default=6, help="municipalities for the papermill CLI comparison")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--wave", type=int, default=2015)
    p.add_argument("--survey", default=None, help="survey file (default: as `wijkteam reports`)")
    args = p.parse_args()

    all_codes = wave_codes(args.wave)
    codes = all_codes if args.n is None else all_codes[:: max(1, len(all_codes) // args.n)][: args.n]
    sample = codes[:: max(1, len(codes) // args.compare)][: args.compare]
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp = Path(tmp)
        survey = prepared_survey(args.survey, args.wave, tmp)
        t0 = time.perf_counter()
        plan_jobs(codes, args.wave, survey_path=survey, outputs_dir=tmp / "plan")
        plan_s = time.perf_counter() - t0

        res, wall, cpu = timed_run(codes, args.wave, survey, tmp / "runner", args.workers, True)
        built = [r for r in res.results if r.status == "built"]
        n = len(codes)
        print(f"\nrunner, {n} reports, {args.workers} workers: {res.line()}")
        print(f"  wall {wall:.1f} s ({wall / n:.3f} s/report), CPU {cpu:.1f} s ({cpu / n:.3f} s/report); "
              f"planning and input checks {plan_s:.1f} s of it")
        print(f"  figure cache in this process: {figure_cache.STATS} (the kernels keep their own)")
        print("  per report inside a worker (wall, mean over built reports):")
        for stage in ("parameterize", "reset", "cells", "export", "publish"):
            print(f"    {stage:<13} {_mean(r.stages.get(stage, 0.0) for r in built):.3f} s")
        per_cell = [r.stages.get("per_cell", []) for r in built if r.stages.get("per_cell")]
        if per_cell:
            labels = _cell_labels(paths.NOTEBOOKS / "03_municipality_profile.ipynb", args.wave, codes[0])
            print("  cells (kernel round trip + the cell's own work):")
            for i in range(max(len(c) for c in per_cell)):
                label = labels[i] if i < len(labels) else f"cell {i}"
                print(f"    {_mean(c[i] for c in per_cell if i < len(c)):.3f} s  {label}")
        print(f"  worker time accounted for: {_mean(r.seconds for r in built):.3f} s/report "
              f"(x {n} / {args.workers} workers = {_mean(r.seconds for r in built) * n / args.workers:.1f} s "
              f"of the {wall:.1f} s wall; the rest is kernel start-up, planning and the final fold)")

        res2, wall2, cpu2 = timed_run(codes, args.wave, survey, tmp / "runner", args.workers, False)
        print(f"\nsecond run, nothing changed: {res2.line()} in {wall2:.2f} s wall, {cpu2:.2f} s CPU")

        rs, rwall, rcpu = timed_run(sample, args.wave, survey, tmp / "runner_sample", args.workers, True)
        pwall, pcpu, pfail = papermill_cli(sample, args.wave, survey, tmp / "papermill")
        k = len(sample)
        print(f"\nside by side on the same {k} municipalities ({', '.join(sample)}):")
        print(f"  papermill CLI + nbconvert CLI (one after another): {pwall / k:.2f} s wall, {pcpu / k:.2f} s CPU "
              f"per report ({pfail} failed)")
        print(f"  runner on these {k} (incl. kernel start-up):   {rwall / k:.2f} s wall, {rcpu / k:.2f} s CPU "
              f"per report ({rs.line()})")
        print(f"  runner in the full batch:                       {wall / n:.2f} s wall, {cpu / n:.2f} s CPU per report")
        print(f"  ratio papermill CLI / runner: wall {pwall / k / (wall / n):.1f}x, CPU {pcpu / k / (cpu / n):.1f}x "
              f"(full batch); wall {pwall / rwall:.1f}x, CPU {pcpu / rcpu:.1f}x (same {k}, with start-up)")
        print(json.dumps({"reports": n, "wall_per_report": round(wall / n, 3), "cpu_per_report": round(cpu / n, 3),
                          "second_run_wall": round(wall2, 2), "papermill_cpu_per_report": round(pcpu / k, 2),
                          "load_average_end": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
