"""Figure style and export: one colour-blind-safe style, Dutch number formatting, PNG (≥ 200 dpi) + SVG.

Captions are drawn on the figure (:func:`add_caption`, read back with :func:`figure_caption`) so that a PNG
carries its caption; the n a caption states comes from the data actually plotted (:func:`set_plotted_base`).
Colours named in captions come from :func:`colour_name` (the palette's Dutch names). :func:`save_figure`
checks every exported figure with :mod:`wijkteam_stats.reference.figure_checks` (overlapping or clipped
text, squashed plots, caption n, caption colours) and warns (:class:`FigureDefectWarning`) on a defect.
"""

from __future__ import annotations

import io
import re
import textwrap
import warnings
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from wijkteam_stats.reference import paths  # noqa: E402
from wijkteam_stats.reference.figure_checks import META_ATTR, colour_name, find_defects  # noqa: E402
from wijkteam_stats.reference.writers import atomic_write_bytes  # noqa: E402

#: Colour-blind-safe palette (Okabe-Ito), used for every categorical figure.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DPI = 200
SYNTHETIC_NOTE = "SYNTHETISCHE reconstructie, geen Movisie-data"
CAPTION_GID = "wijkteam-caption"
#: Characters per caption line at the default width (8.5 pt on an 8.5 in wide figure).
CAPTION_WRAP = 115
NBSP_N_RE = re.compile(r"n = \d+(?:–\d+)? gemeenten")


class FigureDefectWarning(UserWarning):
    """An exported figure has a layout or caption defect (overlapping or clipped text, wrong caption n ...)."""


def setup_style() -> None:
    """Apply the project's plot style (idempotent; call at the top of every notebook and report)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font="DejaVu Sans")
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": DPI, "savefig.bbox": "tight", "figure.autolayout": False,
        "axes.titleweight": "bold", "axes.titlesize": 12, "axes.labelsize": 10, "legend.fontsize": 9,
        "svg.hashsalt": "wijkteam-stats", "svg.fonttype": "path", "axes.formatter.use_locale": False,
    })


def percent_nl(x: float, decimals: int = 0) -> str:
    """A percentage in Dutch notation: ``84 %`` or ``83,5 %``."""
    s = f"{x:.{decimals}f}".replace(".", ",")
    return f"{s} %"


def n_text(n: int | Iterable[int]) -> str:
    """``n = 204`` for one base, ``n = 176–191`` for the range of several bases."""
    ns = sorted({int(n)} if isinstance(n, int | np.integer) else {int(v) for v in n})
    if not ns:
        raise ValueError("no plotted base")
    return f"n = {ns[0]}" if ns[0] == ns[-1] else f"n = {ns[0]}–{ns[-1]}"


def caption(text: str, n: int | Iterable[int] | None = None, method: str | None = None,
            synthetic: bool = False) -> str:
    """A Dutch figure caption with n (one base or the range of several), the interval method and, when
    applicable, the synthetic-data notice."""
    parts = [text.rstrip(".") + "."]
    if n is not None:
        parts.append(f"{n_text(n)} gemeenten.")
    if method:
        parts.append(f"Intervallen: {method}.")
    if synthetic:
        parts.append(f"Bron: {SYNTHETIC_NOTE}.")
    return " ".join(parts)


def _meta(fig: plt.Figure) -> dict:
    if not hasattr(fig, META_ATTR):
        setattr(fig, META_ATTR, {})
    return getattr(fig, META_ATTR)


def set_plotted_base(fig: plt.Figure, n: int | Iterable[int]) -> None:
    """Record the base(s) of what ``fig`` plots (one n, or one per plotted group); captions state it."""
    _meta(fig)["base"] = [int(n)] if isinstance(n, int | np.integer) else [int(v) for v in n]


def plotted_base(fig: plt.Figure) -> list[int] | None:
    """The base(s) recorded with :func:`set_plotted_base`, or None."""
    return getattr(fig, META_ATTR, {}).get("base")


def add_caption(fig: plt.Figure, text: str, method: str | None = None, synthetic: bool = False,
                with_n: bool = True, wrap: int = CAPTION_WRAP, y: float = 0.0) -> plt.Figure:
    """Draw the Dutch caption below the plot (so PNG and SVG carry it). Its n is the recorded plotted base
    (:func:`set_plotted_base`) when ``with_n``; returns ``fig``."""
    base = plotted_base(fig) if with_n else None
    full = caption(text, n=base, method=method, synthetic=synthetic)
    _meta(fig)["caption"] = full
    # never break inside "n = 176–191 gemeenten" or before a per-cent sign
    keep = NBSP_N_RE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), full).replace(" %", "\u00a0%")
    wrapped = textwrap.fill(keep, wrap, break_on_hyphens=False).replace("\u00a0", " ")
    fig.text(0.01, y, wrapped, ha="left", va="top", fontsize=8.5,
             gid=CAPTION_GID, color="#333333")
    return fig


def figure_caption(fig: plt.Figure) -> str:
    """The caption drawn on a figure by :func:`add_caption` (unwrapped), or "" when there is none."""
    for t in fig.texts:
        if t.get_gid() == CAPTION_GID:
            return " ".join(t.get_text().split())
    return ""


def save_figure(fig: plt.Figure, name: str, output_dir: str | Path | None = None,
                formats: tuple[str, ...] = ("png", "svg"), check: bool = True) -> list[Path]:
    """Save ``fig`` as ``<output_dir>/<name>.png`` (200 dpi) and ``.svg`` (deterministic); returns the paths.

    With ``check`` the saved layout is checked (:func:`wijkteam_stats.reference.figure_checks.find_defects`)
    and every defect is reported as a :class:`FigureDefectWarning`.
    """
    folder = paths.ensure_dir(Path(output_dir) if output_dir else paths.FIGURES)
    out = []
    for fmt in formats:
        path = folder / f"{name}.{fmt}"
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)
        out.append(atomic_write_bytes(path, buf.getvalue()))  # never half a figure after an interruption
    if check:
        tight = plt.rcParams["savefig.bbox"] == "tight"
        for defect in find_defects(fig, bbox_inches="tight" if tight else None):
            warnings.warn(f"{name}: {defect}", FigureDefectWarning, stacklevel=2)
    return out


__all__ = [
    "CAPTION_GID", "DPI", "PALETTE", "SYNTHETIC_NOTE", "FigureDefectWarning", "add_caption", "caption",
    "colour_name", "figure_caption", "n_text", "percent_nl", "plotted_base", "save_figure", "set_plotted_base",
    "setup_style",
]
