"""The labelled masking corpus and how a masker is measured on it (recall, precision, harmless texts masked).

In: ``tests/data/masking_corpus.tsv`` (one item a line: category, known persons of the row, text with the
personal data marked ``{{kind:text}}``). Out: :class:`Item` objects and, for a masker (text and known persons
to spans), a :class:`Score` per category. Used by ``benchmarks/bench_masking.py`` (prints the figures per
candidate) and ``tests/test_masking_corpus.py`` (asserts the goal: no leak, at most 5 % of harmless texts
masked).

Counting: a labelled span *leaks* unless every one of its non-space characters is inside some masked span
(of any kind: hidden is hidden); recall of a kind = labelled spans not leaked / labelled spans. A masked span
is a *true find* when it overlaps a labelled span; precision = true finds / masked spans. A harmless text
(category ``ok-...``, no labels) counts as *masked* when anything in it is masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wijkteam_stats.clean.deidentify import KINDS, KnownPersons, Span

_MARK = re.compile(r"\{\{([a-z-]+):(.+?)\}\}")

Masker = Callable[[str, KnownPersons], Sequence[Span]]


@dataclass(frozen=True)
class Item:
    """One corpus text: its category, the known persons of its row and the labelled spans."""

    line: int
    category: str
    known: tuple[str, ...]
    text: str
    spans: tuple[Span, ...]

    @property
    def harmless(self) -> bool:
        """True for the texts in which nothing may be masked."""
        return not self.spans


def parse_item(line_no: int, line: str, path: Path | str = "corpus") -> Item:
    """One corpus line as an :class:`Item`; a malformed line raises ValueError naming file and line."""
    cols = line.rstrip("\n").split("\t")
    if len(cols) != 3:
        raise ValueError(f"{path}: line {line_no}: expected 3 tab-separated columns, got {len(cols)}")
    category, known, marked = cols
    marked = marked.replace("\\n", "\n")
    text, spans, at = [], [], 0
    length = 0
    for m in _MARK.finditer(marked):
        kind, value = m.group(1), m.group(2)
        if kind not in KINDS:
            raise ValueError(f"{path}: line {line_no}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
        before = marked[at:m.start()]
        text.append(before)
        length += len(before)
        spans.append((length, length + len(value), kind))
        text.append(value)
        length += len(value)
        at = m.end()
    text.append(marked[at:])
    plain = "".join(text)
    if "{{" in plain or "}}" in plain:
        raise ValueError(f"{path}: line {line_no}: unbalanced mark in {marked!r}")
    if category.startswith("ok-") == bool(spans):
        raise ValueError(f"{path}: line {line_no}: category {category!r} and the marks disagree "
                         "(ok-... texts have no marks, others at least one)")
    names = tuple(v.strip() for v in known.split(";") if v.strip())
    return Item(line_no, category, names, plain, tuple(spans))


def load_corpus(path: str | Path) -> list[Item]:
    """Every item of the corpus file (comment lines ``#`` and blank lines skipped)."""
    items = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, start=1):
            if line.strip() and not line.startswith("#"):
                items.append(parse_item(i, line, path))
    return items


@dataclass
class Score:
    """Counts of one category (or kind) for one masker."""

    labelled: int = 0
    leaked: int = 0
    found: int = 0
    true_found: int = 0
    texts: int = 0
    texts_masked: int = 0
    leaks: list[str] = field(default_factory=list)
    overmasked: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        """Share of labelled spans fully masked (None without labelled spans)."""
        return None if not self.labelled else (self.labelled - self.leaked) / self.labelled

    @property
    def precision(self) -> float | None:
        """Share of masked spans that overlap a labelled span (None when nothing was masked)."""
        return None if not self.found else self.true_found / self.found


def _covered(text: str, span: Span, masked: Sequence[Span]) -> bool:
    s, e, _ = span
    hidden = [False] * (e - s)
    for ms, me, _ in masked:
        for i in range(max(s, ms), min(e, me)):
            hidden[i - s] = True
    return all(h or text[s + i].isspace() for i, h in enumerate(hidden))


def measure(masker: Masker, items: Iterable[Item]) -> dict[str, Score]:
    """Scores of ``masker`` per category, per kind (``kind:<kind>``) and in total (``all``, ``harmless``)."""
    scores: dict[str, Score] = {}
    for item in items:
        found = list(masker(item.text, KnownPersons.from_values(item.known)))
        keys = [item.category, "harmless" if item.harmless else "all"]
        for key in keys:
            sc = scores.setdefault(key, Score())
            sc.texts += 1
            sc.texts_masked += bool(found)
            sc.found += len(found)
            sc.true_found += sum(any(s < le and ls < e for ls, le, _ in item.spans) for s, e, _ in found)
            if item.harmless and found:
                sc.overmasked.append(f"line {item.line}: {item.text!r} -> "
                                     f"{[item.text[s:e] for s, e, _ in found]}")
        for span in item.spans:
            leaked = not _covered(item.text, span, found)
            for key in (item.category, "all", f"kind:{span[2]}"):
                sc = scores.setdefault(key, Score())
                sc.labelled += 1
                sc.leaked += leaked
                if leaked:
                    sc.leaks.append(f"line {item.line}: {item.text[span[0]:span[1]]!r} in {item.text!r}")
    return scores
