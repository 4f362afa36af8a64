"""A map of the Netherlands with one municipality highlighted and its peers shaded (shipped CBS/PDOK boundaries).

Boundaries are read and projected (RD New, EPSG:28992) once per process and cached; every map is drawn from
the cached shapes, so a warm kernel draws a map without touching the disk. Colours are colour-blind safe.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.figure_checks import find_defects
from wijkteam_stats.reference.figures import FigureDefectWarning
from wijkteam_stats.reference.municipalities import successors_on
from wijkteam_stats.report.render import render

#: Fill colours: everyone else, size-class peers, the municipality itself (Okabe-Ito based).
OTHER_COLOUR = "#E6E6E6"
PEER_COLOUR = "#9ECAE9"
HIGHLIGHT_COLOUR = "#D55E00"
EDGE_COLOUR = "#FFFFFF"


def boundary_years() -> list[int]:
    """Years for which boundaries are shipped (``data/raw/geo/gemeente_<year>_wgs84.geojson``)."""
    years = []
    for p in sorted(paths.RAW_GEO.glob("gemeente_*_wgs84.geojson")):
        m = re.fullmatch(r"gemeente_(\d{4})_wgs84\.geojson", p.name)
        if m:
            years.append(int(m.group(1)))
    return years


def boundary_year_for(year: int) -> int:
    """The shipped boundary year to draw municipalities of 1 January ``year`` (that year, else the next one)."""
    years = boundary_years()
    if not years:
        raise FileNotFoundError(f"no boundary files in {paths.RAW_GEO}")
    later = [y for y in years if y >= int(year)]
    return later[0] if later else years[-1]


def boundary_file(year: int) -> Path:
    """Path of the boundary file used for municipalities of ``year``."""
    return paths.RAW_GEO / f"gemeente_{boundary_year_for(year)}_wgs84.geojson"


@lru_cache(maxsize=2)
def load_boundaries(year: int):
    """Municipal boundaries for ``year`` as a GeoDataFrame (gm_code, name, geometry in EPSG:28992); cached."""
    import geopandas as gpd

    path = boundary_file(year)
    gdf = gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    gdf = gdf.rename(columns={"statcode": "gm_code", "statnaam": "name"})[["gm_code", "name", "geometry"]]
    if gdf["gm_code"].duplicated().any():
        dup = gdf.loc[gdf["gm_code"].duplicated(), "gm_code"].tolist()
        raise ValueError(f"{path}: duplicate municipality codes {dup[:5]}")
    gdf = gdf.to_crs("EPSG:28992").sort_values("gm_code", kind="stable").reset_index(drop=True)
    return gdf


def _ring_path(coords: np.ndarray) -> tuple[np.ndarray, list[int]]:
    codes = [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
    return coords, codes


def _geometry_path(geom) -> MplPath:
    verts: list[np.ndarray] = []
    codes: list[int] = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            v, c = _ring_path(np.asarray(ring.coords)[:, :2])
            verts.append(v)
            codes.extend(c)
    return MplPath(np.concatenate(verts), codes)


@lru_cache(maxsize=2)
def _shapes(year: int) -> tuple[tuple[str, ...], tuple[MplPath, ...], tuple[float, float, float, float]]:
    """Codes, matplotlib paths and bounds of the boundaries (converted once per process)."""
    gdf = load_boundaries(year)
    codes = tuple(gdf["gm_code"].astype(str))
    shapes = tuple(_geometry_path(g) for g in gdf.geometry)
    minx, miny, maxx, maxy = gdf.total_bounds
    return codes, shapes, (float(minx), float(miny), float(maxx), float(maxy))


def map_codes(codes: Iterable[str], year: int) -> set[str]:
    """Codes of ``year`` as drawn on the boundary map of that year (successor codes when the map is later)."""
    geo_year = boundary_year_for(year)
    out: set[str] = set()
    for code in codes:
        out.update([code] if geo_year == int(year) else successors_on(code, geo_year))
    return out


def municipality_map(code: str, peers: Iterable[str], year: int, ax: plt.Axes | None = None,
                     labels: tuple[str, str, str] = ("deze gemeente", "gemeenten van dezelfde grootte",
                                                     "overige gemeenten")) -> plt.Figure:
    """Map of the Netherlands: ``code`` highlighted, ``peers`` shaded (codes of 1 January ``year``)."""
    all_codes, shapes, (minx, miny, maxx, maxy) = _shapes(boundary_year_for(year))
    own = map_codes([code], year)
    peer_set = map_codes(peers, year) - own
    missing = own - set(all_codes)
    if missing:
        raise KeyError(f"{sorted(missing)} not on the boundary map {boundary_file(year).name}")
    colours = [HIGHLIGHT_COLOUR if c in own else PEER_COLOUR if c in peer_set else OTHER_COLOUR for c in all_codes]
    if ax is None:
        fig = plt.figure(figsize=(4.2, 5.0))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    else:
        fig = ax.figure
    base = PatchCollection([PathPatch(p) for p in shapes], facecolors=colours, edgecolors=EDGE_COLOUR,
                           linewidths=0.25)
    ax.add_collection(base)
    own_idx = [i for i, c in enumerate(all_codes) if c in own]
    ax.add_collection(PatchCollection([PathPatch(shapes[i]) for i in own_idx], facecolors=HIGHLIGHT_COLOUR,
                                      edgecolors="#000000", linewidths=0.8))
    pad = 5_000
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.legend(handles=[Patch(facecolor=HIGHLIGHT_COLOUR, edgecolor="#000000", label=labels[0]),
                       Patch(facecolor=PEER_COLOUR, label=labels[1]),
                       Patch(facecolor=OTHER_COLOUR, label=labels[2])],
              loc="upper left", fontsize=8, frameon=False)
    return fig


def figure_png(fig: plt.Figure, dpi: int = 110, tight: bool = True, check: bool = False) -> bytes:
    """The figure as PNG bytes (deterministic: no software/date metadata); the figure is closed.

    ``tight=False`` skips the extra layout pass of ``bbox_inches="tight"`` (for constrained-layout figures).
    With ``check`` the layout is checked like every exported figure (overlapping or clipped text, squashed
    plots): each defect is a :class:`~wijkteam_stats.reference.figures.FigureDefectWarning`. Off by default
    because it costs a layout pass per figure in the batch of reports; the test suite checks report figures.
    """
    buf = io.BytesIO()
    if check:  # measured before saving: a layout pass at the figure's own dpi (about half a second)
        for defect in find_defects(fig, bbox_inches="tight" if tight else None):
            warnings.warn(str(defect), FigureDefectWarning, stacklevel=2)
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight" if tight else None)
    plt.close(fig)
    return buf.getvalue()


# =========================================================================== the map as a small inline SVG

#: Simplification tolerance (metres, RD New) of the SVG map: shared borders stay shared (coverage simplify).
SVG_TOLERANCE = 2_500.0
#: Metres per SVG unit (integer coordinates keep the paths short).
SVG_UNIT = 1_000.0
SVG_WIDTH = 340


def _geometry_d(geom, minx: float, maxy: float) -> str:
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            parts.append(_ring_d(np.column_stack(((xy[:, 0] - minx) / SVG_UNIT, (maxy - xy[:, 1]) / SVG_UNIT))))
    return "".join(parts)


def _ring_d(coords: np.ndarray) -> str:
    """An SVG sub-path of one ring: an absolute move, then relative integer steps (repeats dropped)."""
    pts = np.rint(coords).astype(int)
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
    pts = pts[keep]
    if len(pts) < 3:
        return ""
    steps = np.diff(pts, axis=0)
    return f"M{pts[0][0]} {pts[0][1]}l" + " ".join(f"{dx} {dy}" for dx, dy in steps) + "z"


@lru_cache(maxsize=2)
def _svg_shapes(year: int) -> tuple[tuple[str, ...], tuple[str, ...], str, tuple[int, int]]:
    """Codes, SVG path data per municipality (simplified, in SVG units, y downwards), the country's outline
    and the size, for the boundaries of ``year`` (converted once per process)."""
    import shapely

    gdf = load_boundaries(year)
    geoms = shapely.coverage_simplify(np.asarray(gdf.geometry.values), SVG_TOLERANCE, simplify_boundary=True)
    minx, miny, maxx, maxy = gdf.total_bounds
    paths_d = tuple(_geometry_d(g, minx, maxy) for g in geoms)
    outline = _geometry_d(shapely.coverage_union_all(geoms), minx, maxy)
    size = (int(np.ceil((maxx - minx) / SVG_UNIT)), int(np.ceil((maxy - miny) / SVG_UNIT)))
    return tuple(gdf["gm_code"].astype(str)), paths_d, outline, size


def municipality_map_svg(code: str, peers: Iterable[str], year: int, title: str,
                         labels: tuple[str, str, str] = ("deze gemeente", "gemeenten van dezelfde grootte",
                                                         "overige gemeenten")) -> str:
    """The map of :func:`municipality_map` as a small inline SVG (a few kB: simplified boundaries; the other
    municipalities as the country's grey outline, the peers and the municipality with their borders) with
    ``title`` as its accessible name; rendered from ``templates/report/map.svg.j2``."""
    all_codes, shapes, outline, (width, height) = _svg_shapes(boundary_year_for(year))
    own = map_codes([code], year)
    peer_set = map_codes(peers, year) - own
    missing = own - set(all_codes)
    if missing:
        raise KeyError(f"{sorted(missing)} not on the boundary map {boundary_file(year).name}")
    layers: dict[str, list[str]] = {"other": [outline], "peer": [], "own": []}  # the rest: the country, in grey
    for c, d in zip(all_codes, shapes, strict=True):
        if c in own or c in peer_set:
            layers["own" if c in own else "peer"].append(d)
    pad, legend = 4, 44  # the legend goes below the map (nothing of the map under it)
    box = (-pad, -pad, width + 2 * pad, height + 2 * pad + legend)
    return render("report/map.svg.j2", title=title, labels=labels, box=box, legend_y=height + pad + 4,
                  width=SVG_WIDTH, height=round(SVG_WIDTH * box[3] / box[2]),
                  colours={"other": OTHER_COLOUR, "peer": PEER_COLOUR, "own": HIGHLIGHT_COLOUR, "edge": EDGE_COLOUR},
                  layers={k: "".join(v) for k, v in layers.items()})
