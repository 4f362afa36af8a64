"""The survey codebook (``data/raw/codebook_movisie.yaml``): variables, answers, aliases and the tidy columns.

The codebook is the single description of the data model: the cleaning step reads headers and answers
through it, the schema derives the tidy columns from it, and the reproduction engine maps each published
(variable, category, breakdown) to a tidy column through it.

Waves differ in their questions: a variable (or an answer option) may carry ``waves``, either a list of the
waves that asked it or a mapping ``{wave: {required: bool}}``; without it, it was asked in every wave.
:meth:`Codebook.for_wave` is the codebook of one wave (only its questions and options, ``required`` as that
wave says). An option's ``published`` may be one ``{variable, category}`` or a list of them (an answer that
several published categories count, e.g. across waves).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.wave_settings import load_wave_settings

TIDY_DTYPES = {
    "single": "string",
    "yesno": "boolean",
    "count": "Int64",
    "multi": "boolean",
    "grid": "boolean",
    "datetime": "datetime64[ns]",
    "text": "string",
}


@dataclass(frozen=True)
class Option:
    """One answer option (of a single or multi question), a grid group or a grid form."""

    code: str
    label: str
    aliases: tuple[str, ...] = ()
    published: Any = None
    waves: tuple[int, ...] | None = None
    labels: tuple[tuple[int, str], ...] = ()  # the wave's own wording, where it differs from ``label``

    def label_in(self, wave: int | None) -> str:
        """The option's wording in ``wave`` (its own label when the wave worded it differently)."""
        return dict(self.labels).get(int(wave), self.label) if wave is not None else self.label

    def published_list(self) -> list[dict]:
        """The published categories this option counts towards (``published`` may be one or a list)."""
        pub = self.published
        if pub is None:
            return []
        return [p for p in (pub if isinstance(pub, list) else [pub]) if isinstance(p, dict)]


@dataclass(frozen=True)
class Variable:
    """One question of the survey."""

    name: str
    type: str
    question: str
    role: str = "substantive"
    aliases: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    groups: tuple[Option, ...] = ()
    forms: tuple[Option, ...] = ()
    exclusive: str | None = None
    published: dict | None = None
    published_variable: str | None = None
    min: float | None = None
    max: float | None = None
    required: bool = True
    waves: dict[int, dict] | None = None
    universe: str | None = None  # who was asked (a codebook universe); None: every respondent

    def asked_in(self, wave: int) -> bool:
        """Whether the question was asked in ``wave`` (no ``waves`` entry: in every wave)."""
        return self.waves is None or int(wave) in self.waves

    def columns(self) -> list[str]:
        """The tidy column(s) this variable becomes."""
        if self.type == "multi":
            return [f"{self.name}__{o.code}" for o in self.options]
        if self.type == "grid":
            return [f"{self.name}__{g.code}__{f.code}" for g in self.groups for f in self.forms]
        if self.type == "municipality":
            return ["gm_code"]
        return [self.name]

    def option_codes(self) -> list[str]:
        return [o.code for o in self.options]


@dataclass(frozen=True)
class Indicator:
    """How a published (variable, category[, group]) is computed: ``column`` (== ``equals`` if given)."""

    column: str
    equals: Any = None
    variable: str = ""
    siblings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Codebook:
    """The parsed codebook."""

    path: Path
    survey: str
    waves: dict[int, dict]
    answer_labels: dict[str, tuple[str, ...]]
    variables: tuple[Variable, ...]
    universes: dict[str, dict]
    derived: dict[str, dict]

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(f"codebook {self.path.name} has no variable {name!r}")

    @property
    def personal(self) -> list[Variable]:
        """Variables holding personal data (never leave the cleaning step)."""
        return [v for v in self.variables if v.role == "personal"]

    def tidy_columns(self) -> dict[str, str]:
        """Ordered tidy columns and their pandas dtypes (personal data excluded)."""
        cols: dict[str, str] = {"gm_code": "string", "wave": "Int64"}
        for v in self.variables:
            if v.role == "personal" or v.name in ("gemeente", "wave"):
                continue
            for c in v.columns():
                cols[c] = TIDY_DTYPES[v.type]
        return cols

    def for_wave(self, wave: int) -> Codebook:
        """The codebook of one wave: its questions and answer options only, ``required`` per that wave."""
        wave = int(wave)
        out = []
        for v in self.variables:
            if not v.asked_in(wave):
                continue
            req = v.required if v.waves is None else bool(v.waves[wave].get("required", v.required))
            opts = tuple(o for o in v.options if o.waves is None or wave in o.waves)
            out.append(replace(v, required=req, options=opts))
        return replace(self, variables=tuple(out))

    def register_year(self, wave: int) -> int:
        """The register year (1 January) of a wave's invited municipalities."""
        try:
            return int(self.waves[int(wave)]["register_year"])
        except KeyError:
            raise KeyError(f"codebook {self.path.name} does not know wave {wave}; add it under 'waves'") from None

    def labels_for_wave(self, wave: int) -> dict[str, dict[str, str]]:
        """Per question, per option code: the wording of ``wave`` (for pages and tables of that wave)."""
        return {v.name: {o.code: o.label_in(wave) for o in v.options} for v in self.variables if v.options}

    def canonical_category(self, variable: str, category: str, breakdown: str | None = None) -> str:
        """The category a published (variable, category) is linked by across waves: the first published category
        of the codebook option it counts (a reworded category links to the same option); unknown: itself."""
        try:
            ind = self.indicator(variable, category, breakdown)
        except KeyError:
            return category
        v = self.variable(ind.variable)
        code = ind.column.split("__", 1)[1] if v.type == "multi" else None if ind.equals is None else str(ind.equals)
        opt = next((o for o in v.options if o.code == code), None)
        firsts = [p.get("category") for p in (opt.published_list() if opt else []) if p.get("variable") == variable]
        return str(firsts[0]) if firsts and firsts[0] else category

    def indicator(self, variable: str, category: str, breakdown: str | None = None) -> Indicator:
        """The tidy column (and value) behind a published (variable, category); KeyError if unknown."""
        for v in self.variables:
            if v.type == "grid" and v.published_variable == variable:
                group = next((g for g in v.groups if g.published == breakdown), None)
                form = next((f for f in v.forms if f.published == category), None)
                if group is None or form is None:
                    break
                sib = tuple(f"{v.name}__{group.code}__{f.code}" for f in v.forms)
                return Indicator(f"{v.name}__{group.code}__{form.code}", None, v.name, sib)
            pub = v.published or {}
            if pub.get("variable") == variable and (
                "category" not in pub or pub.get("category") == category or v.type == "count"
            ):
                return Indicator(v.name, True if v.type == "yesno" else None, v.name)
            for o in v.options:
                if any(p.get("variable") == variable and p.get("category") == category for p in o.published_list()):
                    if v.type == "multi":
                        sib = tuple(f"{v.name}__{x.code}" for x in v.options)
                        return Indicator(f"{v.name}__{o.code}", None, v.name, sib)
                    sib = tuple(x.code for x in v.options)
                    return Indicator(v.name, o.code, v.name, sib)
        raise KeyError(f"codebook has no entry for published variable {variable!r}, category {category!r}")


def _waves_of(d: dict, what: str) -> dict[int, dict] | None:
    """A ``waves`` entry: a list of waves, or a mapping wave -> {required: bool}; None if absent."""
    w = d.get("waves")
    if w is None:
        return None
    if isinstance(w, list) and all(isinstance(x, int) for x in w):
        return {int(x): {} for x in w}
    if isinstance(w, dict) and all(isinstance(k, int) and isinstance(v, dict | None) and set(v or {}) <= {"required"}
                                   for k, v in w.items()):
        return {int(k): dict(v or {}) for k, v in w.items()}
    raise ValueError(f"{what}: 'waves' must be a list of waves or a mapping wave: {{required: true/false}}, got {w!r}")


def _opt(d: dict) -> Option:
    waves = _waves_of(d, f"option {d.get('code')!r}")
    labels = d.get("labels") or {}
    if not isinstance(labels, dict) or not all(isinstance(k, int) for k in labels):
        raise ValueError(f"option {d.get('code')!r}: 'labels' must map a wave to its wording, got {labels!r}")
    return Option(str(d["code"]), str(d.get("label", d["code"])), tuple(d.get("aliases", ()) or ()), d.get("published"),
                  None if waves is None else tuple(sorted(waves)),
                  tuple(sorted((int(k), str(v)) for k, v in labels.items())))


def _var(d: dict) -> Variable:
    return Variable(
        name=d["name"], type=d["type"], question=d.get("question", d["name"]), role=d.get("role", "substantive"),
        aliases=tuple(d.get("aliases", ()) or ()), options=tuple(_opt(o) for o in d.get("options", ()) or ()),
        groups=tuple(_opt(o) for o in d.get("groups", ()) or ()), forms=tuple(_opt(o) for o in d.get("forms", ()) or ()),
        exclusive=d.get("exclusive"), published=d.get("published"), published_variable=d.get("published_variable"),
        min=d.get("min"), max=d.get("max"), required=d.get("required", True),
        waves=_waves_of(d, f"variable {d.get('name')!r}"), universe=d.get("universe"),
    )


@lru_cache(maxsize=8)
def _load(path: Path) -> Codebook:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    types = set(TIDY_DTYPES) | {"municipality"}
    variables = tuple(_var(d) for d in raw["variables"])
    for v in variables:
        if v.type not in types:
            raise ValueError(f"{path}: variable {v.name!r} has unknown type {v.type!r}")
    # wave facts live in the wave settings (waves.yaml beside the codebook, else the shipped one); a codebook
    # may still add or override waves in its own optional `waves` section
    settings = path.parent / "waves.yaml"
    waves = {w: s.as_codebook_entry() for w, s in load_wave_settings(settings if settings.is_file() else None).items()}
    waves.update({int(k): v for k, v in (raw.get("waves") or {}).items()})
    return Codebook(
        path=path, survey=raw["survey"], waves=waves,
        answer_labels={k: tuple(str(x) for x in v) for k, v in raw["answer_labels"].items()},
        variables=variables, universes=raw.get("universes", {}), derived=raw.get("derived", {}),
    )


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load the codebook (default: the shipped ``data/raw/codebook_movisie.yaml``)."""
    return _load(Path(path or paths.CODEBOOK).resolve())


def link_categories(pub: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Published rows with ``category`` replaced by the codebook option's canonical category
    (:meth:`Codebook.canonical_category`), so that a category a wave reworded links to the same option across
    waves; the wave's own wording is kept in ``published_category``."""
    cb = codebook or load_codebook()
    out = pub.copy()
    out["published_category"] = out["category"]
    out["category"] = [cb.canonical_category(str(v), str(c), str(b)) if isinstance(c, str) else c
                       for v, c, b in zip(out["variable"], out["category"], out["breakdown"], strict=True)]
    return out
