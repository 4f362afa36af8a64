"""The attributions a page carries, from ``data/raw/licences.yaml`` (:mod:`wijkteam_stats.reference.licences`).

A municipality report shows CBS facts, the CBS/PDOK map and published Movisie figures: its footer carries the
sources marked ``report``, the Movisie publication of each wave whose published figures it shows, and the texts
those figures are quoted from (the ``source`` of their rows in ``data/raw/published``, found through the
``finding_id`` of every published figure in the report's numbers). The methods page carries every source marked
``methods`` and the publications of the waves the site shows. Each attribution is a plain dict for the
templates (``report/_attributions.html.j2``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from wijkteam_stats.reference.licences import Source, attributions_for, wave_publications
from wijkteam_stats.reference.published import load_published

#: The source whose attribution lists the Movisie publication of each wave.
MOVISIE = "movisie"
_FILE_WAVE = re.compile(r"^F(\d{4})-")
#: The source of the SYNTHETIC reconstruction (named on the methods page only when the site shows it).
SYNTHETIC = "synthetic"


def published_findings(numbers: Any) -> dict[str, int]:
    """Every published figure a report's numbers hold: finding id -> wave (walks the whole dict)."""
    found: dict[str, int] = {}
    stack = [numbers]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("source") == "published" and item.get("finding_id"):
                found[str(item["finding_id"])] = int(item["wave"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def quote_sources(findings: dict[str, int]) -> set[str]:
    """The ``source`` keys (texts the figures are quoted from) of these published findings."""
    keys: set[str] = set()
    files = {int(m.group(1)) if (m := _FILE_WAVE.match(f)) else w for f, w in findings.items()}
    for wave in sorted(files):  # F2015-004 (a 2014 figure quoted in 2015) lives in the 2015 file
        pub = load_published(wave=wave)
        keys |= set(pub.loc[pub["finding_id"].isin(list(findings)), "source"].astype(str))
    return keys


def _as_dict(source: Source, waves: Iterable[int], quoted: set[str] | None = None) -> dict[str, Any]:
    """One attribution for the templates; ``publications`` are the works listed after its text: the Movisie
    publication of each wave, or the quoted texts (those of ``quoted``; all when None)."""
    publications = wave_publications()
    listed = ([publications[w] for w in sorted(set(waves)) if w in publications] if source.key == MOVISIE
              else source.labels(quoted))
    return {"key": source.key, "name": source.name, "text": source.attribution_nl, "licence": source.licence,
            "licence_url": source.licence_url, "publications": listed}


def report_attributions(numbers: dict[str, Any]) -> list[dict[str, Any]]:
    """The attributions of one municipality report (what its footer must carry)."""
    findings = published_findings(numbers)
    quoted = quote_sources(findings)
    sources = attributions_for("report", quoted)
    return [_as_dict(s, findings.values(), quoted) for s in sources if s.key != MOVISIE or findings]


def methods_attributions(waves: Iterable[int], synthetic: bool = True) -> list[dict[str, Any]]:
    """The attributions of the site's methods page (every source it names; publications of ``waves``); the
    SYNTHETIC reconstruction only when the site's survey data are synthetic."""
    waves = list(waves)
    return [_as_dict(s, waves) for s in attributions_for("methods") if synthetic or s.key != SYNTHETIC]
