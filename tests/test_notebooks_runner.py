"""Notebook execution (papermill, absolute paths) and the offline, code-free HTML export."""

from __future__ import annotations

import os
import re

import nbformat

from wijkteam_stats.report.notebooks import atomic_write_text, export_html, run_notebook


def _tiny_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell("code = '0363'\nn = 2")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Titel"),
        params,
        nbformat.v4.new_code_cell("SECRET_CODE_MARKER = 1\nprint(f'{code}|{type(code).__name__}|{n * 21}')"),
    ]
    nbformat.write(nb, str(path))
    return path


def test_run_notebook_injects_parameters_without_changing_cwd(tmp_path):
    cwd = os.getcwd()
    src = _tiny_notebook(tmp_path / "tiny.ipynb")
    out = run_notebook(src, {"code": "GM0363", "n": 3}, tmp_path / "out" / "tiny_run.ipynb")
    assert os.getcwd() == cwd
    nb = nbformat.read(str(out), as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert text.strip() == "GM0363|str|63"


def test_export_html_is_code_free_and_offline(tmp_path):
    src = _tiny_notebook(tmp_path / "tiny.ipynb")
    out = run_notebook(src, {}, tmp_path / "tiny_run.ipynb")
    html = export_html(out, tmp_path / "html" / "tiny.html", title="Testrapport").read_text(encoding="utf-8")
    assert "0363|str|42" in html and "<title>Testrapport</title>" in html
    assert "SECRET_CODE_MARKER" not in html  # no code cells
    assert not re.search(r"""(src|href)=["']https?://""", html)  # no external requests
    assert "cdnjs" not in html and "mathjax" not in html.lower()


def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "a" / "b.html"
    atomic_write_text(target, "x")
    atomic_write_text(target, "y")
    assert target.read_text() == "y"
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.html"]
