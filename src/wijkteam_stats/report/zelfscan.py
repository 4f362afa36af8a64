"""The zelfscan report: one municipality's own answers beside the published figures of the wave.

In: the municipality's answer file(s) (:mod:`.zelfscan_answers`, read through the cleaner), their provenance
record, the published figures of the wave, the handreiking items (Part B, gespreksagenda rules) and the CBS
register. Out: a plain dict (:func:`build_zelfscan`) and one Dutch HTML page rendered from
``templates/zelfscan/report.html.j2`` (:func:`render_zelfscan`), printable on A4.

Trust: every national figure shown is a *published* one (finding id, source, link, Wilson interval from the
published base where that base is published) or "niet gepubliceerd"; nothing is computed from synthetic data.
The answers are the municipality's own; the provenance line on every printed page says who filled them in.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.handreiking import gespreksagenda, load_handreiking
from wijkteam_stats.reference.provenance import self_reported_line_nl
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reference.zelfscan_form import Question, questionnaire
from wijkteam_stats.report.numbers import PUBLICATIONS_NL, municipality_facts
from wijkteam_stats.report.render import render, stylesheet
from wijkteam_stats.report.zelfscan_answers import WN, ZelfscanFile

#: Where a reader finds the publication behind a source key (the Movisie report is linked in the handreiking).
SOURCE_LINKS = {
    "lpggz_handreiking": "https://www.movisie.nl/sites/default/files/alfresco_files/Sociale-wijkteams-in-beeld%20"
                         "%5BMOV-9164168-1.1%5D.pdf",
    "news_2016-03-11": "https://www.movisie.nl/sites/default/files/alfresco_files/Sociale-wijkteams-in-beeld%20"
                       "%5BMOV-9164168-1.1%5D.pdf",
}
SPLITS = {"G32": "G32-gemeenten", "non-G32": "overige gemeenten (geen G32)", "G4": "G4"}
NOT_NATIONAL = {"G32", "non-G32", "G4", "size", "rank"}


def _wilson(percent: float, base: Any) -> tuple[float, float] | None:
    if base is None or pd.isna(base):
        return None
    n = int(base)
    k = round(float(percent) * n / 100)
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return round(100 * float(lo), 1), round(100 * float(hi), 1)


def published_index(wave: int) -> dict[tuple[str, Any], list[dict[str, Any]]]:
    """Published figures of ``wave`` keyed by (tidy column, value meaning yes): finding id, value, statistic,
    breakdown, base, Wilson interval (from the published base), publication and link (a fresh copy; computed
    once per version of the published file, as every report of a folder needs it twice)."""
    path = paths.published_file(int(wave))
    try:
        st = path.stat()
        version = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        version = (str(path), 0, 0)
    return copy.deepcopy(_published_index(int(wave), version))


@lru_cache(maxsize=4)
def _published_index(wave: int, version: tuple[str, int, int]) -> dict[tuple[str, Any], list[dict[str, Any]]]:
    cb = load_codebook()
    try:
        pub = load_published(wave=wave)
    except Exception:  # noqa: BLE001 - a wave without a published file: everything 'niet gepubliceerd'
        return {}
    pub = pub[(pub["wave"].astype(int) == int(wave)) & pub["value"].notna()]
    out: dict[tuple[str, Any], list[dict[str, Any]]] = {}
    for r in pub.itertuples(index=False):
        if r.statistic not in ("percent", "mean", "rank"):
            continue
        try:
            ind = cb.indicator(str(r.variable), str(r.category), str(r.breakdown))
        except KeyError:
            continue
        if str(r.breakdown).startswith("GM"):
            continue  # a figure about one named municipality is not a national figure
        equals = True if ind.equals is None else ind.equals
        base = None if pd.isna(r.base_n) else int(r.base_n)
        ci = _wilson(float(r.value), base) if r.statistic == "percent" else None
        out.setdefault((ind.column, equals), []).append({
            "finding_id": str(r.finding_id), "value": float(r.value), "statistic": str(r.statistic),
            "breakdown": str(r.breakdown), "split": SPLITS.get(str(r.breakdown)), "base": base,
            "ci_low": None if ci is None else ci[0], "ci_high": None if ci is None else ci[1],
            "qualifier": str(r.qualifier), "quote": str(r.quote),
            "publication": PUBLICATIONS_NL.get(str(r.source), f"Movisie, peiling {wave}"),
            "link": SOURCE_LINKS.get(str(r.source)),
        })
    return out


def _figures(index: dict, column: str, equals: Any, facts: dict[str, Any]) -> dict[str, Any]:
    rows = index.get((column, equals), [])
    national = next((r for r in rows if r["breakdown"] not in NOT_NATIONAL), None)
    # the handreiking's "overige middelgrote tot kleine gemeenten" are neither G32 nor G4
    applies = {"G32": facts["g32"], "non-G32": not facts["g32"] and not facts["g4"], "G4": facts["g4"]}
    splits = [r for r in rows if r["split"] and applies.get(r["breakdown"])]
    return {"national": national, "splits": splits}


def _shown(q: Question, a: dict[str, Any]) -> bool:
    """Whether the routing of the form asks ``q`` given the answers."""
    cond = q.show_if
    if cond is None:
        return True
    col = cond["column"]
    if "__" in col:  # a multi option: ticked?
        name, opt = col.split("__", 1)
        v = a.get(name)
        return isinstance(v, list) and opt in v and True in cond["equals"]
    v = a.get(col)
    return v is not None and v != WN and v in cond["equals"]


def _row(label: str, own: str, figs: dict[str, Any], chosen: bool | None = None) -> dict[str, Any]:
    return {"label": label, "own": own, "chosen": chosen, **figs}


def part_a(answers: dict[str, Any], wave: int, facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Per question of Part A: the own answer and, per option, the published figures."""
    index = published_index(wave)
    a = answers["a"]
    out = []
    for q in questionnaire(wave):
        shown = _shown(q, a)
        v = a.get(q.name)
        status = ("niet gevraagd (volgt uit een eerder antwoord)" if not shown else
                  "weet niet" if v == WN else "niet beantwoord" if v is None else None)
        rows: list[dict[str, Any]] = []
        own_text = status
        if q.type in ("single", "yesno"):
            opts = q.options if q.type == "single" else [{"code": True, "label": "Ja"}]
            labels = {o["code"]: o["label"] for o in opts}
            if status is None:
                own_text = labels.get(v, "Nee") if q.type == "single" else ("ja" if v else "nee")
            for o in opts:
                figs = _figures(index, q.name, o["code"], facts)
                chosen = None if status else (v == o["code"])
                rows.append(_row(o["label"], "gekozen" if chosen else ("–" if chosen is None else "niet gekozen"),
                                 figs, chosen))
        elif q.type == "multi":
            for o in q.options:
                chosen = None if status else (o["code"] in v)
                rows.append(_row(o["label"], status or ("ja" if chosen else "nee"),
                                 _figures(index, f"{q.name}__{o['code']}", True, facts), chosen))
            own_text = status or (", ".join(o["label"] for o in q.options if o["code"] in v) or "geen")
        elif q.type == "count":
            if status is None:
                own_text = str(v)
            rows.append(_row("Gemiddeld aantal per gemeente", own_text, _figures(index, q.name, True, facts)))
        elif q.type == "text":
            own_text = status if status and status != "niet beantwoord" else (v or "–")
        elif q.type == "grid":
            own_text = status
        published_any = any(r["national"] or r["splits"] for r in rows)
        out.append({"name": q.name, "number": q.number, "question": q.question, "type": q.type,
                    "own": own_text, "rows": rows if published_any or status is None else [], "shown": shown})
    return out


def involvement_grid(answers: dict[str, Any], wave: int) -> dict[str, Any] | None:
    """The grid as answered beside the published table (the handreiking's table), cell by cell."""
    q = next((q for q in questionnaire(wave) if q.type == "grid"), None)
    if q is None:
        return None
    index = published_index(wave)
    grid = answers["a"].get(q.name)
    shown = _shown(q, answers["a"])
    rows = []
    for g in q.options:
        own = None if not shown or grid is None or grid == WN else grid.get(g["code"])
        cells = []
        for f in q.forms:
            pub = (index.get((f"{q.name}__{g['code']}__{f['code']}", True)) or [None])[0]
            ticked = None if own is None or own == WN else f["code"] in own
            cells.append({"form": f["code"], "ticked": ticked, "published": pub})
        base = next((c["published"]["base"] for c in cells if c["published"]), None)
        rows.append({"group": g["label"], "cells": cells, "weet_niet": own == WN, "base": base,
                     "answered": own is not None})
    return {"forms": [f["label"] for f in q.forms], "rows": rows, "shown": shown}


def part_b(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Part B per role, criterion and example, with the handreiking's own examples where a gap is marked."""
    h = load_handreiking()
    labels = {x["code"]: x["label"] for x in h.answers}
    b, notes = answers.get("b", {}), answers.get("b_notes", {})
    out = []
    for s in h.sections():
        items = []
        for it in s["items"]:
            ans = b.get(it["code"])
            gap = ans in ("gebeurt_niet", "gedeeltelijk")
            examples = [e for e in h.local_examples if gap and (it["code"] in e["illustrates"]
                                                                   or s["code"] in e["illustrates"])]
            items.append({"code": it["code"], "text": it.get("label") and f"{it['label']}: {it['text']}" or it["text"],
                          "answer": labels.get(ans, "niet beantwoord"), "answer_code": ans or "",
                          "note": notes.get(it["code"]), "quote": it["quote"], "examples": examples})
        out.append({"code": s["code"], "label": s["label"], "section": s["section"], "quote": s["quote"],
                    "items": items})
    return out


def _tidy_view(answers: dict[str, Any], tidy: dict[str, Any]) -> dict[str, Any]:
    """Part A as tidy columns for the rules (only what was answered; 'weet niet' is missing)."""
    return {k: v for k, v in tidy.items() if v is not None}


def _same(x: Any, y: Any) -> bool:
    """Two answers are the same when their option codes are (the order of ticked options plays no part)."""
    def norm(v: Any) -> Any:
        return sorted(map(str, v)) if isinstance(v, list) else v
    return norm(x) == norm(y)


def _grid_text(row: dict[str, Any], forms: list[str]) -> str:
    if row["weet_niet"]:
        return "weet niet"
    if not row["answered"]:
        return "niet beantwoord"
    return ", ".join(f.split(" (")[0] for f, c in zip(forms, row["cells"], strict=True) if c["ticked"]) or "–"


def changes(before: ZelfscanFile, now: ZelfscanFile, wave: int) -> list[dict[str, str]]:
    """What differs between two answer files of the same municipality: Part A per question asked in both
    files' waves (the codebook links a question by its variable, an answer by its option code; each side is
    worded as in its own wave), the involvement grid per resident group, Part B per item."""
    out = []
    before_wave = int(before.answers.get("wave") or wave)
    none = {"g32": False, "g4": False}
    pa_before = {r["name"]: r for r in part_a(before.answers, before_wave, none)}
    for r in part_a(now.answers, wave, none):
        old = pa_before.get(r["name"])
        if r["type"] == "grid" or old is None:  # the grid below; a question of one wave: listed apart
            continue
        if (old["own"] != r["own"] if before_wave == wave else
                not _same(before.answers["a"].get(r["name"]), now.answers["a"].get(r["name"]))):
            out.append({"what": f"{r['number']} {r['question']}", "before": str(old["own"]), "now": str(r["own"])})
    grid_b, grid_n = involvement_grid(before.answers, before_wave), involvement_grid(now.answers, wave)
    if grid_b and grid_n:
        rows_b = {rb["group"]: rb for rb in grid_b["rows"]}
        for rn in grid_n["rows"]:
            rb = rows_b.get(rn["group"])
            if rb is not None and _grid_text(rb, grid_b["forms"]) != _grid_text(rn, grid_n["forms"]):
                out.append({"what": f"Betrokkenheid: {rn['group']}", "before": _grid_text(rb, grid_b["forms"]),
                            "now": _grid_text(rn, grid_n["forms"])})
    sec_b = {it["code"]: it["answer"] for s in part_b(before.answers) for it in s["items"]}
    for s in part_b(now.answers):
        for it in s["items"]:
            if sec_b.get(it["code"]) != it["answer"]:
                out.append({"what": f"{s['label']}: {it['text']}", "before": sec_b.get(it["code"], "–"),
                            "now": it["answer"]})
    return out


def only_in_one_wave(before_wave: int, wave: int) -> list[dict[str, Any]]:
    """The questions of Part A that only one of two waves asked (the codebook does not link them), so no
    change can be shown: ``{"wave", "what"}`` per question (without its number, which differs per wave), the
    earlier wave first."""
    if int(before_wave) == int(wave):
        return []
    qs_b = {q.name: q for q in questionnaire(before_wave)}
    qs_n = {q.name: q for q in questionnaire(wave)}
    out = [{"wave": int(before_wave), "what": q.question} for n, q in qs_b.items() if n not in qs_n]
    out += [{"wave": int(wave), "what": q.question} for n, q in qs_n.items() if n not in qs_b]
    return out


def build_zelfscan(files: list[ZelfscanFile], wave: int, record: dict[str, Any]) -> dict[str, Any]:
    """Everything the zelfscan report of one municipality shows (the newest file; an older one gives
    'Wat is veranderd'). ``record``: the provenance record of the newest file (self-reported)."""
    files = sorted(files, key=lambda f: (str(f.answers.get("filled_in") or ""), f.path.name))
    own_wave = [f for f in files if int(f.answers.get("wave") or wave) == int(wave)]
    now = own_wave[-1] if own_wave else files[-1]  # the report is of ``wave``; another wave's file is 'before'
    files = [f for f in files if f is not now] + [now]
    code = now.gm_code
    facts = municipality_facts(code, wave)
    own_record = {**record, **((record.get("per_municipality") or {}).get(code) or {})}
    line = self_reported_line_nl({**own_record, "kind": "self-reported"}) if own_record.get("kind") == \
        "self-reported" else None
    a = part_a(now.answers, wave, facts)
    return {
        "gm_code": code, "wave": int(wave), "facts": facts,
        "provenance": {"kind": record.get("kind"), "line": line or "herkomst: " + str(record.get("kind")),
                       "file": now.path.name},
        "part_a": a, "grid": involvement_grid(now.answers, wave), "part_b": part_b(now.answers),
        "agenda": gespreksagenda(now.answers.get("b", {}), _tidy_view(now.answers, now.tidy)),
        "changes": None if len(files) < 2 else {
            "before": files[-2].answers.get("filled_in"), "before_file": files[-2].path.name,
            "now": now.answers.get("filled_in"),
            "before_wave": int(files[-2].answers.get("wave") or wave),
            "only": only_in_one_wave(int(files[-2].answers.get("wave") or wave), wave),
            "rows": changes(files[-2], now, wave)},
        "handreiking": load_handreiking().source,
    }


def render_zelfscan(report: dict[str, Any], built: str) -> str:
    """The report as one Dutch HTML page (inline stylesheet; print CSS for A4)."""
    title = f"Zelfscan sociale (wijk)teams {report['facts']['name']} ({report['wave']})"
    return render("zelfscan/report.html.j2", r=report, n={"facts": report["facts"]}, title=title,
                  css=stylesheet(), built=built)


def report_name(code: str) -> str:
    """``zelfscan_<GMcode>.html``."""
    if not re.fullmatch(r"GM\d{4}", code):
        raise ValueError(f"not a municipality code: {code!r}")
    return f"zelfscan_{code}.html"
