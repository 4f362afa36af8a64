"""What the methods page needs to cite and credit the project: the attributions, the BibTeX and the data package.

:func:`methods_context` writes ``citation.bib`` into the site (generated from ``CITATION.cff``), writes
``datapackage.json`` into the outputs folder (:mod:`.datapackage`; it refuses undescribed tables) and returns
the template variables of the methods page's attributions and citation blocks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from wijkteam_stats.reference.citation import bibtex
from wijkteam_stats.reference.writers import atomic_write_text
from wijkteam_stats.report.attributions import methods_attributions
from wijkteam_stats.report.datapackage import write_datapackage


def methods_context(site: Path, outputs_dir: Path, waves: list[int], synthetic: bool) -> dict[str, Any]:
    """Write ``citation.bib`` (site) and ``datapackage.json`` (outputs); the methods page's variables for them."""
    text = bibtex()  # the project and its references; the page shows the project's entry
    bib = site / "citation.bib"
    if not bib.is_file() or bib.read_text(encoding="utf-8") != text:
        atomic_write_text(bib, text)
    package_path, package = write_datapackage(outputs_dir)
    n_synthetic = sum(r["x-provenance"]["status"] == "synthetic" for r in package["resources"])
    return {
        "attributions": methods_attributions(waves, synthetic),
        "citation_bibtex": bibtex(references=False),
        "datapackage": {"href": Path(os.path.relpath(package_path, site)).as_posix(),
                        "n_resources": len(package["resources"]), "n_synthetic": n_synthetic},
    }
