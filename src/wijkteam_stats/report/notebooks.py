"""Running the project's notebooks with papermill and exporting them to code-free, offline HTML.

Paths are always absolute; papermill's ``cwd`` is never used (it changes the whole process). The HTML uses
the package's ``wijkteam_html`` template: no code cells, images embedded, no external requests. Every
kernel the project starts (papermill's here, the warm kernels of :mod:`wijkteam_stats.batch.warm`) uses
:func:`ipc_kernel_manager_class`: local IPC sockets in a private directory instead of TCP ports on
localhost, so kernel traffic is not readable by other users (and ipykernel does not warn about unencrypted
TCP).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from wijkteam_stats.reference import paths

TEMPLATES = Path(__file__).resolve().parent / "templates"


_SOCKET_DIRS: dict[str, Path] = {}


def _socket_dir() -> Path:
    """A private (0700) directory for kernel sockets under the current temp dir, removed when the process
    ends. Looked up on every kernel start: a run's private temp dir (``tempfile.tempdir`` during a batch run)
    gets its own, and a directory removed meanwhile is made again."""
    base = tempfile.gettempdir()
    folder = _SOCKET_DIRS.get(base)
    if folder is None or not folder.is_dir():
        folder = Path(tempfile.mkdtemp(prefix="wijkteam-kernels-", dir=base))
        atexit.register(shutil.rmtree, folder, True)
        _SOCKET_DIRS[base] = folder
    return folder


@lru_cache(maxsize=1)
def ipc_kernel_manager_class() -> type:
    """An ``AsyncKernelManager`` whose kernels talk over IPC sockets in a private directory (not TCP).

    The documented alternative to unencrypted TCP (ipykernel 7 warns about it on every start); each kernel
    gets its own socket prefix, and jupyter_client removes the socket files when the kernel shuts down.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        """Kernel manager with ``transport="ipc"`` and sockets under a private temporary directory."""

        @default("transport")
        def _transport_default(self) -> str:
            return "ipc"

        @default("ip")
        def _ip_default(self) -> str:
            return str(_socket_dir() / f"k{uuid.uuid4().hex[:12]}")

    return IPCKernelManager


def notebook_path(name: str) -> Path:
    """Absolute path of a project notebook by file name (``01_reproduce_movisie.ipynb``) or stem."""
    p = paths.NOTEBOOKS / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    if not p.is_file():
        raise FileNotFoundError(f"no notebook {p}")
    return p


def _plain(value: Any) -> Any:
    """Parameters papermill can inject: paths become strings."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    paths.ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates owner-only files; reports are for readers
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def run_notebook(notebook: str | Path, parameters: dict[str, Any], executed_path: Path,
                 kernel_name: str = "python3", timeout: int = 1800) -> Path:
    """Execute ``notebook`` with papermill into ``executed_path`` (absolute paths only); returns it.

    On a failing cell papermill raises ``PapermillExecutionError`` (with the cell and message) after saving
    the partly executed notebook.
    """
    import papermill as pm

    src = Path(notebook) if Path(notebook).is_absolute() else notebook_path(str(notebook))
    executed_path = Path(executed_path).resolve()
    paths.ensure_dir(executed_path.parent)
    pm.execute_notebook(
        str(src), str(executed_path), parameters=_plain(parameters), kernel_name=kernel_name,
        progress_bar=False, log_output=False, execution_timeout=timeout,
        kernel_manager_class=ipc_kernel_manager_class(),
    )
    return executed_path


@lru_cache(maxsize=1)
def html_exporter():
    """One reusable HTML exporter (no code cells, no prompts, embedded images, offline template)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="wijkteam_html", extra_template_basedirs=[str(TEMPLATES)],
        extra_template_paths=[str(TEMPLATES)],  # the shared stylesheet templates/wijkteam.css
        language_code="nl",
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
        exclude_anchor_links=True,  # no '¶' after headings on a published page
    )
    return exporter


def export_html(executed: Path | Any, html_path: Path, title: str | None = None) -> Path:
    """Export an executed notebook (path or nbformat node) to code-free HTML at ``html_path`` (atomic)."""
    import nbformat

    nb = nbformat.read(str(executed), as_version=4) if isinstance(executed, (str, Path)) else executed
    if title:
        nb.metadata["title"] = title
    stable_cell_ids(nb)
    body, _ = html_exporter().from_notebook_node(nb)
    return atomic_write_text(Path(html_path), body)


def stable_cell_ids(nb: Any) -> Any:
    """Give papermill's injected-parameters cell a fixed id (papermill draws a random one): stable HTML."""
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    return nb


def run_and_export(notebook: str, parameters: dict[str, Any], output_dir: Path, stem: str,
                   title: str | None = None) -> tuple[Path, Path]:
    """Run a project notebook into ``output_dir/notebooks/<stem>.ipynb`` and export ``output_dir/html/<stem>.html``."""
    output_dir = Path(output_dir).resolve()
    executed = run_notebook(notebook, parameters, output_dir / "notebooks" / f"{stem}.ipynb")
    html = export_html(executed, output_dir / "html" / f"{stem}.html", title=title)
    return executed, html
