"""What a report batch computes once and reuses: figures keyed by their content, the map as a small SVG."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt

from wijkteam_stats.reference import figures  # noqa: F401 - selects the Agg backend first
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.report import figure_cache, maps
from wijkteam_stats.report.profile import _small_png, small_png


def _figure(values: list[float], title: str = "x") -> plt.Figure:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(range(len(values)), values, marker="o")
    ax.set_title(title)
    return fig


def test_figures_with_equal_content_are_encoded_once_and_byte_identical():
    figure_cache.clear()
    before = dict(figure_cache.STATS)
    first = small_png(_figure([1, 2, 3]))
    again = small_png(_figure([1, 2, 3]))  # another figure object, same content
    other = small_png(_figure([1, 2, 4]))  # one point differs
    titled = small_png(_figure([1, 2, 3], "y"))  # the title differs
    assert again is first and other != first and titled != first
    assert figure_cache.STATS["hits"] - before["hits"] == 1
    assert figure_cache.STATS["misses"] - before["misses"] == 3
    assert _small_png(_figure([1, 2, 3])) == first  # the cached bytes equal a fresh render
    assert small_png(_figure([1, 2, 3]), dpi=50) != first  # render arguments are part of the key
    assert plt.get_fignums() == []  # every figure closed, hit or miss


def test_map_is_a_small_inline_svg_with_a_title():
    reg = register(2015)
    peers = reg.loc[reg["size_class"] == reg.set_index("gm_code").loc["GM0363", "size_class"], "gm_code"].tolist()
    svg = maps.municipality_map_svg("GM0363", peers, 2015, "Kaart van Nederland waarop Amsterdam is gemarkeerd")
    assert svg.startswith('<svg class="wt-map"') and 'role="img"' in svg
    assert "<title>Kaart van Nederland waarop Amsterdam is gemarkeerd</title>" in svg
    assert len(svg.encode()) < 10_000  # a few kB instead of a raster per report
    own = re.search(rf'fill="{maps.HIGHLIGHT_COLOUR}"[^>]*d="([^"]+)"', svg).group(1)
    assert own.startswith("M") and 1 <= own.count("M") <= 3  # Amsterdam: its outline (two parts)
    peer = re.search(rf'fill="{maps.PEER_COLOUR}" d="([^"]+)"', svg).group(1)
    assert peer.count("M") >= len(peers) - 1
    assert maps.municipality_map_svg("GM0363", peers, 2015, "Kaart van Nederland waarop Amsterdam is gemarkeerd") == svg
    escaped = maps.municipality_map_svg("GM0363", peers, 2015, "<b>&</b>")
    assert "<title>&lt;b&gt;&amp;&lt;/b&gt;</title>" in escaped
