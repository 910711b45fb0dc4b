"""Imports run one way: a stage imports only the stages before it in the flow of a post.

Read with `ast` over src/jaga (module-level and function-level imports alike; only imports under
`if TYPE_CHECKING:` are exempt, as they never run). Why this order, lowest first:

- types, config, extras, privacy, outbound, provenance: vocabulary and settings every stage may use
  (extras names the optional parts and the pip extra of each; outbound is the operator's policy on
  where Jaga may send data; the store checks webhook URLs with it; provenance says and enforces the
  data licences of a loaded model, the claim encoder's in text as well as the detectors');
- text, contextual: normalising and encoding text, used by every signal;
- claims, banks: reference data (fact-checks, hash banks) and matching against it; they define what
  they need from storage as protocols (`jaga.claims.source`), which the store implements;
- detect: signals from text and reference data;
- policy: decides from signals (and counts handed in); it never writes;
- pipeline: `Moderator`, which runs detect then policy;
- store: persistence; implements the earlier stages' protocols and records what they produce;
- moderation: the one after-decision path (strikes, storage, reviews, audit, webhooks) and the
  wiring of the store into the stages;
- ingest, scan, engines, stream, service: the doors (reading files, `jaga scan`, the same scan on Ray
  and Arrow batches for Spark, `jaga consume` from a queue, the HTTP service);
- evaluation, training: measuring and fitting models, which may use everything that runs in
  production (training imports evaluation, never the reverse);
- cli: the command faces, one module per resource in `jaga/cli/` (scan, policy, claims, banks, db,
  keys, audit, report, train, eval, serve): a face may open the store and call any stage.

The package root `jaga/__init__.py` is the library's facade and may re-export from any stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "jaga"

LAYERS = ("types", "config", "extras", "privacy", "outbound", "provenance", "text", "contextual", "claims", "banks", "campaigns", "detect", "policy",
          "pipeline", "store", "moderation", "exchange", "ingest", "scan", "engines", "stream", "service", "evaluation", "training", "cli")
RANK = {name: rank for rank, name in enumerate(LAYERS)}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str | None:
    """The layer of a module of `jaga` (None for the package root's facade)."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    if parts[-1] == "cli" or parts[1] == "cli":
        return "cli"
    return parts[1]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, imported module) for every import that runs, at any depth, skipping TYPE_CHECKING blocks."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.append((node.lineno, ".".join(base + ([node.module] if node.module else []))))
            elif node.module:
                found.append((node.lineno, node.module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_edges(root: Path = PACKAGE) -> list[tuple[str, int, str]]:
    """(importing module, line, imported jaga module) for every import of `jaga` code under `root`."""
    edges = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for line, imported in _imports(ast.parse(path.read_text(encoding="utf-8")), package):
            if imported == "jaga" or imported.startswith("jaga."):
                edges.append((module, line, imported))
    return edges


def upward(edges: list[tuple[str, int, str]]) -> list[str]:
    """Every import from a lower layer to a higher one, as 'module:line imports module (low -> high)'."""
    problems = []
    for module, line, imported in edges:
        source, target = layer_of(module), layer_of(imported)
        if source is None or target is None or source == target:
            continue
        if source not in RANK or target not in RANK:
            problems.append(f"{module}:{line} imports {imported}: {source if source not in RANK else target} "
                            "has no place in LAYERS (add it, with the reason, above)")
        elif RANK[source] < RANK[target]:
            problems.append(f"{module}:{line} imports {imported} ({source} -> {target})")
    return problems


def test_no_stage_imports_a_later_stage() -> None:
    edges = import_edges()
    assert len(edges) > 100  # the walk found the package
    assert upward(edges) == []


def test_the_check_sees_function_level_imports_and_exempts_only_type_checking(tmp_path: Path) -> None:
    root = tmp_path / "jaga"
    (root / "claims").mkdir(parents=True)
    (root / "__init__.py").write_text("from jaga.pipeline import Moderator\n")
    (root / "claims" / "__init__.py").write_text("")
    (root / "claims" / "cli.py").write_text("from jaga.store import Store\n")
    (root / "claims" / "matcher.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from jaga.store import Store\n"
        "def later():\n    from jaga.training.datasets import REGISTRY\n"
        "from ..store import models\n")
    assert upward(import_edges(root)) == [
        "jaga.claims.matcher:5 imports jaga.training.datasets (claims -> training)",
        "jaga.claims.matcher:6 imports jaga.store (claims -> store)",
    ]
