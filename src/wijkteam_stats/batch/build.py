"""Building one municipality report: the notebook parameterised as papermill does it, executed on a warm
kernel (:func:`build_warm`) or a fresh papermill kernel (:func:`build_papermill`), exported to code-free HTML.

A failure becomes a ``failed`` :class:`JobResult` naming the source cell and the error; it never raises, so
one report never stops the batch. The runner and both executors use these functions.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from papermill import __version__ as pm_version
from papermill.exceptions import PapermillExecutionError
from papermill.parameterize import parameterize_notebook

from wijkteam_stats.batch.warm import CellFailure
from wijkteam_stats.report.notebooks import html_exporter, run_notebook, stable_cell_ids

_EXPORT_LOCK = threading.Lock()


@dataclass
class JobResult:
    """Outcome of one job; ``html`` is only carried until the file is written."""
    gm_code: str
    name: str
    status: str  # built / skipped / failed
    seconds: float = 0.0
    error_cell: int | None = None
    error: str = ""
    html: str | None = field(default=None, repr=False)
    #: wall seconds per stage (parameterize, reset, cells, export, publish) and per cell, for the benchmark
    stages: dict[str, Any] = field(default_factory=dict, repr=False)

    def row(self) -> dict[str, Any]:
        """The run-summary row."""
        return {"gm_code": self.gm_code, "name": self.name, "status": self.status,
                "seconds": f"{self.seconds:.2f}", "error_cell": "" if self.error_cell is None else self.error_cell,
                "error": self.error}



# =========================================================================== building one report


def parameterized_notebook(notebook_json: str, parameters: dict[str, Any]):
    """The notebook exactly as papermill prepares it (metadata, tags, injected-parameters cell), unexecuted."""
    nb = nbformat.reads(notebook_json, as_version=4)
    nb = nbformat.v4.upgrade(nb) or nb
    nb.metadata.setdefault("papermill", {"default_parameters": {}, "parameters": {}, "environment_variables": {},
                                         "version": pm_version})
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
        cell.metadata.setdefault("papermill", {})
    return parameterize_notebook(nb, parameters)


def source_cell_index(nb, index: int) -> int:
    """Index in the source notebook of cell ``index`` of the parameterized notebook."""
    injected = next((i for i, c in enumerate(nb.cells)
                     if "injected-parameters" in c.get("metadata", {}).get("tags", [])), None)
    return index - 1 if injected is not None and index > injected else index


def _one_line(text: str, limit: int = 500) -> str:

    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def export(nb, title: str) -> str:
    """HTML of an executed notebook with the shared exporter (no code cells, offline)."""
    nb.metadata["title"] = title
    stable_cell_ids(nb)  # papermill gives the injected cell a random id; keep the HTML reproducible
    with _EXPORT_LOCK:
        body, _ = html_exporter().from_notebook_node(nb)
    return body


def build_warm(job: dict[str, Any], notebook_json: str, kernel) -> JobResult:
    """Build one report on a warm kernel; failures become a ``failed`` result."""
    t0 = time.perf_counter()
    nb = None
    stages: dict[str, Any] = {}
    try:
        nb = parameterized_notebook(notebook_json, job["parameters"])
        stages["parameterize"] = time.perf_counter() - t0
        kernel.execute(nb)
        timing = getattr(kernel, "last_timing", {}) or {}
        stages.update({"reset": timing.get("reset", 0.0), "cells": sum(timing.get("cells", [])),
                       "per_cell": list(timing.get("cells", []))})
        t1 = time.perf_counter()
        html = export(nb, job["title"])
        stages["export"] = time.perf_counter() - t1
    except CellFailure as err:
        return JobResult(job["gm_code"], job["name"], "failed", time.perf_counter() - t0,
                         source_cell_index(nb, err.cell_index), _one_line(f"{err.ename}: {err.evalue}"))
    except Exception as err:  # noqa: BLE001 - one report never stops the batch
        return JobResult(job["gm_code"], job["name"], "failed", time.perf_counter() - t0, None,
                         _one_line(f"{type(err).__name__}: {err}"))
    return JobResult(job["gm_code"], job["name"], "built", time.perf_counter() - t0, html=html, stages=stages)


def _close_thread_loop() -> None:
    """Close the event loop papermill/nbclient left on this thread (it would leak its sockets)."""
    if threading.current_thread() is threading.main_thread():
        return
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running() and not loop.is_closed():
        loop.close()
    asyncio.set_event_loop(None)


def build_papermill(job: dict[str, Any], notebook_path: str) -> JobResult:
    """Build one report with papermill on a fresh kernel; failures become a ``failed`` result."""
    try:
        return _build_papermill(job, notebook_path)
    finally:
        _close_thread_loop()


def _build_papermill(job: dict[str, Any], notebook_path: str) -> JobResult:


    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wijkteam-report-") as tmp:
        executed = Path(tmp) / f"{job['gm_code']}.ipynb"
        try:
            run_notebook(Path(notebook_path), job["parameters"], executed)
            nb = nbformat.read(str(executed), as_version=4)
            html = export(nb, job["title"])
        except PapermillExecutionError as err:
            nb = nbformat.read(str(executed), as_version=4) if executed.is_file() else None
            cell = source_cell_index(nb, err.cell_index) if nb is not None else err.cell_index
            return JobResult(job["gm_code"], job["name"], "failed", time.perf_counter() - t0, cell,
                             _one_line(f"{err.ename}: {err.evalue}"))
        except Exception as err:  # noqa: BLE001 - one report never stops the batch
            return JobResult(job["gm_code"], job["name"], "failed", time.perf_counter() - t0, None,
                             _one_line(f"{type(err).__name__}: {err}"))
    return JobResult(job["gm_code"], job["name"], "built", time.perf_counter() - t0, html=html)


