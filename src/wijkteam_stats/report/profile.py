"""The municipality report's pages: HTML sections rendered from ``templates/report/`` and its figures.

The report notebook (``notebooks/03_municipality_profile.ipynb``) is a thin sequence of "compute, show": it
calls :func:`wijkteam_stats.report.numbers.build_numbers`, writes the dict to ``<output_dir>/data/<GMxxxx>.json``,
reads it back and shows the sections below, each rendered from that dict only through the shared Jinja2
environment (:mod:`.render`: autoescaping, Dutch number filters). On synthetic data the dict holds no answer of
the municipality itself, so no section can show one.
"""

from __future__ import annotations

import base64
import io
import random
import textwrap
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from markupsafe import Markup
from PIL import Image

from wijkteam_stats.reference.figures import PALETTE, caption, colour_name, set_plotted_base, setup_style
from wijkteam_stats.reference.waves import REPORT_SEED as SEED
from wijkteam_stats.report.attributions import report_attributions
from wijkteam_stats.report.figure_cache import cached_render
from wijkteam_stats.report.maps import HIGHLIGHT_COLOUR, PEER_COLOUR, municipality_map, municipality_map_svg
from wijkteam_stats.report.numbers import build_numbers, read_numbers, write_numbers
from wijkteam_stats.report.render import nl_date, render

__all__ = ["build_numbers", "read_numbers", "write_numbers", "prepare_session", "title_text", "header_html",
           "facts_html", "map_html", "participation_html", "reading_guide_html", "comparison_html",
           "free_text_html", "figure_html", "expected_html", "local_html", "footer_html", "small_png", "comparison_figure",
           "figure_caption_text", "plotted_bases", "municipality_map", "map_caption_text"]

#: Dutch title of each comparison section (table captions).
SECTION_TITLES = {"teams": "Sociale (wijk)teams", "composition": "Samenstelling van de teams",
                  "involvement": "Betrokkenheid per groep"}


def prepare_session() -> None:
    """Per-report setup: the project plot style and fixed seeds (call in the notebook's setup cell)."""
    setup_style()
    random.seed(SEED)
    np.random.seed(SEED)


def title_text(numbers: dict[str, Any]) -> str:
    """The plain-text report title (not escaped; for the HTML <title>, which the exporter escapes)."""
    return f"Gemeenteprofiel {numbers['facts']['name']}: sociale (wijk)teams {numbers['wave']}"


def _own_count_text(numbers: dict[str, Any]) -> str:
    """The municipality's own number of teams in words (real data only)."""
    if numbers.get("synthetic"):
        return ""
    if not numbers["participated"]:
        return "niet deelgenomen"
    a = numbers["answers"]
    if a["has_teams"] is None:
        return "niet beantwoord"
    if not a["with_teams"]:
        return "n.v.t. (geen teams)"
    return "niet beantwoord" if a["n_teams"] is None else str(a["n_teams"])


# =========================================================================== sections


def header_html(numbers: dict[str, Any]) -> str:
    """The synthetic-data banner (if so), the page's only H1 and a one-paragraph lead for a non-technical reader."""
    return render("report/header.html.j2", n=numbers)


def facts_html(numbers: dict[str, Any]) -> str:
    """The CBS facts table (name, province, population, size class, G4/G32, what it is today)."""
    return render("report/facts.html.j2", n=numbers)


def participation_html(numbers: dict[str, Any]) -> str:
    """The municipality's own answer about teams (real data), or why no answer is shown."""
    return render("report/participation.html.j2", n=numbers)


def reading_guide_html(numbers: dict[str, Any]) -> str:
    """How to read the percentages, intervals and national figures, for a non-technical reader."""
    return render("report/reading_guide.html.j2", n=numbers)


def comparison_html(numbers: dict[str, Any], section: str) -> str:
    """A comparison table: own answer (real data only), size-class peers and the Netherlands."""
    return render("report/comparison.html.j2", n=numbers, section=section, rows=numbers["comparisons"][section],
                  caption=SECTION_TITLES[section], own_count=_own_count_text(numbers))


def free_text_html(numbers: dict[str, Any]) -> str:
    """The municipality's free-text remark (real data only; never on synthetic data)."""
    return render("report/free_text.html.j2", n=numbers)


def expected_html(numbers: dict[str, Any]) -> str:
    """What the size model expects for one municipality of this size (prediction interval, national value
    where size makes no distinguishable difference, nothing outside the fitted size range)."""
    return render("report/expected.html.j2", n=numbers, own_count=_own_count_text(numbers))


def local_html(numbers: dict[str, Any]) -> str:
    """Real content about the municipality: published figures of its group and about it by name, local examples
    from the sources, the handreiking's questions for the municipality and the link to its zelfscan."""
    return render("report/local.html.j2", n=numbers)


def footer_html(numbers: dict[str, Any]) -> str:
    """Provenance footer: data version, code version, date, and the attributions of the sources the report shows."""
    return render("report/footer.html.j2", n=numbers, attributions=report_attributions(numbers))


# =========================================================================== figures


def small_png(fig: plt.Figure, dpi: int = 100, colors: int = 64) -> tuple[bytes, int, int]:
    """The figure as a small palette PNG (few colours, no metadata, deterministic) and its pixel size; closes it.
    A figure with the same content as one encoded before in this process is not drawn again (:mod:`.figure_cache`)."""
    return cached_render(fig, _small_png, dpi, colors)


def _small_png(fig: plt.Figure, dpi: int = 100, colors: int = 64) -> tuple[bytes, int, int]:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    pal = img.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)  # keeps small colours
    out = io.BytesIO()
    pal.save(out, format="PNG", optimize=True)
    return out.getvalue(), img.width, img.height


def _image(png: tuple[bytes, int, int], alt: str, caption_text: str) -> str:
    data, width, height = png
    return render("report/figure.html.j2", data=base64.b64encode(data).decode("ascii"), alt=alt,
                  caption=caption_text, width=width, height=height)


def map_png(numbers: dict[str, Any]) -> tuple[bytes, int, int]:
    """The map of the Netherlands with the municipality highlighted and its peers shaded."""
    year = int(numbers["facts"]["reference_date"][:4])
    fig = municipality_map(numbers["gm_code"], numbers["peers"]["codes"], year)
    return small_png(fig, dpi=90)


def map_caption_text(numbers: dict[str, Any]) -> str:
    """Caption of the map; the colours are named from the colours the map draws with."""
    f = numbers["facts"]
    return (f"Kaart: {f['name']} ({colour_name(HIGHLIGHT_COLOUR)}) en de {numbers['peers']['n_municipalities']} "
            f"andere gemeenten met {f['size_class']} inwoners ({colour_name(PEER_COLOUR)}), gemeentegrenzen van "
            f"{nl_date(f['reference_date'])}. Bron: CBS/PDOK.")


def map_html(numbers: dict[str, Any]) -> str:
    """The map with its alternative text and caption."""
    f = numbers["facts"]
    alt = (f"Kaart van Nederland waarop {f['name']} is gemarkeerd en de gemeenten met {f['size_class']} "
           "inwoners zijn ingekleurd")
    # a small inline SVG (a few kB, sharp at any size) drawn from the cached simplified boundaries
    svg = municipality_map_svg(numbers["gm_code"], numbers["peers"]["codes"],
                               int(f["reference_date"][:4]), alt)
    return render("report/map_figure.html.j2", svg=Markup(svg), caption=map_caption_text(numbers))


def plotted_bases(numbers: dict[str, Any], section: str) -> list[int]:
    """The n of every computed estimate the comparison figure of ``section`` plots (its caption's base): the
    national estimates on real data; on synthetic data the peers' (the national points are published figures)."""
    key = "peers" if numbers.get("synthetic") else "national"
    return [int(r[key]["n"]) for r in numbers["comparisons"][section]
            if r[key] is not None and r[key].get("n") is not None]


def comparison_figure(numbers: dict[str, Any], section: str, title: str) -> plt.Figure:
    """Dot-and-interval figure of a section: peers and the Netherlands per row (own answer as text on real
    data only; on synthetic data the national points are the published figures, without interval). The
    section's heading is on the page, not in the figure; the plotted base is recorded for the caption."""
    rows = numbers["comparisons"][section]
    synthetic = bool(numbers.get("synthetic"))
    labels = [textwrap.fill(r["label"].split(" (")[0], 18, break_on_hyphens=False, break_long_words=False)
              for r in rows]
    lines = max([lab.count("\n") + 1 for lab in labels] or [1])
    # narrow and large type: on a 390 px phone the figure shrinks by ~0.7 and its labels stay legible
    width = 5.4 if synthetic else 7.0
    fig, ax = plt.subplots(figsize=(width, (0.42 + 0.16 * (lines - 1)) * len(rows) + 1.9), layout="constrained")
    ax.tick_params(labelsize=11)
    y = np.arange(len(rows))[::-1]
    peers_name = "gemeenten van dezelfde grootte" + (" (SYNTHETISCH voorbeeld)" if synthetic else "")
    national_name = "Nederland (gepubliceerd)" if synthetic else "Nederland"
    for offset, key, colour, name in ((0.15, "peers", PALETTE[0], peers_name),
                                      (-0.15, "national", "#555555", national_name)):
        xs, lo, hi, ys = [], [], [], []
        for yi, r in zip(y, rows, strict=True):
            est = r[key]
            if est is None or est.get("percent") is None:
                continue
            xs.append(est["percent"])
            lo.append(est["percent"] - est.get("ci_low", est["percent"]))
            hi.append(est.get("ci_high", est["percent"]) - est["percent"])
            ys.append(yi + offset)
        marker = "D" if key == "national" and synthetic else "o"
        ax.errorbar(xs, ys, xerr=[lo, hi], fmt=marker, color=colour, ecolor=colour, elinewidth=1.2, capsize=2,
                    markersize=5, label=name)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% van de gemeenten" + ("" if synthetic else " (met 95 %-interval)"), fontsize=11)
    if not synthetic:
        own_name = numbers["facts"]["name"]
        short = own_name if len(own_name) <= 22 else own_name[:21] + "…"
        header = short if numbers["participated"] else f"{short}\n(niet deelgenomen)"
        ax.text(1.02, 1.01, header, transform=ax.transAxes, fontsize=8, fontweight="bold", va="bottom", ha="left")
        if numbers["participated"]:
            for yi, r in zip(y, rows, strict=True):
                own = textwrap.fill(r["own"].split(":")[0].split(" (")[0], 18)
                ax.text(1.02, yi, own, transform=ax.get_yaxis_transform(), fontsize=8, va="center", ha="left")
    fig.legend(loc="outside lower center", ncol=1, frameon=False, fontsize=10)
    set_plotted_base(fig, plotted_bases(numbers, section))
    return fig


def comparison_png(numbers: dict[str, Any], section: str, title: str) -> tuple[bytes, int, int]:
    """The comparison figure of a section as a small PNG and its pixel size."""
    return small_png(comparison_figure(numbers, section, title))


def figure_caption_text(numbers: dict[str, Any], title: str, section: str) -> str:
    """Caption of the comparison figure of ``section``: its n is the base of the computed estimates it plots."""
    bases = plotted_bases(numbers, section)
    size = f"gemeenten met {numbers['facts']['size_class']} inwoners"
    if numbers.get("synthetic"):
        group = numbers["peers"]["n_municipalities"]
        return caption(f"{title}: de {group} {size}, berekend uit de SYNTHETISCHE reconstructie (een voorbeeld, "
                       "geen echte cijfers; hoeveel van hen meededen staat er niet bij, want ook dat is verzonnen), "
                       "en de landelijke cijfers zoals Movisie ze publiceerde (ruit; geen ruit: niet gepubliceerd)",
                       n=bases or None, method="Wilson 95 %")
    return caption(f"{title}: {size} en heel Nederland (n: gemeenten in Nederland met een antwoord op de vraag)",
                   n=bases or None, method="Wilson 95 %-interval")


def figure_html(numbers: dict[str, Any], section: str, title: str) -> str:
    """A comparison figure with alternative text and caption (the numbers are in the table below it)."""
    synthetic = bool(numbers.get("synthetic"))
    alt = (f"{title}: percentages van gemeenten van dezelfde grootte en van heel Nederland"
           + (" (gepubliceerde cijfers)" if synthetic else " met 95 %-intervallen")
           + "; de cijfers staan in de tabel onder de figuur")
    return _image(comparison_png(numbers, section, title), alt, figure_caption_text(numbers, title, section))
