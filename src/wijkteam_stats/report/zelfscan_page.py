"""The zelfscan page of the site (``outputs/site/zelfscan.html``): a form that a municipality or its adviesraad
fills in in the browser, from the same data as ``wijkteam assess``.

The page is plain HTML from ``templates/zelfscan/page.html.j2`` with one small vanilla script
(``templates/zelfscan/zelfscan.js``) and the form's data embedded as JSON: Part A from the codebook
(:mod:`wijkteam_stats.reference.zelfscan_form`), the answer-file layout, Part B and the gespreksagenda rules
(:mod:`wijkteam_stats.reference.handreiking`), the published figures of the wave and the register's
municipalities. No framework, no CDN, no network request, no cookies, no storage: answers leave the page only
as the files the user downloads (the answers CSV in the survey-export format and a provenance JSON), and a
downloaded CSV can be loaded back. ``zelfscan.html#gemeente=GM0363`` opens it pre-set to a municipality.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.handreiking import describe_nl, load_handreiking
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.reference.writers import atomic_write_text
from wijkteam_stats.reference.zelfscan_form import (
    NOTE_SUFFIX,
    PART_B_PREFIX,
    WEET_NIET,
    columns,
    default_wave,
    questionnaire,
)
from wijkteam_stats.report.render import render
from wijkteam_stats.report.zelfscan import published_index

PAGE = "zelfscan.html"


def _key(column: str, equals: Any) -> str:
    return f"{column}|{json.dumps(equals) if isinstance(equals, bool) else equals}"


def page_data(wave: int) -> dict[str, Any]:
    """Everything the page's script needs (JSON-serialisable, deterministic)."""
    h = load_handreiking()
    reg = register(load_codebook().register_year(wave)).sort_values("name", kind="stable")
    published = {}
    for (col, equals), rows in sorted(published_index(wave).items(), key=lambda kv: _key(*kv[0])):
        nat = next((r for r in rows if r["breakdown"] not in ("G32", "non-G32", "G4", "size", "rank")), None)
        if nat is not None:
            published[_key(col, equals)] = {k: nat[k] for k in ("finding_id", "value", "statistic", "ci_low",
                                                                 "ci_high", "base", "publication")}
    return {
        "wave": int(wave),
        "municipalities": [[str(c), str(n)] for c, n in zip(reg["gm_code"], reg["name"], strict=True)],
        "questions": [asdict(q) for q in questionnaire(wave)],
        "columns": columns(wave),
        "weet_niet": WEET_NIET,
        "part_b_prefix": PART_B_PREFIX,
        "note_suffix": NOTE_SUFFIX,
        "answers": h.answers,
        "sections": [{"code": s["code"], "label": s["label"], "section": s["section"], "quote": s["quote"],
                      "items": [{"code": it["code"], "label": it.get("label"), "text": it["text"]}
                                for it in s["items"]]} for s in h.sections()],
        "rules": [{"id": r["id"], "when": r["when"], "point": r["point"], "rule": describe_nl(r["when"], h),
                   "quote": h.quote_of(r["cites"])["quote"]} for r in h.rules],
        "published": published,
    }


def build_zelfscan_page(site_dir: str | Path, wave: int | None = None) -> Path:
    """Write ``<site_dir>/zelfscan.html`` for ``wave`` (default: the latest wave with the involvement grid)."""
    wave = int(wave) if wave is not None else default_wave()
    data = page_data(wave)
    html = render("zelfscan/page.html.j2", data=data, wave=wave, title=f"Zelfscan sociale (wijk)teams ({wave})",
                  handreiking=load_handreiking().source)
    path = Path(site_dir) / PAGE
    if not path.is_file() or path.read_text(encoding="utf-8") != html:
        atomic_write_text(path, html)
    return path
