"""Code that runs *inside* a warm report kernel: one-time setup and the reset between two reports.

After :func:`reset` the kernel is in the state a fresh kernel reaches after importing the report's modules:
empty user namespace and output history (``Out``, ``_``), execution counter at 1, no open figures, the
rcParams and warning filters of that moment (so warnings print again), garbage collected.
"""

from __future__ import annotations

import gc
import importlib
import warnings
from typing import Any

from wijkteam_stats.reference import waves
from wijkteam_stats.reference.municipalities import register
from wijkteam_stats.report import maps

#: Modules a report imports; ``wijkteam_stats.reference.figures`` first, as in the notebook (it selects the Agg backend
#: before pyplot is imported).
DEFAULT_MODULES = (
    "wijkteam_stats.reference.figures", "numpy", "pandas", "scipy.stats", "matplotlib.pyplot", "seaborn", "geopandas",
    "IPython.display", "wijkteam_stats.reference.municipalities", "wijkteam_stats.reference.codebook", "wijkteam_stats.report.maps",
    "wijkteam_stats.report.profile", "wijkteam_stats.batch.params",
)

_STATE: dict[str, Any] = {}


def setup(modules: tuple[str, ...] = DEFAULT_MODULES, warm_wave: int | None = None) -> None:
    """Import the report's modules, warm the font cache and snapshot rcParams and warning filters."""
    for name in modules:
        importlib.import_module(name)
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    # snapshot first: this is the state a fresh kernel has right after the same imports
    _STATE["rc"] = dict(matplotlib.rcParams)
    _STATE["filters"] = list(warnings.filters)
    font_manager.findfont("DejaVu Sans")
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_title("warm")
    ax.plot([0, 1], [0, 1])
    fig.canvas.draw()
    plt.close(fig)
    if warm_wave is not None:
        _warm_caches(int(warm_wave))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(_STATE["rc"])
    # everything imported so far lives as long as the kernel: keep it out of the collector's way
    gc.collect()
    gc.freeze()


def _warm_caches(wave: int) -> None:
    """Load the deterministic, read-only caches (register, codebook, boundaries) once."""
    year = waves.register_year(wave)
    register(year)
    maps._svg_shapes(maps.boundary_year_for(year))


def reset() -> None:
    """Bring the kernel back to its just-set-up state (see the module docstring)."""
    import matplotlib
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    ip = get_ipython()
    if ip is not None:
        ip.reset(new_session=True)  # also restarts the execution counter at 1 (history is in memory)
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(_STATE.get("rc", {}))
    warnings.resetwarnings()  # also invalidates every module's "already warned" registry
    warnings.filters[:] = _STATE.get("filters", warnings.filters)
    warnings.onceregistry.clear()
    gc.collect()
