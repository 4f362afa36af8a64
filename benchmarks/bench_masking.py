"""Recall and precision of the free-text maskers on the labelled corpus (tests/data/masking_corpus.tsv).

Not a test (tests/test_masking_corpus.py asserts the goal for the masker the cleaning uses): prints, for each
candidate, per category the labelled spans, leaks, recall, precision and the share of harmless texts masked,
then the leaks and over-maskings of each candidate. Candidates:

- ``patterns``: the project's own patterns (clean/deidentify.py without deduce);
- ``deduce``: the deduce library alone, every tag it has (persons, places, institutions, dates, ids, ...);
- ``deduce-kept``: deduce's persons and street addresses only, with place and service names kept
  (clean/deduce_finder.py);
- ``patterns+deduce``: both, the union of their spans (what ``deidentify`` does);
- ``presidio``: Microsoft Presidio's analyzer, when installed (it needs a spaCy model from a hub: without
  one only its pattern recognizers could run; reported as not available when it cannot start).

Usage:

    .venv/bin/python benchmarks/bench_masking.py [--corpus tests/data/masking_corpus.tsv] [--heldout] [--details]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import yaml

from wijkteam_stats.clean import deidentify as di
from wijkteam_stats.clean.deduce_finder import _engine, deduce_spans, deduce_version
from wijkteam_stats.clean.masking_corpus import Masker, Score, load_corpus, measure

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "masking_corpus.tsv"
BLIND = CORPUS.with_name("masking_blind.yaml")
HELDOUT = CORPUS.with_name("masking_heldout.tsv")
DEDUCE_KINDS = {"persoon": "naam", "locatie": "adres", "emailadres": "e-mailadres", "telefoonnummer":
                "telefoonnummer", "bsn": "bsn", "id": "bsn"}


def patterns(text: str, known: di.KnownPersons) -> list[di.Span]:
    """The project's own patterns, without deduce."""
    return di.find_personal_data(text, known, use_deduce=False)


def deduce_alone(text: str, known: di.KnownPersons) -> list[di.Span]:
    """Every annotation deduce makes, whatever its tag."""
    return [(a.start_char, a.end_char, DEDUCE_KINDS.get(a.tag, "naam"))
            for a in _engine().deidentify(text).annotations]


def deduce_kept(text: str, known: di.KnownPersons) -> list[di.Span]:
    """deduce's persons and street addresses, places and services kept."""
    return deduce_spans(text)


def combined(text: str, known: di.KnownPersons) -> list[di.Span]:
    """What the cleaning uses: the patterns and deduce's persons and addresses together."""
    return di.find_personal_data(text, known)


def presidio_masker() -> tuple[Masker | None, str]:
    """A Presidio analyzer on Dutch text, or None and why it cannot run here.

    Presidio's default start downloads a spaCy model from a hub (impossible offline); then its pattern
    recognizers (e-mail, IBAN, phone, ...) are run on a blank Dutch spaCy pipeline: no named-entity model,
    so no person names."""
    try:
        # optional: only this benchmark tries Presidio (not a dependency of the project)
        import spacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
    except ImportError as err:
        return None, f"not installed ({err})"
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    try:
        AnalyzerEngine(supported_languages=["nl"])
        note = "default start (spaCy model present)"
    except Exception as err:  # noqa: BLE001 - any start-up failure (no spaCy model offline) is reported
        note = f"default start fails ({type(err).__name__}); pattern recognizers on a blank Dutch pipeline"
    with tempfile.TemporaryDirectory() as folder:
        spacy.blank("nl").to_disk(folder)
        nlp = SpacyNlpEngine(models=[{"lang_code": "nl", "model_name": folder}])
        nlp.load()
    registry = RecognizerRegistry(supported_languages=["nl"])
    registry.load_predefined_recognizers(languages=["nl"], nlp_engine=nlp)
    engine = AnalyzerEngine(nlp_engine=nlp, registry=registry, supported_languages=["nl"])

    def run(text: str, known: di.KnownPersons) -> list[di.Span]:
        return [(r.start, r.end, "naam") for r in engine.analyze(text=text, language="nl")]
    return run, note


def _pct(x: float | None) -> str:
    return "    -" if x is None else f"{100 * x:5.1f}"


def report(name: str, scores: dict[str, Score], seconds: float, details: bool) -> None:
    """Print one candidate's table."""
    print(f"\n== {name}  ({seconds:.1f} s)")
    print(f"{'category':24} {'texts':>5} {'spans':>5} {'leaks':>5} {'recall%':>7} {'precis%':>7} {'masked%':>7}")
    order = sorted(k for k in scores if not k.startswith("ok-") and k not in ("all", "harmless")
                   and not k.startswith("kind:"))
    order += sorted(k for k in scores if k.startswith("kind:"))
    order += sorted(k for k in scores if k.startswith("ok-")) + ["all", "harmless"]
    for key in order:
        sc = scores.get(key)
        if sc is None:
            continue
        masked = sc.texts_masked / sc.texts if sc.texts and (key.startswith("ok-") or key == "harmless") else None
        print(f"{key:24} {sc.texts or '':>5} {sc.labelled or '':>5} {sc.leaked if sc.labelled else '':>5} "
              f"{_pct(sc.recall):>7} {_pct(sc.precision):>7} {_pct(masked):>7}")
    personal, harmless = scores["all"], scores.get("harmless", Score())
    found = personal.found + harmless.found
    precision = personal.true_found / found if found else None
    print(f"summary: leaks {personal.leaked} of {personal.labelled} personal items (recall {_pct(personal.recall)} %), "
          f"precision {_pct(precision)} % of {found} maskings, harmless texts masked "
          f"{harmless.texts_masked} of {harmless.texts} ({_pct(harmless.texts_masked / max(harmless.texts, 1))} %)")
    if details:
        for line in scores["all"].leaks:
            print("  LEAK", line)
        for line in scores.get("harmless", Score()).overmasked:
            print("  OVER", line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--heldout", action="store_true",
                    help="measure the held-out items (tests/data/masking_heldout.tsv) instead of the corpus")
    ap.add_argument("--details", action="store_true", help="list every leak and every masked harmless text")
    args = ap.parse_args()
    items = load_corpus(HELDOUT if args.heldout else args.corpus)
    n_harmless = sum(i.harmless for i in items)
    print(f"corpus: {len(items)} texts ({len(items) - n_harmless} with personal data, {n_harmless} harmless); "
          f"deduce {deduce_version()}")
    t0 = time.perf_counter()
    _engine()
    print(f"deduce start-up (cached lookups): {time.perf_counter() - t0:.1f} s")
    candidates: dict[str, Masker | None] = {"patterns": patterns, "deduce": deduce_alone,
                                            "deduce-kept": deduce_kept, "patterns+deduce": combined}
    presidio, why = presidio_masker()
    print(f"presidio: {why}")
    candidates["presidio"] = presidio
    for name, masker in candidates.items():
        if masker is None:
            print(f"\n== {name}: {why}")
            continue
        t0 = time.perf_counter()
        scores = measure(masker, items)
        report(name, scores, time.perf_counter() - t0, args.details)
    blind_report(args.details)


def blind_report(details: bool) -> None:
    """The chosen masker (patterns + deduce) on the blind corpus: even ids tuned, odd ids held out."""
    items = yaml.safe_load(BLIND.read_text(encoding="utf-8"))["items"]
    print(f"\n== blind corpus ({BLIND.name}, {len(items)} texts; even ids tuned, odd ids held out)")
    for half, rest in (("tuning (even ids)", 0), ("held out (odd ids)", 1), ("all", None)):
        part = [i for i in items if rest is None or int(i["id"].rsplit("-", 1)[1]) % 2 == rest]
        spans = leaks = harmless = changed = 0
        for it in part:
            masked = di.mask(it["text"])
            must = it.get("must_mask") or []
            spans += len(must)
            for s in must:
                if s in masked:
                    leaks += 1
                    if details:
                        print(f"  LEAK {it['id']}: {s!r} in {masked!r}")
            if not must:
                harmless += 1
                if masked != it["text"]:
                    changed += 1
                    if details:
                        print(f"  OVER {it['id']}: {masked!r}")
        print(f"{half:20} leaks {leaks} of {spans} personal spans; {changed} of {harmless} harmless texts changed "
              f"({100 * changed / harmless:.1f} %)")


if __name__ == "__main__":
    main()
