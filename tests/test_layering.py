"""Dependencies point one way: protocol -> core, protocol -> proto, handlers -> core; the
client drives the protocol, and the simulator serves it (with the client's WebSocket)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests import processes

ROOT = Path(__file__).resolve().parent.parent
AREAS = {
    "core": ROOT / "core/src/wabus/core",
    "proto": ROOT / "proto/src/wabus/proto",
    "protocol": ROOT / "protocol/src/wabus/protocol",
    "handlers": ROOT / "handlers/src/wabus/handlers",
    "client": ROOT / "src/wabus/client",
    "simulator": ROOT / "src/wabus/simulator",
}
ALLOWED = {
    "core": {"core"},
    "proto": {"proto"},
    "protocol": {"protocol", "core", "proto"},
    "handlers": {"handlers", "core"},
    "client": {"client", "core", "proto", "protocol"},
    "simulator": {"simulator", "client", "core", "proto", "protocol"},
}


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside ``if TYPE_CHECKING:`` blocks (imports for type checkers only)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            for child in node.body:
                inside.update(id(n) for n in ast.walk(child))
    return inside


def _imported(node: ast.AST) -> list[str]:
    """The absolute module names an import statement imports (none for other nodes)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module]
    return []


def _wabus_imports(path: Path) -> set[str]:
    """The wabus areas a module imports at run time (type-checking-only imports excluded:
    a type checker may follow them, the interpreter never does)."""
    tree = ast.parse(path.read_text(), str(path))
    type_only = _type_checking_blocks(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        for name in _imported(node):
            parts = name.split(".")
            if parts[0] == "wabus":
                found.add(parts[1] if len(parts) > 1 else "")
    return found


@pytest.mark.parametrize("area", sorted(AREAS))
def test_sources_import_only_allowed_areas(area: str) -> None:
    files = sorted(AREAS[area].rglob("*.py"))
    assert files, area
    for path in files:
        imported = _wabus_imports(path)
        illegal = imported - ALLOWED[area]
        assert not illegal, f"{path.relative_to(ROOT)} imports wabus.{sorted(illegal)}"


# The server's and the phone's side of the protocol is for simulators and tests only.
SERVER_SIDE = "wabus.protocol.server"
SERVER_SIDE_USERS = frozenset({"simulator"})


def _imports_module(path: Path, module: str) -> bool:
    """Whether a source file imports `module` (as ``import m``, ``from m import x`` or
    ``from parent import leaf``), type-checking-only imports included: client code has no
    business naming the other end's types either."""
    parent, _, leaf = module.rpartition(".")
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            if any(
                alias.name == module or alias.name.startswith(module + ".") for alias in node.names
            ):
                return True
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == module or node.module.startswith(module + "."):
                return True
            if node.module == parent and any(alias.name == leaf for alias in node.names):
                return True
    return False


def test_only_the_simulator_imports_the_server_side_of_the_protocol() -> None:
    server = AREAS["protocol"] / "server.py"
    assert server.exists()
    sources = {area: sorted(root.rglob("*.py")) for area, root in AREAS.items()}
    sources["cli"] = sorted((ROOT / "src/wabus/cli").rglob("*.py"))
    users: set[str] = set()
    for area, files in sources.items():
        for path in files:
            if path == server or not _imports_module(path, SERVER_SIDE):
                continue
            users.add(area)
            assert area in SERVER_SIDE_USERS, f"{path.relative_to(ROOT)} imports {SERVER_SIDE}"
    assert users == SERVER_SIDE_USERS  # the rule guards a real import, not an empty set


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import wabus.protocol.server\n", True),
        ("from wabus.protocol.server import issue_chain\n", True),
        ("from wabus.protocol import server\n", True),
        ("if TYPE_CHECKING:\n    from wabus.protocol.server import ServerHandshake\n", True),
        ("from wabus.protocol import ClientHandshake, serverless\n", False),
        ("import wabus.protocol.serverish\n", False),
    ],
)
def test_the_server_side_rule_sees_every_form_of_import(
    tmp_path: Path, source: str, found: bool
) -> None:
    path = tmp_path / "module.py"
    path.write_text(source)
    assert _imports_module(path, SERVER_SIDE) is found


def test_no_area_defines_the_namespace_package() -> None:
    for root in (
        ROOT / "core/src",
        ROOT / "proto/src",
        ROOT / "protocol/src",
        ROOT / "handlers/src",
        ROOT / "src",
    ):
        assert not (root / "wabus/__init__.py").exists(), root


def test_importing_core_loads_no_other_area() -> None:
    code = (
        "import sys, wabus.core, wabus.core.events, wabus.core.testing, wabus.core.filters\n"
        "bad = sorted(m for m in sys.modules if m.startswith('wabus.') and"
        " not m.startswith('wabus.core'))\n"
        "print(','.join(bad))\n"
    )
    result = processes.run([sys.executable, "-c", code], timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_every_package_ships_py_typed() -> None:
    for path in [*AREAS.values(), ROOT / "src/wabus/cli"]:
        assert (path / "py.typed").exists(), path


_IO_MODULES = {"socket", "asyncio", "threading", "anyio", "trio", "selectors", "ssl", "time"}


def test_the_protocol_layer_is_sans_io() -> None:
    """wabus.protocol imports no socket, thread, event loop or clock (brief, STYLE 1)."""
    for path in sorted(AREAS["protocol"].rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            for name in _imported(node):
                assert name.split(".")[0] not in _IO_MODULES, f"{path.name} imports {name}"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_the_core_modules_import_each_other_without_a_cycle() -> None:
    """The core's modules form a DAG at run time (the bus imports `EventHandler`, never the
    reverse; imports for type checkers only do not count). Package ``__init__``s re-export
    their children, so an edge into a package is an edge into the module named."""
    root = AREAS["core"]
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        type_only = _type_checking_blocks(tree)
        name = _module_name(root, path)
        graph[name] = {
            imported
            for node in ast.walk(tree)
            if id(node) not in type_only
            for imported in _imported(node)
            if imported.startswith("wabus.core")
            and imported != name
            and not name.startswith(imported + ".")  # a child importing its own package
        }
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        assert module not in trail, f"import cycle: {' -> '.join((*trail, module))}"
        if module in done or module not in graph:
            return
        for imported in sorted(graph[module]):
            visit(imported, (*trail, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())
