"""Publishing: notebooks to code-free HTML, the per-municipality report and the static site.

In: cleaned survey tables, model expectations, published figures. Out: HTML. :mod:`.notebooks` (papermill
runs with absolute paths, offline HTML export), :mod:`.profile` (a municipality's numbers and their HTML),
:mod:`.maps` (its map), :mod:`.site` (the static site); Jinja2 templates under ``templates/``. Imports the
lower layers, never :mod:`wijkteam_stats.batch` or the commands.
"""
