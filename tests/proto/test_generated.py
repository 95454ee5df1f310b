"""The committed protobuf modules are exactly what `make proto` generates, and they load."""

from __future__ import annotations

import importlib
import re
import sys
import tomllib
from pathlib import Path

import pytest
from google.protobuf import __version__ as protobuf_version
from packaging.requirements import Requirement
from packaging.version import Version

from tests import processes

ROOT = Path(__file__).resolve().parents[2]
PROTO_SRC = ROOT / "proto/src"
PACKAGE_DIR = PROTO_SRC / "wabus/proto"
SOURCES = sorted(PACKAGE_DIR.glob("*.proto"))
MODULES = [f"wabus.proto.{path.stem}_pb2" for path in SOURCES]
STALE = "generated protobuf code is stale: run `make proto`"


def _generated(directory: Path) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for pattern in ("*_pb2.py", "*_pb2.pyi")
        for path in sorted(directory.glob(pattern))
    }


def test_there_are_sources() -> None:
    assert [path.name for path in SOURCES] == sorted(
        f"{name}.proto"
        for name in (
            "adv",
            "cert",
            "client",
            "common",
            "e2e",
            "handshake",
            "history",
            "signal",
            "syncd",
            "web",
        )
    )


def test_committed_code_matches_a_fresh_generation(tmp_path: Path) -> None:
    """The same command as `make proto`, into a temporary directory, compared byte for byte."""
    result = processes.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO_SRC}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            *(str(path) for path in SOURCES),
        ],
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    fresh = _generated(tmp_path / "wabus/proto")
    committed = _generated(PACKAGE_DIR)
    assert len(fresh) == 2 * len(SOURCES)
    assert sorted(committed) == sorted(fresh), STALE
    for name, content in fresh.items():
        assert committed[name] == content, f"{STALE} ({name} differs)"


@pytest.mark.parametrize("module_name", MODULES)
def test_every_generated_module_imports(module_name: str) -> None:
    """Importing runs the gencode's runtime-version check against the installed protobuf."""
    module = importlib.import_module(module_name)
    assert module.DESCRIPTOR.package == "wabus.wa"
    assert module.DESCRIPTOR.name == f"wabus/proto/{module_name.rsplit('.', 1)[1][:-4]}.proto"


def _gencode_versions() -> set[Version]:
    found = set()
    for path in PACKAGE_DIR.glob("*_pb2.py"):
        match = re.search(r"^# Protobuf Python Version: (\S+)$", path.read_text(), re.MULTILINE)
        assert match, path.name
        found.add(Version(match.group(1)))
    return found


def test_the_declared_protobuf_dependency_admits_only_runtimes_the_gencode_accepts() -> None:
    """wabus-proto's floor is no older than the gencode, and the pinned runtime satisfies it."""
    (gencode,) = _gencode_versions()
    project = tomllib.loads((ROOT / "proto/pyproject.toml").read_text())["project"]
    (requirement,) = (
        Requirement(spec)
        for spec in project["dependencies"]
        if Requirement(spec).name == "protobuf"
    )
    floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    assert floors, f"{requirement} has no floor"
    assert max(floors) >= gencode, f"{requirement} admits runtimes older than gencode {gencode}"
    assert f"<{gencode.major + 1}" in {str(s) for s in requirement.specifier}
    runtime = Version(protobuf_version)
    assert runtime in requirement.specifier
    assert runtime >= gencode


def test_the_package_reexports_every_generated_module() -> None:
    import wabus.proto

    generated = {name.rsplit(".", 1)[1] for name in MODULES}
    # Besides every generated module: the hand-written codec and scanner.
    assert set(wabus.proto.__all__) == generated | {"codec", "scan"}
