"""The exact-versions file: every dependency pinned, the pins meet pyproject's minimums, make installs it."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.version import Version

from wijkteam_stats.reference import paths


def _pins() -> dict[str, str]:
    pins = {}
    for line in (paths.ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_every_dependency_is_pinned_at_a_version_pyproject_allows():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _pins()
    requirements = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    assert len(requirements) > 20
    for req in requirements:
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{req.name} is not in constraints.txt: run `make lock`"
        assert Version(pins[name]) in req.specifier, f"{name}=={pins[name]} does not meet {req}"
    assert "distributed" in pins and "tornado" in pins  # transitive dependencies are pinned too


def test_make_installs_the_exact_versions_and_can_refresh_them():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    installs = re.findall(r"pip install[^\n]*-e[^\n]*", makefile)
    assert len(installs) >= 2 and all("-c $(CONSTRAINTS)" in line for line in installs if "[lab]" not in line)
    assert "CONSTRAINTS := constraints.txt" in makefile
    lock_recipe = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    assert "pip-compile" in lock_recipe and "--output-file $(CONSTRAINTS) pyproject.toml" in lock_recipe
    text = (paths.ROOT / "constraints.txt").read_text(encoding="utf-8")
    assert "make lock" in text and "/opt/" not in text and "--extra-index-url" not in text
