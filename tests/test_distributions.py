"""The distributions as a user installs them: every wheel built with uv, then one distribution
installed alone into a fresh virtual environment, outside the checkout.

The wabus wheels come from the local build only (each pinned to its file by a constraint);
their dependencies come from the package index, pinned by ``constraints.txt``. Needs the uv
that ``make install`` puts in ``.tools/bin`` (skipped without it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import processes

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".tools" / "bin" / "uv"
DISTRIBUTIONS = {
    "wabus": ROOT,
    "wabus-core": ROOT / "core",
    "wabus-proto": ROOT / "proto",
    "wabus-protocol": ROOT / "protocol",
    "wabus-handlers": ROOT / "handlers",
}

pytestmark = pytest.mark.skipif(not UV.exists(), reason="needs .tools/bin/uv (make install)")


def _env() -> dict[str, str]:
    """The environment, without this checkout's virtual environment or import paths."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def _uv(*args: str | Path, cwd: Path = ROOT) -> str:
    result = processes.run([UV, *args], cwd=cwd, env=_env(), timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every distribution's wheel, by distribution name."""
    out = tmp_path_factory.mktemp("wheels")
    build_constraints = ROOT / "build-constraints.txt"
    _uv(
        "build",
        "--all-packages",
        "--wheel",
        "--out-dir",
        out,
        "--build-constraint",
        build_constraints,
    )
    built = {path.name.split("-")[0].replace("_", "-"): path for path in out.glob("*.whl")}
    assert sorted(built) == sorted(DISTRIBUTIONS)
    return built


class Installed:
    """A fresh virtual environment with one distribution installed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.python = root / "venv" / "bin" / "python"
        self.bin = root / "venv" / "bin"

    def run(self, *command: str | Path) -> subprocess.CompletedProcess[str]:
        """Run a command from the environment, from a directory outside the checkout."""
        env = _env()
        env["PATH"] = os.pathsep.join([str(self.bin), env.get("PATH", "")])
        return processes.run(list(command), cwd=self.root, env=env, timeout=1800)

    def distributions(self) -> set[str]:
        listed = _uv("pip", "list", "--python", self.python, "--format", "json", cwd=self.root)
        return {entry["name"] for entry in json.loads(listed)}


def _install(wheels: dict[str, Path], root: Path, requirement: str) -> Installed:
    installed = Installed(root)
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    _uv("venv", "--quiet", "--python", base, root / "venv", cwd=root)
    constraints = root / "constraints.txt"
    local = [f"{name} @ {path.as_uri()}" for name, path in sorted(wheels.items())]
    pins = (ROOT / "constraints.txt").read_text().splitlines()
    constraints.write_text("\n".join([*pins, *local]) + "\n")
    _uv(
        "pip", "install", "--quiet", "--python", installed.python,
        "--constraint", constraints, requirement, cwd=root,
    )  # fmt: skip
    return installed


@pytest.fixture(scope="module")
def umbrella(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return _install(wheels, tmp_path_factory.mktemp("umbrella"), "wabus")


@pytest.fixture(scope="module")
def core_alone(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return _install(wheels, tmp_path_factory.mktemp("core"), "wabus-core")


def _metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return archive.read(name).decode()


def test_every_distribution_has_its_readme_as_long_description(wheels: dict[str, Path]) -> None:
    for name, wheel in wheels.items():
        metadata = _metadata(wheel)
        headers, _, body = metadata.partition("\n\n")
        assert "Description-Content-Type: text/markdown" in headers, name
        assert body.strip() == (DISTRIBUTIONS[name] / "README.md").read_text().strip(), name
        assert body.startswith(f"# {name}\n"), name


def test_the_handlers_wheel_ships_the_gateway_page(wheels: dict[str, Path]) -> None:
    with zipfile.ZipFile(wheels["wabus-handlers"]) as archive:
        names = set(archive.namelist())
    for name in ("index.html", "page.js", "page.css"):
        assert f"wabus/handlers/gateway/page/{name}" in names, name
    assert "Requires-Dist: qrcode>=8; extra == 'gateway'" in _metadata(wheels["wabus-handlers"])


def test_the_umbrella_installs_what_its_commands_import(umbrella: Installed) -> None:
    have = umbrella.distributions()
    assert set(DISTRIBUTIONS) <= have
    assert {"nats-py", "python-socketio", "uvicorn"} <= have  # the extras its commands use
    where = umbrella.run(umbrella.python, "-c", "import wabus.cli; print(wabus.cli.__file__)")
    assert where.stdout.startswith(str(umbrella.root)), where.stdout  # not this checkout
    result = umbrella.run("wabus", "--help")
    assert result.returncode == 0, result.stderr
    for command in ("run", "replay", "gateway", "bridge", "worker", "store"):
        assert command in result.stdout
        sub = umbrella.run("wabus", command, "--help")
        assert sub.returncode == 0, sub.stderr
        assert sub.stdout.startswith(f"usage: wabus {command}")


def test_without_the_postgres_extra_the_store_command_names_it(
    umbrella: Installed, tmp_path: Path
) -> None:
    assert "psycopg" not in umbrella.distributions()
    result = umbrella.run(
        "wabus", "store", "migrate", "--from", f"sqlite:{tmp_path / 'd.db'}",
        "--to", "postgresql://127.0.0.1:1/db",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pip install 'wabus[postgres]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_installed_command_runs_a_simulator_session(umbrella: Installed) -> None:
    result = umbrella.run(
        "wabus", "run", "--simulator", "--scan-delay", "0.1", "--no-qr", "--timeout", "1800"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith("simulator session finished: "), last
    assert "ping answered with pong, 0 handler errors" in last


def test_the_core_alone_runs_the_readme_example_bot(core_alone: Installed) -> None:
    assert {n for n in core_alone.distributions() if n.startswith("wabus")} == {"wabus-core"}
    result = core_alone.run(core_alone.python, ROOT / "examples" / "echo_bot.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "connected",
        "Alice wrote in 15550000002@s.whatsapp.net: 6 bytes",
        "Bob wrote in 120363000000000001@g.us: 14 bytes",
    ]
    others = core_alone.run(core_alone.python, "-c", "import wabus.protocol")
    assert others.returncode == 1 and "ModuleNotFoundError" in others.stderr
