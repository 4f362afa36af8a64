"""Timing of the free-text de-identification (clean/deidentify.py) for cells of 10 kB to 1 MB.

Not a test: prints seconds and microseconds per kB of the pattern step for each cell shape and size, so linear
growth (constant µs/kB) is visible, then deduce's time on 1-20 kB (texts over 20 000 characters are withheld), next to the pattern it replaced (the old e-mail regex, quadratic in a word's
length; run only at 10 and 20 kB). Usage:

    .venv/bin/python benchmarks/bench_deidentify.py [--max-kb 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import time

OLD_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)  # the pattern before the rework
SENTENCE = ("Het wijkteam in Zaanstad werkt sinds 2015 met 12 teams; bel 06-12345678 of mail info@x.nl. "
            "Groet, Karin Bakker. ")


def shapes(n: int) -> dict[str, str]:
    """Cells of about ``n`` characters: ordinary and dense-PII text plus inputs that break naive patterns."""
    return {
        "realistic text with PII": SENTENCE * (n // len(SENTENCE)),
        "one long word": "a" * n,
        "words and dots": "a." * (n // 2),
        "@ every 41 chars": ("a" * 40 + "@") * (n // 41),
        "spaces": " " * n,
        "digit groups 0-0-0": "0-" * (n // 2),
        "phone numbers only": "0612345678 " * (n // 11),
        "capitalised words": "Aaaa " * (n // 5),
        "cue words (mw.)": "mw. Aa " * (n // 7),
    }


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-kb", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from wijkteam_stats.clean.deidentify import MAX_TEXT, KnownPersons, find_personal_data

    known = KnownPersons.from_values(["Karin Bakker", "k.bakker@zaanstad.nl"])
    sizes = [kb for kb in (10, 100, 250, 500, 1000) if kb <= args.max_kb]
    print(f"{'cell shape':28s}" + "".join(f"{f'{kb} kB':>12s}" for kb in sizes) + "   µs/kB at the largest")
    for name in shapes(10):
        row, last = [], 0.0
        for kb in sizes:
            text = shapes(kb * 1000)[name]
            # the patterns alone: deidentify() withholds a text over MAX_TEXT whole and never runs them on it
            last = best_of(lambda t=text: find_personal_data(t, known, use_deduce=False), args.repeat)
            row.append(f"{last:11.3f}s")
        print(f"{name:28s}" + " ".join(row) + f"   {last / sizes[-1] * 1e6:8.0f}")
    print()
    print(f"deduce (names and streets) on the realistic text; deidentify() withholds texts over {MAX_TEXT} chars:")
    find_personal_data("Groet, Karin Bakker", known)  # loads deduce's cached lookups (a few seconds, once)
    for kb in (1, 10, 20):
        text = shapes(kb * 1000)["realistic text with PII"]
        print(f"  {kb:4d} kB: {best_of(lambda t=text: find_personal_data(t, known), 1):7.3f}s")
    print()
    print("old e-mail pattern on one long word (quadratic; for comparison):")
    for kb in (10, 20):
        text = "a" * (kb * 1000)
        print(f"  {kb:4d} kB: {best_of(lambda t=text: OLD_EMAIL.search(t), 1):7.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
