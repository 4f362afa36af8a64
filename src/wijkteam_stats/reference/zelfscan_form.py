"""Part A of the zelfscan: the Movisie questionnaire of one wave, generated from the codebook, and the column
layout of a zelfscan answers file (the survey-export format that ``wijkteam clean`` reads).

Nothing here is hand-written per question: the questions, their answer options and their order come from
``data/raw/codebook_movisie.yaml`` (:func:`questionnaire`); the routing comes from the universes over which
Movisie published each question's figures (a question published over "respondents that work with teams" is
asked only when the municipality works with teams; an "Anders, namelijk" text only after "Anders"). The default
wave is the latest wave whose codebook has the involvement grid (:func:`default_wave`). Every question except
the routing question itself may be answered "weet niet" (written as the label ``Weet niet``, which the cleaner
reads as missing) -- an assumption of this project: the questionnaire is not public.

:func:`columns` is the one layout of an answers file, used by the answers writer, the XLSX template and the
page's JavaScript (through JSON): the fixed columns of a survey export, Part A in the export's header style
(``N. question``, ``N. question - option``, ``group - form``), then the Part B columns (``Deel B: <code>``,
which the cleaner leaves aside and :mod:`wijkteam_stats.report.zelfscan` reads) and who filled it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from wijkteam_stats.reference.codebook import Codebook, load_codebook
from wijkteam_stats.reference.handreiking import load_handreiking
from wijkteam_stats.reference.published import load_published

WEET_NIET = "Weet niet"
YES, NO = "Ja", "Nee"
PART_B_PREFIX = "Deel B: "
NOTE_SUFFIX = " (toelichting)"
WHO_HEADER = "Zelfscan: ingevuld door"
ROLE_HEADER = "Zelfscan: functie"
FIXED = (("status", "Status van de respons"), ("ingevuld_op", "Datum en tijd van invullen"),
         ("gm_code", "CBS gemeentecode"), ("wave", "Meting"))


@dataclass(frozen=True)
class Question:
    """One question of Part A, as the form shows it."""

    name: str
    type: str  # single, yesno, count, multi, grid, text
    number: str
    question: str
    options: list[dict[str, str]] = field(default_factory=list)  # code, label (groups for a grid)
    forms: list[dict[str, str]] = field(default_factory=list)  # grid only
    exclusive: str | None = None  # grid: the form that excludes the others
    show_if: dict[str, Any] | None = None  # {"column": ..., "equals": [...]}: routing
    weet_niet: bool = True
    required: bool = True
    min: float | None = None
    max: float | None = None

    @property
    def header(self) -> str:
        """The export header of the question (``N. question``)."""
        return f"{self.number} {self.question}"


def waves_with_grid(cb: Codebook | None = None) -> list[int]:
    """Waves whose questionnaire had the involvement grid."""
    cb = cb or load_codebook()
    return sorted(w for w in cb.waves if any(v.type == "grid" for v in cb.for_wave(w).variables))


def default_wave(cb: Codebook | None = None) -> int:
    """The latest wave with the involvement grid (computed from the codebook)."""
    waves = waves_with_grid(cb)
    if not waves:
        raise ValueError("no wave of the codebook has the involvement grid")
    return waves[-1]


def _universes_by_variable(cb: Codebook, wave: int) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    try:
        pub = load_published(wave=wave)
    except Exception:  # noqa: BLE001 - a wave without published figures: no routing beyond 'Anders'
        return out
    for r in pub.itertuples(index=False):
        try:
            ind = cb.indicator(str(r.variable), str(r.category), str(r.breakdown))
        except KeyError:
            continue
        out.setdefault(ind.variable, set()).add(str(r.universe))
    return out


def _routing(name: str, universes: set[str], cb: Codebook) -> dict[str, Any] | None:
    if name.endswith("_anders"):
        return {"column": name[: -len("_anders")], "equals": ["anders"]}
    narrow = [u for u in sorted(universes) if u not in ("respondents", "invited")]
    if not narrow:
        return None
    if len(narrow) > 1:  # the narrowest universe: one that is defined on another question's answer
        narrow = [u for u in narrow if u != "with_teams"] or narrow
    spec = cb.universes[narrow[0]]
    equals = spec["equals"] if isinstance(spec["equals"], list) else [spec["equals"]]
    return {"column": spec["column"], "equals": equals, "universe": narrow[0]}


@lru_cache(maxsize=8)
def questionnaire(wave: int | None = None) -> tuple[Question, ...]:
    """Part A of ``wave`` (default :func:`default_wave`) in the order of the codebook."""
    cb_all = load_codebook()
    wave = int(wave) if wave is not None else default_wave(cb_all)
    cb = cb_all.for_wave(wave)
    universes = _universes_by_variable(cb, wave)
    out, n = [], 0
    routing_question = next((v.name for v in cb.variables if v.role == "substantive"), None)
    for v in cb.variables:
        if v.role != "substantive":
            continue
        if v.name.endswith("_anders") and n:
            number = f"{n}a."
        else:
            n += 1
            number = f"{n}."
        opts = [{"code": o.code, "label": o.label} for o in (v.groups if v.type == "grid" else v.options)]
        out.append(Question(
            name=v.name, type=v.type, number=number, question=v.question, options=opts,
            forms=[{"code": f.code, "label": f.label} for f in v.forms], exclusive=v.exclusive,
            show_if=_routing(v.name, universes.get(v.name, set()), cb),
            weet_niet=v.name != routing_question and v.type != "text",
            required=v.name == routing_question, min=v.min, max=v.max))
    return tuple(out)


def columns(wave: int | None = None) -> list[dict[str, Any]]:
    """The columns of a zelfscan answers file: header, what it holds and the values a cell may take."""
    qs = questionnaire(wave)
    h = load_handreiking()
    cols: list[dict[str, Any]] = [{"header": head, "kind": "meta", "name": name} for name, head in FIXED]
    tick = [YES, NO, WEET_NIET]
    for q in qs:
        if q.type in ("single", "yesno"):
            values = [YES, NO] if q.type == "yesno" else [o["label"] for o in q.options]
            cols.append({"header": q.header, "kind": q.type, "name": q.name,
                         "values": values + ([WEET_NIET] if q.weet_niet else [])})
        elif q.type in ("count", "text"):
            cols.append({"header": q.header, "kind": q.type, "name": q.name, "min": q.min, "max": q.max})
        elif q.type == "multi":
            for o in q.options:
                cols.append({"header": f"{q.header} - {o['label']}", "kind": "tick", "name": q.name,
                             "option": o["code"], "values": tick})
        elif q.type == "grid":
            for g in q.options:
                for f in q.forms:
                    cols.append({"header": f"{g['label']} - {f['label']}", "kind": "tick", "name": q.name,
                                 "group": g["code"], "option": f["code"], "values": tick})
    labels = [a["label"] for a in h.answers]
    for it in h.items():
        cols.append({"header": PART_B_PREFIX + it["code"], "kind": "part_b", "name": it["code"], "values": labels})
        cols.append({"header": PART_B_PREFIX + it["code"] + NOTE_SUFFIX, "kind": "part_b_note", "name": it["code"]})
    cols.append({"header": WHO_HEADER, "kind": "who", "name": "who", "values": ["gemeente", "adviesraad"]})
    cols.append({"header": ROLE_HEADER, "kind": "role", "name": "role"})
    return cols

