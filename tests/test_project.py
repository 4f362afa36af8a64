"""Project habits: notebooks committed without outputs, raw data untouched, CLI wired."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wijkteam_stats.cli import COMMANDS, available_commands, main
from wijkteam_stats.reference import paths


def _notebooks():
    return sorted(paths.NOTEBOOKS.glob("**/*.ipynb"))


def notebook_output_problems(nb_path) -> list[str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return [
        f"{nb_path.name}: cell {i}"
        for i, cell in enumerate(nb.get("cells", []))
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def test_notebooks_are_committed_without_outputs():
    problems = [p for nb in _notebooks() for p in notebook_output_problems(nb)]
    assert problems == [], f"strip outputs before committing: {problems}"


def test_output_check_detects_outputs(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": "1", "outputs": [{"output_type": "stream", "text": "1"}],
                     "execution_count": 1, "metadata": {}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    assert notebook_output_problems(path) == ["x.ipynb: cell 0"]


def test_raw_data_is_tracked_and_untouched():
    """Every file under data/raw is committed and unmodified (no code writes there)."""
    out = subprocess.run(["git", "status", "--porcelain", "--", "data/raw"], cwd=paths.ROOT,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    assert out.stdout.strip() == ""


def test_ensure_dir_refuses_raw():
    with pytest.raises(PermissionError):
        paths.ensure_dir(paths.RAW / "x")


def test_cli_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in available_commands():
        assert name in out
    assert set(available_commands()) <= set(COMMANDS)


def test_cli_resolve(capsys):
    assert main(["municipalities", "resolve", "den bosch", "--year", "2015"]) == 0
    assert capsys.readouterr().out.startswith("GM0796\t's-Hertogenbosch")
    assert main(["municipalities", "resolve", "Bergen", "--year", "2015"]) == 1
    assert "ambiguous" in capsys.readouterr().err


def test_console_script_runs():
    exe = paths.ROOT / ".venv" / "bin" / "wijkteam"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "wijkteam_stats.cli"]
    out = subprocess.run([*cmd, "municipalities", "resolve", "0363"], capture_output=True, text=True, check=True)
    assert out.stdout.split("\t")[0] == "GM0363"
