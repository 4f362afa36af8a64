"""Defect checks for exported figures, measured with matplotlib's own renderer.

:func:`find_defects` lays a figure out the way it will be saved and reports, as :class:`FigureDefect` records:

- ``overlap``: two visible text elements (tick labels, titles, axis labels, legend entries, annotations,
  captions) whose boxes intersect; rotated text is compared as the rotated rectangle it occupies;
- ``clipped``: a text that sticks out of the saved canvas (the figure, or its tight box when saved with
  ``bbox_inches="tight"``);
- ``squashed``: a plot area squeezed by long labels (narrower than :data:`MIN_AXES_INCHES` or than
  :data:`MIN_AXES_SHARE` of its share of the saved width);
- ``caption-n``: an ``n = …`` in the caption that is not the base recorded by the plotting code from the data
  it drew (:func:`wijkteam_stats.reference.figures.plotted_base`);
- ``caption-colour``: a colour named in the caption or a label (``rood``, ``oranje`` …) that no drawn element
  has (names come from :func:`colour_name`, the same table the captions use).

:func:`check_figure` raises :class:`FigureDefectError` listing them. Only matplotlib and numpy are used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: Two texts closer than this many pixels (at the figure's dpi; 2 px at 100 dpi = 0,5 mm) run together and
#: count as overlapping.
MIN_GAP_PX = 2.0
#: A text may stick out of the canvas by at most this many pixels.
CLIP_TOLERANCE_PX = 0.5
#: A plot area must be at least this wide and high (inches) ...
MIN_AXES_INCHES = (1.8, 0.8)
#: ... and at least this share of its column's part of the saved width.
MIN_AXES_SHARE = 0.3

#: Dutch names of the colours the project draws with (Okabe-Ito palette, greys). Captions name colours
#: through :func:`colour_name`, so a caption's colour word and the drawing come from one table.
COLOUR_NAMES_NL: dict[str, str] = {
    "#0072B2": "blauw",
    "#E69F00": "oranje",
    "#009E73": "groen",
    "#CC79A7": "roze",
    "#56B4E9": "lichtblauw",
    "#D55E00": "donkeroranje",
    "#F0E442": "geel",
    "#000000": "zwart",
    "#FFFFFF": "wit",
}
#: Colour words a Dutch caption might use; each one found in a caption must name a drawn colour.
COLOUR_WORDS_NL = ("donkeroranje", "lichtblauw", "donkerblauw", "lichtgroen", "donkergroen", "blauwgroen",
                   "lichtgrijs", "donkergrijs", "blauw", "oranje", "groen", "roze", "geel", "zwart", "wit",
                   "rood", "paars", "grijs", "bruin")
_COLOUR_RE = re.compile(r"(?<![\w-])(" + "|".join(COLOUR_WORDS_NL) + r")(?![\w-])", re.IGNORECASE)
#: Attribute of a Figure holding what the plotting code recorded (caption, plotted base); see
#: :func:`wijkteam_stats.reference.figures.add_caption` and :func:`~wijkteam_stats.reference.figures.set_plotted_base`.
META_ATTR = "_wijkteam_meta"
_N_RE = re.compile(r"\bn\s*=\s*(\d[\d.]*)(?:\s*[–-]\s*(\d[\d.]*))?")


@dataclass(frozen=True)
class FigureDefect:
    """One defect: its kind (overlap, clipped, squashed, caption-n, caption-colour) and a readable message."""

    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class FigureDefectError(ValueError):
    """A figure has defects (the message lists them)."""

    def __init__(self, name: str, defects: Sequence[FigureDefect]):
        self.defects = list(defects)
        super().__init__(f"figure {name!r} has {len(defects)} defect(s):\n  " + "\n  ".join(map(str, defects)))


# --------------------------------------------------------------------------- colours


def colour_name(colour) -> str:
    """The Dutch name of a colour: the palette's name when it is a palette colour, else the name of the
    nearest palette colour (greys by lightness: zwart, donkergrijs, grijs, lichtgrijs, wit)."""
    r, g, b = mcolors.to_rgb(colour)
    hexa = mcolors.to_hex((r, g, b)).upper()
    if hexa in COLOUR_NAMES_NL:
        return COLOUR_NAMES_NL[hexa]
    if max(r, g, b) - min(r, g, b) < 0.08:
        light = (r + g + b) / 3
        return ("zwart" if light < 0.12 else "donkergrijs" if light < 0.4 else "grijs" if light < 0.75
                else "lichtgrijs" if light < 0.96 else "wit")
    best, dist = "", math.inf
    for hx, name in COLOUR_NAMES_NL.items():
        pr, pg, pb = mcolors.to_rgb(hx)
        if max(pr, pg, pb) - min(pr, pg, pb) < 0.08:
            continue
        d = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2
        if d < dist:
            best, dist = name, d
    return best


def _artist_colours(fig: Figure) -> set[str]:
    """Names of the colours of every visible drawn element (lines, markers, patches, collections)."""
    out: set[str] = set()

    def add(values) -> None:
        arr = np.atleast_2d(mcolors.to_rgba_array(values)) if values is not None and len(values) else []
        for rgba in arr:
            if rgba[3] > 0:
                out.add(colour_name(rgba[:3]))

    for artist in fig.findobj(lambda a: isinstance(a, Line2D | Patch | Collection)):
        if not artist.get_visible() or (artist.axes is not None and not artist.axes.get_visible()):
            continue
        if isinstance(artist, Line2D):
            if artist.get_linestyle() not in ("None", "none", "", " "):
                add([artist.get_color()])
            if artist.get_marker() not in (None, "None", "none", "", " "):
                add([artist.get_markerfacecolor(), artist.get_markeredgecolor()])
        elif isinstance(artist, Patch):
            if artist is fig.patch or (artist.axes is not None and artist is artist.axes.patch):
                continue
            add([artist.get_facecolor()])
        else:
            add(artist.get_facecolors())
            add(artist.get_edgecolors())
    return out


# --------------------------------------------------------------------------- texts and boxes


def _has_text(t: Text) -> bool:
    return t.get_visible() and bool(t.get_text().strip()) and t.get_alpha() != 0


def _tick_texts(ax: Axes) -> list[Text]:
    out: list[Text] = []
    for axis, interval in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if not axis.get_visible():
            continue
        lo, hi = sorted(interval)
        span = hi - lo
        for ticks in (axis.get_major_ticks(), axis.get_minor_ticks()):
            for tick in ticks:
                loc = tick.get_loc()
                if loc is None or not (lo - 1e-9 * max(span, 1) <= loc <= hi + 1e-9 * max(span, 1)):
                    continue
                out += [lab for lab in (tick.label1, tick.label2) if _has_text(lab)]
    return out


def _legend_texts(legend: Legend | None) -> list[Text]:
    if legend is None or not legend.get_visible():
        return []
    return [t for t in [*legend.get_texts(), legend.get_title()] if _has_text(t)]


def visible_texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text the saved figure shows (ticks in view, titles, labels, legends, notes)."""
    out: list[Text] = [t for t in fig.texts if _has_text(t)]
    for sub in (getattr(fig, "_suptitle", None), getattr(fig, "_supxlabel", None), getattr(fig, "_supylabel", None)):
        if sub is not None and _has_text(sub):
            out.append(sub)
    for leg in fig.legends:
        out += _legend_texts(leg)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        titles = [ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None)]
        out += [t for t in titles if t is not None and _has_text(t)]
        if ax.axison:
            out += [t for t in (ax.xaxis.label, ax.yaxis.label) if _has_text(t)]
            out += _tick_texts(ax)
        out += [t for t in ax.texts if _has_text(t)]
        out += _legend_texts(ax.get_legend())
    seen: set[int] = set()
    unique = []
    for t in out:
        if id(t) not in seen:
            seen.add(id(t))
            unique.append(t)
    return unique


def _describe(t: Text) -> str:
    text = " ".join(t.get_text().split())
    where = ""
    if t.axes is not None:
        title = t.axes.get_title() or t.axes.get_title("left")
        where = f" (axes {title!r})" if title else ""
    return f"{text[:60]!r}{where}"


def text_polygon(t: Text, renderer) -> np.ndarray:
    """The four corners (pixels) of the rectangle a text occupies; the rotated rectangle for rotated text."""
    bb = t.get_window_extent(renderer)
    angle = t.get_rotation() % 180
    if min(angle, 180 - angle) < 0.5 or abs(angle - 90) < 0.5:
        return np.array([[bb.x0, bb.y0], [bb.x1, bb.y0], [bb.x1, bb.y1], [bb.x0, bb.y1]])
    t.set_rotation(0)
    try:
        flat = t.get_window_extent(renderer)
    finally:
        t.set_rotation(angle)
    w, h = flat.width, flat.height
    if angle > 90:  # the same rectangle as (h, w) turned by angle - 90
        w, h, angle = h, w, angle - 90
    th = math.radians(angle)
    u = np.array([math.cos(th), math.sin(th)])
    v = np.array([-math.sin(th), math.cos(th)])
    p0 = np.array([bb.x0 + h * math.sin(th), bb.y0])  # the lowest corner touches the bottom of the box
    return np.array([p0, p0 + w * u, p0 + w * u + h * v, p0 + h * v])


def _overlap_depth(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest penetration of two convex polygons over their edge normals (< 0: separated by that gap)."""
    depth = math.inf
    for poly in (a, b):
        for i in range(len(poly)):
            edge = poly[(i + 1) % len(poly)] - poly[i]
            norm = np.array([-edge[1], edge[0]])
            length = float(np.hypot(*norm))
            if length == 0:
                continue
            norm = norm / length
            pa, pb = a @ norm, b @ norm
            depth = min(depth, min(pa.max(), pb.max()) - max(pa.min(), pb.min()))
    return depth


def saved_canvas(fig: Figure, renderer, bbox_inches: str | None = "tight", pad_inches: float = 0.1) -> Bbox:
    """The region (figure pixels) that ends up in the saved file."""
    if bbox_inches == "tight":
        tight = fig.get_tightbbox(renderer)
        return tight.padded(pad_inches).transformed(fig.dpi_scale_trans)
    return fig.bbox


def _columns(ax: Axes) -> int:
    spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
    if spec is None:
        return 1
    return max(1, spec.get_gridspec().ncols // max(1, spec.colspan.stop - spec.colspan.start))


def _is_plot_axes(ax: Axes) -> bool:
    return ax.get_visible() and ax.axison and getattr(ax, "_colorbar", None) is None \
        and ax.get_label() != "<colorbar>"


# --------------------------------------------------------------------------- captions


def caption_ns(text: str) -> list[tuple[int, int]]:
    """Every ``n = a`` or ``n = a–b`` in a caption as (a, b) (a == b for a single number)."""
    out = []
    for m in _N_RE.finditer(text):
        a = int(m.group(1).replace(".", ""))
        b = int(m.group(2).replace(".", "")) if m.group(2) else a
        out.append((a, b))
    return out


def caption_n_defects(caption: str, base: Iterable[int] | None) -> list[FigureDefect]:
    """Caption n against the plotted base: ``n = a`` must be the (single) base, ``n = a–b`` its range."""
    found = caption_ns(caption)
    ns = sorted({int(n) for n in base}) if base is not None else []
    if not found:
        return [FigureDefect("caption-n", f"the caption states no n, the plotted base is {ns}")] if ns else []
    if not ns:
        return [FigureDefect("caption-n", f"the caption states n = {found} but the figure records no plotted base")]
    want = (ns[0], ns[-1])
    return [FigureDefect("caption-n", f"caption says n = {a}{'' if a == b else f'–{b}'}, the plotted base is "
                         f"{ns[0]}{'' if ns[0] == ns[-1] else f'–{ns[-1]}'}") for a, b in found if (a, b) != want]


def colour_word_defects(texts: Iterable[str], fig: Figure) -> list[FigureDefect]:
    """Colour words in ``texts`` that name no colour drawn in ``fig``."""
    drawn = _artist_colours(fig)
    out = []
    for text in texts:
        for m in _COLOUR_RE.finditer(text):
            word = m.group(1).lower()
            if word not in drawn:
                out.append(FigureDefect("caption-colour", f"{word!r} in {text[:60]!r}, but the figure draws in "
                                        f"{', '.join(sorted(drawn))}"))
    return out


# --------------------------------------------------------------------------- the check


def find_defects(fig: Figure, caption: str | None = None, base: Iterable[int] | None = None,
                 bbox_inches: str | None = "tight", pad_inches: float = 0.1, draw: bool = True) -> list[FigureDefect]:
    """All defects of ``fig`` as saved with ``bbox_inches`` (see the module docstring).

    ``caption`` is the figure's caption when it is not drawn on the figure (else the drawn caption is used:
    :func:`wijkteam_stats.reference.figures.figure_caption`); ``base`` the plotted base when the figure has
    none recorded (:func:`wijkteam_stats.reference.figures.plotted_base`). ``draw=False`` skips the layout
    pass when the figure was just saved (saving ran it).
    """
    meta = getattr(fig, META_ATTR, {})
    if draw:
        fig.canvas.draw()  # runs the layout engine (constrained/tight) exactly as saving does
    renderer = fig.canvas.get_renderer()
    texts = visible_texts(fig)
    polys = [text_polygon(t, renderer) for t in texts]
    defects: list[FigureDefect] = []
    canvas = saved_canvas(fig, renderer, bbox_inches, pad_inches)
    for t, p in zip(texts, polys, strict=True):
        out = max(canvas.x0 - p[:, 0].min(), p[:, 0].max() - canvas.x1, canvas.y0 - p[:, 1].min(),
                  p[:, 1].max() - canvas.y1)
        if out > CLIP_TOLERANCE_PX:
            defects.append(FigureDefect("clipped", f"{_describe(t)} sticks {out:.0f} px out of the canvas"))
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = polys[i], polys[j]
            g = MIN_GAP_PX
            if (a[:, 0].max() + g <= b[:, 0].min() or b[:, 0].max() + g <= a[:, 0].min()
                    or a[:, 1].max() + g <= b[:, 1].min() or b[:, 1].max() + g <= a[:, 1].min()):
                continue
            depth = _overlap_depth(a, b)
            if depth > -MIN_GAP_PX:
                how = f"overlap by {depth:.1f} px" if depth > 0 else f"are only {-depth:.1f} px apart"
                defects.append(FigureDefect("overlap", f"{_describe(texts[i])} and {_describe(texts[j])} {how}"))
    for ax in fig.axes:
        if not _is_plot_axes(ax):
            continue
        box = ax.get_window_extent(renderer)
        w_in, h_in = box.width / fig.dpi, box.height / fig.dpi
        share = box.width / (canvas.width / _columns(ax))
        if w_in < MIN_AXES_INCHES[0] or h_in < MIN_AXES_INCHES[1] or share < MIN_AXES_SHARE:
            defects.append(FigureDefect("squashed", f"plot area {ax.get_title()!r} is {w_in:.1f} × {h_in:.1f} in "
                                        f"({share:.0%} of its part of the width)"))
    text = caption if caption is not None else meta.get("caption")
    if text is not None or meta.get("base") is not None or base is not None:
        defects += caption_n_defects(text or "", base if base is not None else meta.get("base"))
    words = [t.get_text() for t in texts] + ([caption] if caption else [])
    defects += colour_word_defects(words, fig)
    return defects


def check_figure(fig: Figure, name: str = "figure", **kwargs) -> None:
    """Raise :class:`FigureDefectError` when :func:`find_defects` finds anything."""
    defects = find_defects(fig, **kwargs)
    if defects:
        raise FigureDefectError(name, defects)


__all__ = [
    "COLOUR_NAMES_NL", "FigureDefect", "FigureDefectError", "caption_n_defects", "caption_ns", "check_figure",
    "colour_name", "colour_word_defects", "find_defects", "saved_canvas", "text_polygon", "visible_texts",
]
