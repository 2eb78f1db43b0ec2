"""The rules docs/architecture.md states, checked on the code: the layers' imports, no import cycle, typed records
across layers, and modules and functions short enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

from conftest import ROOT

PACKAGES = {"papertrends": ROOT / "src" / "papertrends", "flows": ROOT / "flows"}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
# The modules whose functions hand records from one layer to the next: no untyped mapping crosses there.
CROSSING = ("flows.", "papertrends.analysis", "papertrends.store", "papertrends.records", "papertrends.pipeline",
            "papertrends.summary", "papertrends.backtest", "papertrends.ingest",
            "papertrends.orchestration")  # fmt: skip
JSON_FORMS = ("as_dict", "from_dict")  # a record's JSON form, as runs.summary stores it


def _modules() -> dict[str, Path]:
    found = {}
    for top, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            parts = [top, *path.relative_to(root).with_suffix("").parts]
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _imported(tree: ast.Module) -> set[str]:
    """Every module named by an import anywhere in the tree (inside functions and TYPE_CHECKING blocks too)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def _ours(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for name, tree in TREES.items():
        graph.add_node(name)
        for target in filter(None, map(_ours, _imported(tree))):
            if target != name:
                graph.add_edge(name, target)
    return graph


def test_no_module_imports_one_that_imports_it_back() -> None:
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, f"import cycles: {cycles}"


def test_the_library_never_imports_the_flows_or_prefect() -> None:
    wrong = {name: sorted(n for n in _imported(tree) if n.split(".")[0] in ("flows", "prefect", "prefect_dask"))
             for name, tree in TREES.items() if name.startswith("papertrends")}  # fmt: skip
    assert not {k: v for k, v in wrong.items() if v}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_and_functions_stay_short(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{MODULES[name]} has {lines} lines"
    functions = [n for n in ast.walk(TREES[name]) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    lengths = [(f.name, f.end_lineno - f.lineno + 1) for f in functions]
    long = [(f, n) for f, n in lengths if n > MAX_FUNCTION_LINES]
    assert not long, f"{MODULES[name]}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_no_untyped_mapping_crosses_a_layer() -> None:
    """Functions of the modules that hand records on neither take nor return `dict[str, Any]` (a record's JSON
    form, stored in and read back from the database, is made and read by the record itself: `JSON_FORMS`)."""
    found = []
    for name, tree in TREES.items():
        if not name.startswith(CROSSING):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name not in JSON_FORMS:
                annotations = [a.annotation for a in (*node.args.args, *node.args.kwonlyargs) if a.annotation]
                for annotation in [*annotations, node.returns]:
                    if annotation is not None and "Any]" in ast.unparse(annotation):
                        found.append(f"{name}.{node.name}: {ast.unparse(annotation)}")
    assert not found, found


def test_the_import_checker_sees_a_cycle(tmp_path: Path) -> None:
    """The rule can fail: two modules importing each other, one of them inside a function, are a cycle."""
    graph = nx.DiGraph()
    a = ast.parse("from b import x\n")
    b = ast.parse("def f():\n    import a\n")
    for name, tree in (("a", a), ("b", b)):
        graph.add_edges_from((name, t) for t in _imported(tree) if t in ("a", "b") and t != name)
    assert [sorted(c) for c in nx.simple_cycles(graph)] == [["a", "b"]]
