"""Benchmark: seconds the one reconstruction engine takes per shipped wave (and the solver's share).

Prints figures; it is not a test. Run with ``.venv/bin/python benchmarks/bench_reconstruct.py`` (the goal: every
wave in under 30 s on 2 cores).
"""

from __future__ import annotations

import time

from wijkteam_stats.reconstruct.generic import reconstruct_generic
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reference.waves import shipped_waves
from wijkteam_stats.reproduce.scorecard import build_scorecard


def main() -> None:
    print(f"{'wave':>6} {'respondents':>12} {'cells':>6} {'reconstruct s':>14} {'solver s':>9} {'matches':>10}")
    for wave in shipped_waves():
        marks: dict[str, float] = {}

        def progress(msg: str, marks: dict[str, float] = marks) -> None:
            marks[msg.split(": ", 1)[1].split(" (")[0]] = time.perf_counter()

        pub = load_published(wave=wave)
        t0 = time.perf_counter()
        rec = reconstruct_generic(wave, published=pub, progress=progress)
        total = time.perf_counter() - t0
        solver = marks.get("assigning municipalities", t0) - marks.get("counts per cell", t0)
        sc = build_scorecard(pub, rec.tidy, wave=wave)
        own = sc[sc["wave"] == wave]
        ok = int((own["status"] == "match").sum())
        print(f"{wave:>6} {len(rec.tidy):>12} {len(rec.notes['cells']):>6} {total:>14.2f} {solver:>9.2f} "
              f"{ok:>4} of {len(own):<3}")


if __name__ == "__main__":
    main()
