"""Publishing: notebooks to code-free HTML, the per-municipality report and the static site.

In: cleaned survey tables, model expectations, published figures, CBS register. Out: HTML and the numbers JSON.
:mod:`.notebooks` (papermill runs with absolute paths, offline HTML export), :mod:`.numbers` (every number of a
municipality's report as one JSON dict; no answer of the municipality itself on synthetic data), :mod:`.free_text`
(no free-text answer is published unless a reviewed list releases the masked cell), :mod:`.profile`
(the report's sections and figures, rendered from that dict), :mod:`.render` (the one Jinja2 environment with
autoescaping and Dutch number filters, and the one stylesheet), :mod:`.maps` (the map), :mod:`.site` (the
static site). Templates under ``templates/`` (``report/``, ``site/``, ``wijkteam_html/`` for notebook pages,
``wijkteam.css``). Imports the lower layers, never :mod:`wijkteam_stats.batch` or the commands.
"""
