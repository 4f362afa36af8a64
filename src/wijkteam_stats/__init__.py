"""wijkteam-stats: survey cleaning, reproduction, models and reports on Dutch sociale (wijk)teams."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wijkteam-stats")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
