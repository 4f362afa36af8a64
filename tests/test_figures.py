"""Figure export: PNG at 200 dpi and deterministic SVG; Dutch captions."""

from __future__ import annotations

import hashlib

import matplotlib.pyplot as plt
from PIL import Image

from wijkteam_stats.reference.figures import DPI, caption, percent_nl, save_figure, setup_style


def test_save_figure_png_dpi_and_deterministic_svg(tmp_path):
    setup_style()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["a", "b"], [1, 2])
    png, svg = save_figure(fig, "test", tmp_path)
    with Image.open(png) as im:
        assert round(im.info["dpi"][0]) == DPI >= 200
    first = hashlib.sha256(svg.read_bytes()).hexdigest()
    save_figure(fig, "test", tmp_path)
    assert hashlib.sha256(svg.read_bytes()).hexdigest() == first
    plt.close(fig)


def test_caption_and_percent():
    assert percent_nl(83.456, 1) == "83,5 %"
    c = caption("Betrokkenheid per groep", n=189, method="Wilson 95 %-interval", synthetic=True)
    assert c == ("Betrokkenheid per groep. n = 189 gemeenten. Intervallen: Wilson 95 %-interval. "
                 "Bron: SYNTHETISCHE reconstructie, geen Movisie-data.")
