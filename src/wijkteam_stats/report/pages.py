"""Opening sections of the national pages (reproduction, models, trends), rendered from the wave settings.

The notebooks ``01``, ``02`` and ``04`` show this section first: the page's only H1 naming the wave(s) and
publication(s), a Dutch lead without code or file names, the sources of every wave and a link to the full
researcher's notebook. Texts follow the waves present (any number), never a fixed list.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt

from wijkteam_stats.clean.log import ACTIONS_NL
from wijkteam_stats.reference.figures import figure_caption
from wijkteam_stats.reference.waves import settings
from wijkteam_stats.report.render import render
from wijkteam_stats.reproduce.figures import display_png

if TYPE_CHECKING:
    import pandas as pd

#: Notebook of each page kind (the full researcher's version, linked as "notebook").
NOTEBOOKS = {"reproduction": "01_reproduce_movisie.ipynb", "models": "02_involvement_vs_size.ipynb",
             "trends": "04_trends_across_waves.ipynb"}
#: From a page in ``outputs/html`` or ``outputs/site`` to the repository root.
TO_ROOT = "../.."


def publication(wave: int) -> dict[str, Any]:
    """The wave's publication: full reference, short title (the sentence after the year), year, fieldwork.
    A wave without settings in ``waves.yaml`` (only a published-figures file) is named by its year."""
    try:
        s = settings(int(wave))
    except KeyError:
        return {"wave": int(wave), "reference": f"Movisie, peiling {int(wave)} (gepubliceerde cijfers).",
                "title": f"peiling {int(wave)}", "year": None, "fieldwork": "onbekend",
                "fieldwork_start": None, "fieldwork_end": None}
    m = re.search(r"\((\d{4})\)\.\s*(.+?)\.\s", s.report)
    return {"wave": int(wave), "reference": s.report, "title": m.group(2) if m else s.report,
            "year": int(m.group(1)) if m else None, "fieldwork": s.fieldwork_label,
            "fieldwork_start": s.fieldwork_start.isoformat(), "fieldwork_end": s.fieldwork_end.isoformat()}


def intro_html(kind: str, waves: list[int], synthetic: bool) -> str:
    """The opening section of a national page of ``kind`` ('reproduction', 'models', 'trends')."""
    if kind not in NOTEBOOKS:
        raise ValueError(f"unknown page kind {kind!r}; expected one of {sorted(NOTEBOOKS)}")
    pubs = [publication(w) for w in sorted({int(w) for w in waves})]
    if not pubs:
        raise ValueError("a national page needs at least one wave")
    return render("pages/intro.html.j2", kind=kind, pubs=pubs, pub=pubs[-1], synthetic=bool(synthetic),
                  notebook=f"{TO_ROOT}/notebooks/{NOTEBOOKS[kind]}",
                  sources=f"{TO_ROOT}/data/raw/published/movisie_{{wave}}.csv")


def cleaning_html(log: pd.DataFrame, file_name: str) -> str:
    """What the cleaning did with the rows of ``file_name``, in Dutch: rows read and a table of what happened
    to them (every action, zeros included; the cleaning log CSV keeps the codes)."""
    counts = log["action"].astype("string").value_counts()
    unknown = sorted(set(counts.index) - set(ACTIONS_NL))
    if unknown:
        raise ValueError(f"cleaning log of {file_name}: unknown action(s) {unknown}; expected {sorted(ACTIONS_NL)}")
    rows = [{"action": nl, "n": int(counts.get(code, 0))} for code, nl in ACTIONS_NL.items()]
    return render("pages/cleaning.html.j2", file_name=file_name, n_rows=int(len(log)), rows=rows)


def img_html(fig: plt.Figure, png: str | Path, width: int = 860) -> str:
    """An ``<img>`` of the figure (a small embedded PNG; ``png`` is the saved 200 dpi export) with the figure's
    caption as alternative text, from the template ``pages/figure_img.html.j2``; closes the figure."""
    data = base64.b64encode(display_png(fig)).decode("ascii")
    alt = figure_caption(fig) or "figuur"
    plt.close(fig)
    return render("pages/figure_img.html.j2", data=data, alt=alt, width=int(width), export=Path(png).name)
