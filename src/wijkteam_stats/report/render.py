"""The one way the project makes HTML: a shared Jinja2 environment (autoescaping) and Dutch number filters.

The municipality report (:mod:`.profile`) and the static site (:mod:`.site`) render their pages from the
templates under ``templates/`` through :func:`render`. The filters print numbers the Dutch way (decimal comma,
a full stop between thousands, ``< 0,001`` for small p-values) and never print ``nan``, ``None`` or ``<NA>``:
a missing value becomes an en dash. :func:`stylesheet` is the one stylesheet every page uses.
"""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"
MISSING = "–"
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december"]


def is_missing(value: Any) -> bool:
    """None, NaN, ``pd.NA``/``NaT`` or an empty string."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "nan", "none", "<na>")


def nl_num(value: Any, decimals: int = 1) -> str:
    """A number in Dutch notation: decimal comma, full stop between thousands (``1.234,5``); missing -> ``–``."""
    if is_missing(value):
        return MISSING
    x = float(value)
    if not math.isfinite(x):
        return MISSING
    text = f"{x:,.{int(decimals)}f}"
    if text.lstrip("-").strip("0,.") == "":  # -0,0 -> 0,0
        text = text.lstrip("-")
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def nl_int(value: Any) -> str:
    """An integer in Dutch notation (``872.757``); missing -> ``–``."""
    return nl_num(value, 0)


def nl_pct(value: Any, decimals: int = 0) -> str:
    """A percentage (0-100) in Dutch notation: ``84 %``, ``83,5 %``."""
    text = nl_num(value, decimals)
    return text if text == MISSING else f"{text} %"


def nl_interval(lo: Any, hi: Any, decimals: int = 0, unit: str = " %") -> str:
    """An interval as ``78–89 %`` (``unit=""`` for counts: ``2,1–4,0``)."""
    a, b = nl_num(lo, decimals), nl_num(hi, decimals)
    if MISSING in (a, b):
        return MISSING
    return f"{a}–{b}{unit}"


def nl_p(value: Any) -> str:
    """A p-value: ``< 0,001`` below one in a thousand, else three decimals (``0,042``)."""
    if is_missing(value):
        return MISSING
    x = float(value)
    if not math.isfinite(x):
        return MISSING
    return "< 0,001" if x < 0.001 else nl_num(x, 3)


def nl_date(value: Any) -> str:
    """A date in Dutch: ``1 januari 2021``."""
    if is_missing(value):
        return MISSING
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.day} {MONTHS_NL[d.month - 1]} {d.year}"


def _finalize(value: Any) -> Any:
    """What ``{{ x }}`` prints: missing values as an en dash, never ``None``/``nan``/``<NA>``."""
    return MISSING if is_missing(value) else value


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The shared Jinja2 environment (autoescape on for every template, strict about undefined names)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"],
                      default_for_string=True, default=True), undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True, finalize=_finalize)
    env.filters.update(nl_num=nl_num, nl_int=nl_int, nl_pct=nl_pct, nl_interval=nl_interval, nl_p=nl_p,
                       nl_date=nl_date)
    return env


def render(template: str, **context: Any) -> str:
    """Render ``template`` (a path under ``templates/``, e.g. ``site/index.html.j2``) with autoescaping."""
    return environment().get_template(template).render(**context)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The project's one stylesheet (``templates/wijkteam.css``): site pages, reports and print."""
    return (TEMPLATES / "wijkteam.css").read_text(encoding="utf-8")
