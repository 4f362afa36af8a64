"""Reading the project's own YAML data files (citation, licences, table descriptions, ...) with one clear error.

A missing file, a YAML syntax error or a top level that is not a mapping is raised as the caller's own error
class, naming the file and the cause, so that each data file keeps its own message type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml_mapping(path: str | Path, error: type[Exception], what: str = "") -> dict[str, Any]:
    """The mapping at the top of the YAML file ``path``; raises ``error`` naming the file when it is missing
    (``what`` says what the file is), not valid YAML, or not a mapping."""
    p = Path(path)
    if not p.is_file():
        raise error(f"{p}: no such file" + (f" ({what})" if what else ""))
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise error(f"{p}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise error(f"{p}: expected a mapping at the top of the file")
    return data
