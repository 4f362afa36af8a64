"""The package's floor plan: sub-packages follow the pipeline and lower layers never import higher ones.

Read from the source with :mod:`ast` (nothing is imported), so the test sees every import, at the top of a
file or inside a function. A function-local import of the project's own modules is allowed only in
``commands/`` (CLI start-up time, stated in ``commands/__init__.py``) or with a comment on the line before
it that says why.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "wijkteam_stats"

#: Layers from the bottom up; a module may import its own layer and the layers below it.
LAYERS = ["reference", "clean", "reproduce", "reconstruct", "models", "report", "batch", "commands", "cli"]


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        parts = list(path.relative_to(PKG).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(["wijkteam_stats", *parts])] = path
    return out


def _own_imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, at top of file) for every import of the package in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    is_pkg = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_pkg else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "wijkteam_stats" or target.startswith("wijkteam_stats."):
                names = [f"{target}.{a.name}" for a in node.names]
                out += [(n, node.lineno, id(node) in top) for n in [target, *names]]
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno, id(node) in top) for a in node.names
                    if a.name.startswith("wijkteam_stats")]
    return out


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _edges() -> dict[str, set[str]]:
    mods = _modules()
    edges: dict[str, set[str]] = defaultdict(set)
    for mod, path in mods.items():
        for target, _, _ in _own_imports(path, mod):
            if target in mods and target != mod:
                edges[mod].add(target)
    return edges


def test_every_module_sits_in_a_layer():
    loose = [m for m in _modules() if m != "wijkteam_stats" and _layer(m) is None]
    assert loose == [], f"modules outside the pipeline's sub-packages: {loose}"


def test_lower_layers_never_import_higher_ones():
    bad = []
    for mod, targets in _edges().items():
        for t in targets:
            a, b = _layer(mod), _layer(t)
            if a and b and LAYERS.index(b) > LAYERS.index(a):
                bad.append(f"{mod} -> {t}")
    assert bad == [], "upward imports:\n" + "\n".join(sorted(bad))


def test_no_import_cycles():
    edges = _edges()
    # packages import their own submodules in __init__; a submodule importing its package's __init__ for a
    # name is the same file set, so cycles are looked for between modules, package inits excluded as targets
    # only when the importer lives inside that package.
    def targets(m: str) -> set[str]:
        return {t for t in edges.get(m, ()) if not m.startswith(t + ".")}

    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(targets(m)):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(_modules()):
        if m not in state:
            visit(m)
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_function_local_imports_have_a_reason():
    bad = []
    for mod, path in _modules().items():
        if _layer(mod) == "commands":
            continue  # start-up time: stated once in commands/__init__.py
        lines = path.read_text(encoding="utf-8").splitlines()
        for target, line, at_top in _own_imports(path, mod):
            if at_top or target == "wijkteam_stats":
                continue
            before = lines[line - 2].strip() if line >= 2 else ""
            if not before.startswith("#"):
                bad.append(f"{path.relative_to(PKG)}:{line} imports {target}")
    assert sorted(set(bad)) == [], "function-local imports without a stated reason:\n" + "\n".join(sorted(set(bad)))


@pytest.mark.parametrize("layer", [x for x in LAYERS if x != "cli"])
def test_each_subpackage_says_what_flows_in_and_out(layer):
    doc = ast.get_docstring(ast.parse((PKG / layer / "__init__.py").read_text(encoding="utf-8"))) or ""
    assert len(doc.split()) >= 25, f"{layer}/__init__.py needs a paragraph on what flows in and out"


def test_the_checker_sees_an_upward_import(tmp_path):
    """The AST reader itself: a relative import two levels up resolves to the right module."""
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from ..report import profile\n")
    got = _own_imports(f, "wijkteam_stats.reference.x")
    assert ("wijkteam_stats.report.profile", 2, False) in got
    assert _layer("wijkteam_stats.report.profile") == "report"
    assert LAYERS.index("report") > LAYERS.index("reference")
