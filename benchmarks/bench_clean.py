"""Benchmark: seconds to clean a 10 218-row export (every municipality 26 times) and its 393-row original.

Prints figures; it is not a test. Run with ``.venv/bin/python benchmarks/bench_clean.py``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from wijkteam_stats.clean import clean_survey
from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export

WAVE = 2015


def main() -> None:
    base = example_tidy(WAVE, n=393, seed=5)
    with tempfile.TemporaryDirectory() as tmp:
        for k in (1, 26):
            big = pd.concat([base] * k, ignore_index=True)
            big["ingevuld_op"] = big["ingevuld_op"] - pd.to_timedelta(
                [k - 1 - i // 393 for i in range(len(big))], unit="D")
            path = write_export(big, Path(tmp) / f"big_{k}.csv")
            t0 = time.perf_counter()
            result = clean_survey(path, WAVE)
            elapsed = time.perf_counter() - t0
            print(f"{len(big):>6} rows ({path.stat().st_size / 1e6:.1f} MB): {elapsed:.2f} s, "
                  f"{result.summary.kept} kept, {result.summary.merged} merged")


if __name__ == "__main__":
    main()
