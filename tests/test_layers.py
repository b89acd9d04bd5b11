"""The packages' layers point one way: ``core`` at the bottom, the AI packages above it, the web
layer (``platform_api``) on top, and no circle between top-level packages.

The walk reads every import statement (also those inside functions) and every string that names
a module (``"platform_api.x"``, as Ray and Alembic take import paths), so a lazy or dynamic
import cannot hide an edge.
"""

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_LAYER = "platform_api"
FOUNDATION = "core"
# Packages that the web layer calls and that must never call it back.
AI_PACKAGES = ("agents", "graphs", "rag", "serving", "proctor", "pipelines", "evals")


@dataclass(frozen=True)
class Edge:
    """One place where a top-level package refers to another."""

    source: str
    target: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.source} -> {self.target}"


def top_level_packages(root: Path) -> set[str]:
    return {path.parent.name for path in root.glob("*/__init__.py")} - {"tests"}


def _referenced_modules(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Imported modules, and strings that read as dotted module paths (``"rag"`` alone in a
    string is a word, not an import)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
        elif isinstance(node, ast.Constant) and _reads_as_module_path(node.value):
            yield str(node.value), node.lineno


def _reads_as_module_path(value: object) -> bool:
    return isinstance(value, str) and "." in value and " " not in value


def package_edges(root: Path) -> list[Edge]:
    """Every reference from one of our top-level packages to another one."""
    packages = top_level_packages(root)
    edges = []
    for package in sorted(packages):
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for module, line in _referenced_modules(tree):
                target = _named_package(module, packages)
                if target and target != package:
                    where = f"{path.relative_to(root)}:{line}"
                    edges.append(Edge(package, target, where))
    return edges


def _named_package(module: str, packages: set[str]) -> str | None:
    """The package an import path starts with, if it is one of ours."""
    head = module.partition(".")[0]
    return head if head in packages else None


def find_cycle(edges: Iterable[Edge]) -> list[str]:
    """One circle between packages as ``[a, b, …, a]``, or ``[]`` when there is none."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == "open":
                return [*path[path.index(successor) :], successor]
            if successor not in state and (cycle := visit(successor)):
                return cycle
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def forbidden_edges(edges: Iterable[Edge]) -> list[Edge]:
    """References that break the layering: an AI package or ``core`` naming the web layer, or
    ``core`` naming any package above it."""
    return [
        edge
        for edge in edges
        if (edge.source in AI_PACKAGES and edge.target == WEB_LAYER) or edge.source == FOUNDATION
    ]


def test_no_ai_package_and_not_core_refers_to_the_layers_above() -> None:
    bad = forbidden_edges(package_edges(ROOT))
    assert not bad, "imports against the layering:\n" + "\n".join(map(str, bad))


def test_no_circle_between_top_level_packages() -> None:
    cycle = find_cycle(package_edges(ROOT))
    assert not cycle, "circle between packages: " + " -> ".join(cycle)


def test_the_walk_sees_lazy_imports_module_strings_and_circles(tmp_path: Path) -> None:
    """The checks above would pass on a walk that sees nothing: show on a small tree that they
    catch each kind of reference."""
    files = {
        "core/__init__.py": "",
        "core/boot.py": "def load():\n    import rag.models\n",
        "rag/__init__.py": "",
        "rag/models.py": "WORKER = 'platform_api.content.worker:run'\n",
        "graphs/__init__.py": "from agents.tutor import policy\n",
        "agents/__init__.py": "",
        "agents/tutor.py": "from graphs import build\nNOTES = ['rag is a word', 'rag']\n",
        "platform_api/__init__.py": "import graphs\n",
        "tests/__init__.py": "import platform_api\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    edges = package_edges(tmp_path)

    assert {str(edge) for edge in forbidden_edges(edges)} == {
        "core/boot.py:2: core -> rag",
        "rag/models.py:1: rag -> platform_api",
    }
    assert find_cycle(edges) == ["agents", "graphs", "agents"]
    assert all(edge.source != "tests" for edge in edges)
    assert find_cycle([e for e in edges if e.source != "agents"]) == []
