"""Part B of the zelfscan as data: the LPGGz handreiking's roles, criteria, examples, local examples and the
gespreksagenda rules (``data/raw/zelfscan/handreiking_items.yaml``), validated on load.

Every item's ``quote`` must occur word for word (whitespace aside) in the source text the file names; codes are
unique; every rule's condition refers to items, roles, answers and codebook columns that exist. A broken file
is a :class:`ValueError` naming the file and the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook

ITEMS_FILE = paths.RAW / "zelfscan" / "handreiking_items.yaml"
CONDITION_KEYS = {"role", "item", "count_in", "answer", "involvement_form_none", "involvement_none_at_least",
                  "all", "any"}


@dataclass(frozen=True)
class Handreiking:
    """The validated contents of the items file (plain dicts, as in the YAML)."""

    source: dict[str, Any]
    answers: list[dict[str, str]]
    roles: list[dict[str, Any]]
    criteria: dict[str, Any]
    examples: dict[str, Any]
    local_examples: list[dict[str, Any]]
    rules: list[dict[str, Any]]

    def sections(self) -> list[dict[str, Any]]:
        """Part B in the order of the form: the four roles, the criteria, the examples (each with ``items``)."""
        return [*[{**r, "kind": "role"} for r in self.roles],
                {**self.criteria, "code": "criteria", "label": "Criteria vanuit burgerperspectief", "kind": "criteria"},
                {**self.examples, "code": "examples", "label": "Voorbeelden van burgerbetrokkenheid",
                 "kind": "examples"}]

    def items(self) -> list[dict[str, Any]]:
        """Every Part B item (roles' activities, criteria, examples) with the section it belongs to."""
        return [{**it, "section_code": s["code"], "section_label": s["label"]}
                for s in self.sections() for it in s["items"]]

    def answer_codes(self) -> list[str]:
        """The answer codes of a Part B item (gebeurt, gedeeltelijk, gebeurt_niet, weet_niet)."""
        return [a["code"] for a in self.answers]

    def quote_of(self, code: str) -> dict[str, Any]:
        """The role, section or item called ``code`` (for the quote a rule cites)."""
        for s in self.sections():
            if s["code"] == code:
                return s
            for it in s["items"]:
                if it["code"] == code:
                    return it
        raise KeyError(code)


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'")).strip()


def _check_condition(cond: Any, where: str, known: dict[str, set[str]]) -> None:
    if not isinstance(cond, dict) or len(set(cond) & CONDITION_KEYS) != 1:
        raise ValueError(f"{where}: a condition needs exactly one of {sorted(CONDITION_KEYS)}, got {cond!r}")
    if "all" in cond or "any" in cond:
        for i, sub in enumerate(cond.get("all") or cond.get("any") or []):
            _check_condition(sub, f"{where}[{i}]", known)
        return
    for key, pool in (("role", "roles"), ("item", "items"), ("answer", "columns"), ("involvement_form_none", "forms")):
        if key in cond and cond[key] not in known[pool]:
            raise ValueError(f"{where}: unknown {key} {cond[key]!r}")
    for key in ("none_of", "in", "count_in"):
        bad = [a for a in cond.get(key, []) if a not in known["answers"]]
        if bad:
            raise ValueError(f"{where}: unknown answers {bad} (known: {sorted(known['answers'])})")


def validate(data: dict[str, Any], where: str, source_text: str, columns: set[str],
             forms: set[str]) -> Handreiking:
    """The file's contents checked (quotes in the source, unique codes, rules that refer to what exists)."""
    folded = _fold(source_text)
    h = Handreiking(data["source"], data["answers"], data["roles"], data["criteria"], data["examples"],
                    data["local_examples"], data["rules"])
    seen: set[str] = set()
    quoted = [*h.sections(), *h.items(), *h.local_examples]
    for entry in quoted:
        code = entry["code"]
        if entry in h.items() or entry in h.local_examples:
            if code in seen:
                raise ValueError(f"{where}: code {code!r} occurs twice")
            seen.add(code)
        if _fold(str(entry.get("quote", ""))) not in folded or not entry.get("quote"):
            raise ValueError(f"{where}: the quote of {code!r} does not occur in {h.source['file']}: "
                             f"{entry.get('quote')!r}")
    if len(h.roles) != 4 or len(h.criteria["items"]) != 5 or len(h.examples["items"]) != 9:
        raise ValueError(f"{where}: expected 4 roles, 5 criteria and 9 examples (as in the handreiking)")
    section_codes = {s["code"] for s in h.sections()}
    known = {"roles": {r["code"] for r in h.roles}, "items": {i["code"] for i in h.items()},
             "answers": set(h.answer_codes()), "columns": columns, "forms": forms}
    for ex in h.local_examples:
        bad = [c for c in ex["illustrates"] if c not in known["items"] | section_codes]
        if bad:
            raise ValueError(f"{where}: local example {ex['code']!r} illustrates unknown {bad}")
    ids = [r["id"] for r in h.rules]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{where}: rule ids are not unique")
    for r in h.rules:
        _check_condition(r["when"], f"{where}: rule {r['id']}", known)
        if r["cites"] not in known["items"] | section_codes:
            raise ValueError(f"{where}: rule {r['id']} cites unknown {r['cites']!r}")
        if not str(r.get("point", "")).strip():
            raise ValueError(f"{where}: rule {r['id']} has no point")
    return h


@lru_cache(maxsize=2)
def load_handreiking(path: str | Path | None = None) -> Handreiking:
    """The validated items file (default ``data/raw/zelfscan/handreiking_items.yaml``)."""
    p = Path(path) if path else ITEMS_FILE
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    source = paths.ROOT / data["source"]["file"]
    cb = load_codebook()
    columns = set(cb.tidy_columns())
    forms = {f.code for f in cb.variable("involvement").forms}
    return validate(data, str(p), source.read_text(encoding="utf-8"), columns, forms)


# --------------------------------------------------------------------------- gespreksagenda rules


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) in ("<NA>", "nan", "")


def _holds(cond: dict[str, Any], h: Handreiking, part_b: dict[str, str], part_a: dict[str, Any]) -> bool:
    if "all" in cond:
        return all(_holds(c, h, part_b, part_a) for c in cond["all"])
    if "any" in cond:
        return any(_holds(c, h, part_b, part_a) for c in cond["any"])
    if "role" in cond:
        role = next(r for r in h.roles if r["code"] == cond["role"])
        given = [part_b.get(it["code"]) for it in role["items"]]
        return all(g is not None for g in given) and not any(g in cond["none_of"] for g in given)
    if "item" in cond:
        return part_b.get(cond["item"]) in cond["in"]
    if "count_in" in cond:
        return sum(v in cond["count_in"] for v in part_b.values()) >= int(cond["at_least"])
    if "answer" in cond:
        value = part_a.get(cond["answer"])
        return not _missing(value) and (value == cond["equals"] or str(value) == str(cond["equals"]))
    groups = [c.split("__")[1] for c in part_a if c.startswith("involvement__") and c.endswith("__geen")]
    answered = [g for g in groups if any(not _missing(part_a.get(c)) for c in part_a
                                         if c.startswith(f"involvement__{g}__"))]
    if "involvement_form_none" in cond:
        form = cond["involvement_form_none"]
        return bool(answered) and not any(part_a.get(f"involvement__{g}__{form}") is True for g in answered)
    return sum(part_a.get(f"involvement__{g}__geen") is True for g in answered) >= int(cond["involvement_none_at_least"])


def describe_nl(cond: dict[str, Any], h: Handreiking) -> str:
    """The rule's condition in Dutch words (shown beside each talking point)."""
    labels = {a["code"]: a["label"].lower() for a in h.answers}
    words = {"all": " en ", "any": " of "}
    for key, joiner in words.items():
        if key in cond:
            return "(" + joiner.join(describe_nl(c, h) for c in cond[key]) + ")"
    if "role" in cond:
        role = next(r for r in h.roles if r["code"] == cond["role"])
        return (f"geen enkele activiteit onder de rol '{role['label']}' is beantwoord met "
                + " of ".join(f"'{labels[a]}'" for a in cond["none_of"]))
    if "item" in cond:
        it = h.quote_of(cond["item"])
        return f"'{it.get('label') or it['text']}' is beantwoord met " + " of ".join(f"'{labels[a]}'" for a in cond["in"])
    if "count_in" in cond:
        return (f"minstens {cond['at_least']} vragen van deel B zijn beantwoord met "
                + " of ".join(f"'{labels[a]}'" for a in cond["count_in"]))
    if "answer" in cond:
        q = load_codebook().variable(cond["answer"]).question
        v = cond["equals"]
        shown = "ja" if v is True else "nee" if v is False else str(v)
        return f"deel A, '{q}': {shown}"
    if "involvement_form_none" in cond:
        return f"deel A: bij geen enkele groep bewoners is '{cond['involvement_form_none']}' aangekruist"
    return f"deel A: bij minstens {cond['involvement_none_at_least']} groepen is 'geen betrokkenheid' aangekruist"


def gespreksagenda(part_b: dict[str, str], part_a: dict[str, Any], h: Handreiking | None = None) -> list[dict[str, Any]]:
    """The talking points whose rule holds for these answers, each with its rule (id, Dutch description) and
    the handreiking passage it cites. ``part_b``: item code -> answer code; ``part_a``: tidy column -> value."""
    h = h or load_handreiking()
    out = []
    for r in h.rules:
        if _holds(r["when"], h, part_b, part_a):
            cited = h.quote_of(r["cites"])
            out.append({"id": r["id"], "point": r["point"], "rule": describe_nl(r["when"], h),
                        "quote": cited["quote"], "section": cited.get("section") or cited.get("section_code", "")})
    return out
