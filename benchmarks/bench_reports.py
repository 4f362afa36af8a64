"""Benchmark: per-municipality reports with a pool of warm kernels vs papermill with a fresh kernel per report.

Builds the same N reports both ways in one run (alternating rounds, as run times drift over minutes), into a
temporary folder, and prints seconds per report for each way, the ratio, kernel memory at the start and end
of the warm run (it must stay flat), and whether both ways produced the same text and images.

    .venv/bin/python benchmarks/bench_reports.py            # N = 10
    .venv/bin/python benchmarks/bench_reports.py -n 40 --rounds 2 --papermill-workers 2

This is a benchmark, not a test: it asserts nothing and writes nothing outside its temporary folder.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from wijkteam_stats.batch.executors import LocalExecutor
from wijkteam_stats.batch.runner import default_workers, plan_jobs, wave_codes
from wijkteam_stats.reference.writers import atomic_write_text


def _rss_mb() -> float | None:
    try:
        import psutil

        return psutil.Process(os.getpid()).memory_info().rss / 2**20
    except Exception:  # noqa: BLE001 - psutil is optional
        return None


def prepared_survey(survey: str | None, wave: int, tmp: Path) -> str:
    """The survey as a cleaned table: a raw export is cleaned once here, as ``wijkteam clean`` does in the
    pipeline, so that neither way pays for cleaning per report."""
    from wijkteam_stats.reference.waves import default_survey_path

    path = Path(survey) if survey else default_survey_path(wave)
    if path.suffix.lower() == ".parquet":
        return str(path)
    from wijkteam_stats.clean import clean_survey
    from wijkteam_stats.reference.provenance import write_derived_sidecar

    out = tmp / f"{'SYNTHETIC_' if 'SYNTHETIC' in path.name.upper() else ''}survey_{wave}.parquet"
    clean_survey(path, wave).table.to_parquet(out, index=False)
    write_derived_sidecar(out, path)
    return str(out)


def build(engine: str, workers: int, codes: list[str], wave: int, survey: str | None, out: Path):
    """Build the reports one way; returns (seconds per report, executor, failures)."""
    plan = plan_jobs(codes, wave, survey_path=survey, outputs_dir=out)
    ex = LocalExecutor(engine=engine, workers=workers, warm_wave=wave)
    failed: list[str] = []

    def on_result(res) -> None:
        if res.status == "built":
            atomic_write_text(out / "reports" / str(wave) / f"{res.gm_code}.html", res.html)
        else:
            failed.append(f"{res.gm_code}: {res.error}")

    t0 = time.perf_counter()
    ex.run([j.payload() for j in plan.jobs], plan.notebook, on_result)
    return (time.perf_counter() - t0) / len(codes), ex, failed


def _text(html: str) -> str:
    return re.sub(r'src="data:image/png;base64,[^"]+"', "IMG", html)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=10, help="reports per way and round (default 10)")
    p.add_argument("--rounds", type=int, default=1, help="alternating rounds (default 1); medians are reported")
    p.add_argument("--workers", type=int, default=None, help="warm kernels (default: CPUs, at most 8)")
    p.add_argument("--papermill-workers", type=int, default=1,
                   help="parallel papermill runs (default 1: papermill per report, one after another)")
    p.add_argument("--wave", type=int, default=2015)
    p.add_argument("--survey", default=None, help="survey file (default: as `wijkteam reports`)")
    args = p.parse_args()

    workers = args.workers or default_workers()
    all_codes = wave_codes(args.wave)
    step = max(1, len(all_codes) // args.n)
    codes = all_codes[::step][: args.n]
    warm_s, fresh_s, warm_runs = [], [], []
    rss_start = _rss_mb()
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp = Path(tmp)
        args.survey = prepared_survey(args.survey, args.wave, tmp)
        print(f"survey: {args.survey}", flush=True)
        for r in range(args.rounds):
            s, ex, fail_w = build("warm", workers, codes, args.wave, args.survey, tmp / f"warm{r}")
            warm_s.append(s)
            warm_runs.append(ex)
            s, _, fail_p = build("papermill", args.papermill_workers, codes, args.wave, args.survey, tmp / f"pm{r}")
            fresh_s.append(s)
            print(f"round {r + 1}: warm {warm_s[-1]:.2f} s/report, papermill {fresh_s[-1]:.2f} s/report", flush=True)
            for f in fail_w + fail_p:
                print(f"  FAILED {f}")
        same = 0
        for code in codes:
            a = tmp / "warm0" / "reports" / str(args.wave) / f"{code}.html"
            b = tmp / "pm0" / "reports" / str(args.wave) / f"{code}.html"
            if a.is_file() and b.is_file():
                same += a.read_text() == b.read_text()
    warm, fresh = statistics.median(warm_s), statistics.median(fresh_s)
    startup = statistics.median(e.startup_seconds for e in warm_runs)
    steady = warm - startup / len(codes)
    print()
    print(f"reports per way and round: {len(codes)} ({args.rounds} round(s)), CPUs: {os.cpu_count()}")
    print(f"papermill, fresh kernel per report ({args.papermill_workers} at a time): {fresh:.2f} s/report")
    print(f"warm kernel pool ({workers} kernels), incl. their start-up:  {warm:.2f} s/report")
    print(f"warm kernel pool, start-up ({startup:.1f} s once) excluded:    {steady:.2f} s/report")
    print(f"ratio papermill / warm: {fresh / warm:.1f}x incl. start-up, {fresh / steady:.1f}x excluding it")
    print(f"projected for all {len(all_codes)} reports: warm {(startup + steady * len(all_codes)) / 60:.1f} min, "
          f"papermill {fresh * len(all_codes) / 60:.1f} min")
    ex = warm_runs[0]
    if ex.memory.get("start") and ex.memory_trace:
        start = sum(m or 0 for m in ex.memory["start"])
        trace = ex.memory_trace
        half = trace[len(trace) // 2][1]
        print(f"warm kernel memory (sum of {workers}): {start:.0f} MB after set-up, {half:.0f} MB after "
              f"{trace[len(trace) // 2][0]} reports, {trace[-1][1]:.0f} MB after {trace[-1][0]} reports")
    rss_end = _rss_mb()
    if rss_start and rss_end:
        print(f"runner process memory: {rss_start:.0f} MB -> {rss_end:.0f} MB")
    print(f"identical HTML (text and images), warm vs papermill: {same}/{len(codes)}")


if __name__ == "__main__":
    main()
