"""Figure style and export: one colour-blind-safe style, Dutch number formatting, PNG (≥ 200 dpi) + SVG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from wijkteam_stats.reference import paths  # noqa: E402

#: Colour-blind-safe palette (Okabe-Ito), used for every categorical figure.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DPI = 200
SYNTHETIC_NOTE = "SYNTHETISCHE reconstructie, geen Movisie-data"


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


def caption(text: str, n: int | None = None, method: str | None = None, synthetic: bool = False) -> str:
    """A Dutch figure caption with n, the interval method and, when applicable, the synthetic-data notice."""
    parts = [text.rstrip(".") + "."]
    if n is not None:
        parts.append(f"n = {n} gemeenten.")
    if method:
        parts.append(f"Intervallen: {method}.")
    if synthetic:
        parts.append(f"Bron: {SYNTHETIC_NOTE}.")
    return " ".join(parts)


def save_figure(fig: plt.Figure, name: str, output_dir: str | Path | None = None,
                formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``<output_dir>/<name>.png`` (200 dpi) and ``.svg`` (deterministic); returns the paths."""
    folder = paths.ensure_dir(Path(output_dir) if output_dir else paths.FIGURES)
    out = []
    for fmt in formats:
        path = folder / f"{name}.{fmt}"
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(path, format=fmt, dpi=DPI, metadata=meta)
        out.append(path)
    return out
