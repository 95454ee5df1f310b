"""The protocol's errors: one module defines them all, as one hierarchy under `WireError`, and
the tree its docstring draws is the tree the classes form.

Where a class is defined is read from the source (``ast``), not from ``__module__``: a public
name may say it is ``wabus.protocol``'s, which is where users import it from.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

import wabus.protocol
import wabus.protocol.capture
import wabus.protocol.server
from wabus.core import WabusError
from wabus.protocol import (
    MutationKeys,
    PairCodeError,
    RemoteWireError,
    ValueDecryptError,
    WireError,
    decrypt_value,
    phone_number_jid,
)
from wabus.protocol import _errors as errors

PACKAGE = Path(wabus.protocol.__file__).parent
ERRORS_FILE = PACKAGE / "_errors.py"
PUBLIC_MODULES = (wabus.protocol, wabus.protocol.capture, wabus.protocol.server)


def _top_level_classes(path: Path) -> list[str]:
    """The names of the classes a source file defines at its top level."""
    tree = ast.parse(path.read_text(), str(path))
    return [node.name for node in tree.body if isinstance(node, ast.ClassDef)]


def _exception_classes_defined_in_errors() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _top_level_classes(ERRORS_FILE):
        value = getattr(errors, name)
        if issubclass(value, BaseException):
            found[name] = value
    return found


_LINE = re.compile(r"^(?P<indent> *)(?P<name>[A-Z]\w*)(?: \(also (?P<also>[\w, ]+)\))?(?:  .*)?$")


def _documented_tree() -> dict[str, tuple[str | None, frozenset[str]]]:
    """The module docstring's tree: each class -> (the class above it, its "also" bases)."""
    doc = errors.__doc__
    assert doc is not None
    block = doc.split('"also" names its other bases):\n\n', 1)[1].split("\n\n", 1)[0]
    tree: dict[str, tuple[str | None, frozenset[str]]] = {}
    parents: list[tuple[int, str]] = []  # (indent, name) of the open branches
    for line in block.splitlines():
        match = _LINE.match(line)
        assert match, f"the tree has a line it cannot read: {line!r}"
        indent, name = len(match["indent"]), match["name"]
        while parents and parents[-1][0] >= indent:
            parents.pop()
        also = frozenset(a.strip() for a in (match["also"] or "").split(",") if a.strip())
        assert name not in tree, f"{name} is twice in the tree"
        tree[name] = (parents[-1][1] if parents else None, also)
        parents.append((indent, name))
    return tree


def test_the_root_is_a_wabus_error() -> None:
    assert WireError.__bases__ == (WabusError,)
    assert errors.WireError is WireError


def test_the_docstring_tree_is_the_class_tree() -> None:
    tree = _documented_tree()
    defined = _exception_classes_defined_in_errors()
    assert set(tree) == set(defined), "the tree and the module's classes differ"
    for name, (parent, also) in tree.items():
        cls = defined[name]
        bases = [base.__name__ for base in cls.__bases__]
        if parent is None:
            assert cls is WireError, f"{name} is drawn as a root"
            continue
        assert bases[0] == parent, f"{name}'s first base is {bases[0]}, drawn under {parent}"
        assert set(bases[1:]) == also, f"{name}'s other bases are {bases[1:]}, drawn {also}"


def test_every_exported_exception_is_defined_in_the_errors_module_under_the_root() -> None:
    defined = set(_top_level_classes(ERRORS_FILE))
    seen = 0
    for module in PUBLIC_MODULES:
        for name in module.__all__:
            value = getattr(module, name)
            if not (inspect.isclass(value) and issubclass(value, BaseException)):
                continue
            seen += 1
            where = f"{module.__name__}.{name}"
            assert name in defined, f"{where} is not defined in wabus.protocol._errors"
            assert getattr(errors, name) is value, f"{where} is another class of that name"
            assert issubclass(value, WireError), f"{where} is not a WireError"
    assert seen >= 40  # the check ran over the real exports, not an empty list


def test_no_other_protocol_module_defines_a_public_exception() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        if path == ERRORS_FILE:
            continue
        name = "wabus.protocol" if path.stem == "__init__" else f"wabus.protocol.{path.stem}"
        module = importlib.import_module(name)
        for class_name in _top_level_classes(path):
            value = getattr(module, class_name)
            if class_name.startswith("_") or not issubclass(value, BaseException):
                continue
            pytest.fail(f"{path.name} defines {class_name}: it belongs in _errors.py")


def _run_time_imports(path: Path) -> set[str]:
    """The modules a file imports outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(), str(path))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            assert isinstance(node, ast.If)
            type_only.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            assert node.module is not None
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_errors_module_imports_nothing_from_the_rest_of_the_protocol() -> None:
    imported = _run_time_imports(ERRORS_FILE)
    assert "wabus.core" in imported  # the scan sees the one import it should
    protocol = sorted(name for name in imported if name.startswith("wabus.protocol"))
    assert not protocol, f"_errors.py imports {protocol} at run time (an import cycle)"


def test_a_bad_pair_code_phone_number_is_a_wire_error_and_a_value_error() -> None:
    with pytest.raises(PairCodeError) as caught:
        phone_number_jid("+1 not a number")
    assert isinstance(caught.value, WireError)
    assert isinstance(caught.value, ValueError)


def test_an_undecryptable_app_state_value_is_a_remote_wire_error() -> None:
    keys = MutationKeys.expand(bytes(32))
    with pytest.raises(ValueDecryptError) as caught:
        decrypt_value(keys, b"too short")
    assert isinstance(caught.value, RemoteWireError)
    assert caught.value.offset is None
