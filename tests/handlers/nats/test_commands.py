"""``wabus bridge`` and ``wabus worker``, run as a user would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import processes
from tests.handlers.nats.conftest import Names, free_port, jetstream, read_stream
from wabus.cli import main
from wabus.cli._worker import HandlerLoadError, load_handler, parse_plugin
from wabus.core import EventHandler
from wabus.core.testing import EventRecorder, sample_session

ROOT = Path(__file__).resolve().parents[3]
RECORDER = EventRecorder()


def make_recorder() -> EventRecorder:
    return EventRecorder()


def _wabus(*args: str, record: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if record is not None:
        env["WABUS_TEST_RECORD"] = str(record)
    return processes.run([sys.executable, "-m", "wabus.cli", *args], cwd=ROOT, env=env, timeout=600)


def _stream_options(names: Names, url: str) -> list[str]:
    return [
        "--servers",
        url,
        "--stream",
        names.stream.name,
        "--subject-prefix",
        names.stream.subject_prefix,
    ]


@pytest.mark.anyio
async def test_bridge_publishes_the_session_once_however_often_it_runs(
    names: Names, nats_url: str
) -> None:
    options = [*_stream_options(names, nats_url), "--account", names.account, "--source", "sample"]
    first = _wabus("bridge", *options)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        f"bridge finished: 11 events published to stream {names.stream.name} as"
        f" {names.stream.subject_prefix}.{names.account}.<kind>: 11 stored, 0 already there;"
        " 0 handler errors"
    )
    again = _wabus("bridge", *options)
    assert again.returncode == 0, again.stderr
    assert "0 stored, 11 already there" in again.stdout
    async with jetstream(nats_url) as js:
        stored = await read_stream(js, names.stream.name)
    assert [m.subject.rsplit(".", 1)[1] for m in stored] == [e.type for e in sample_session()]


@pytest.mark.anyio
async def test_bridge_publishes_a_live_simulator_session_by_default(
    names: Names, nats_url: str
) -> None:
    result = _wabus("bridge", *_stream_options(names, nats_url), "--account", names.account)
    assert result.returncode == 0, result.stderr
    async with jetstream(nats_url) as js:
        stored = await read_stream(js, names.stream.name)
    kinds = [m.subject.rsplit(".", 1)[1] for m in stored]
    assert kinds[:3] == ["pairing_qr_code", "pair_success", "connected"]
    assert {"message", "history_sync", "incoming_call", "malformed_stanza"} <= set(kinds)
    assert f": {len(kinds)} stored, 0 already there" in result.stdout


@pytest.mark.anyio
async def test_worker_runs_handlers_from_import_paths_and_plugins(
    names: Names, nats_url: str, tmp_path: Path
) -> None:
    options = _stream_options(names, nats_url)
    bridge = _wabus("bridge", *options, "--account", names.account, "--source", "sample")
    assert bridge.returncode == 0, bridge.stderr
    record = tmp_path / "records"
    worker = _wabus(
        "worker",
        *options,
        "--dead-letter-stream",
        names.dead.name,
        "--dead-letter-prefix",
        names.dead.subject_prefix,
        "--handler",
        "tests.handlers.nats.recording:RecordingHandler",
        "--plugin",
        'logging:{"level": "warning"}',
        "--kinds",
        "message,receipt",
        "--exit-when-idle",
        "1",
        record=record,
    )
    assert worker.returncode == 0, worker.stderr
    assert worker.stdout.strip() == (
        "worker stopped: 3 handled, 0 retried, 0 dead letters, 8 skipped"
    )
    assert [line.split()[0] for line in record.read_text().splitlines()] == [
        "3EB0DEMO0001",
        "3EB0DEMO0002",
    ]
    assert "consuming" in worker.stderr
    assert "[warning  ] event" in worker.stderr  # the logging plugin, at the level asked


def test_handlers_load_from_instances_classes_and_factories() -> None:
    module = "tests.handlers.nats.test_commands"
    assert load_handler(f"{module}:RECORDER") is RECORDER
    assert isinstance(load_handler("wabus.core.testing:EventRecorder"), EventRecorder)
    assert isinstance(load_handler(f"{module}:make_recorder"), EventHandler)
    assert parse_plugin("logging") == ("logging", {})
    assert parse_plugin('logging:{"level": "debug"}') == ("logging", {"level": "debug"})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_colon", "expected module:attribute"),
        ("no_such_module_here:x", "cannot import no_such_module_here"),
        ("wabus.core.testing:Nope", "no Nope in wabus.core.testing"),
        ("builtins:dict", "it returned {}, not an EventHandler"),
        ("wabus.core:PLUGIN_GROUP", "is not an EventHandler"),
    ],
)
def test_bad_handler_paths_are_clear_errors(spec: str, message: str) -> None:
    with pytest.raises(HandlerLoadError, match=message):
        load_handler(spec)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["worker"], "worker needs handlers"),
        (["worker", "--handler", "nope"], "expected module:attribute"),
        (["worker", "--plugin", "logging:[1]"], "options must be a JSON object"),
        (["worker", "--plugin", "recorder", "--kinds", "bogus"], "unknown: ['bogus']"),
        (["worker", "--plugin", "recorder", "--durable", "a.b"], "invalid consumer name"),
        (["bridge", "--account", "a.b"], "invalid account 'a.b'"),
        (["bridge", "--stream", "has space"], "invalid stream name"),
    ],
)
def test_bad_command_lines_exit_2_with_the_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_an_unknown_plugin_is_a_configuration_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--plugin", "no-such-plugin"]) == 2
    assert "with_plugin('no-such-plugin'): no such plugin" in capsys.readouterr().err


def test_worker_without_nats_says_so_in_one_line() -> None:
    address = f"nats://127.0.0.1:{free_port()}"  # nothing listens there
    worker = _wabus(
        "worker", "--plugin", "recorder", "--servers", address, "--connect-timeout", "0.5"
    )
    assert worker.returncode == 1
    assert "Traceback" not in worker.stderr
    last = worker.stderr.strip().splitlines()[-1]
    assert last.startswith(f"wabus worker: no NATS server answered at {address}")


@pytest.mark.anyio
async def test_worker_with_another_subject_prefix_says_the_stream_does_not_capture_it(
    names: Names, nats_url: str
) -> None:
    options = _stream_options(names, nats_url)
    bridge = _wabus("bridge", *options, "--account", names.account, "--source", "sample")
    assert bridge.returncode == 0, bridge.stderr
    wrong = [*options[:-1], f"other{names.tag}"]  # the same stream, another --subject-prefix
    worker = _wabus(
        "worker",
        *wrong,
        "--durable",
        f"fresh{names.tag}",  # a consumer that does not exist yet
        "--dead-letter-stream",
        names.dead.name,
        "--dead-letter-prefix",
        names.dead.subject_prefix,
        "--plugin",
        "recorder",
        "--exit-when-idle",
        "1",
    )
    assert worker.returncode == 1
    assert "exists with another configuration" not in worker.stderr
    assert "Traceback" not in worker.stderr
    last = worker.stderr.strip().splitlines()[-1]
    assert last == (
        f"wabus worker: stream {names.stream.name!r} does not match its settings: it captures"
        f" ['{names.stream.subject_prefix}.>'], not 'other{names.tag}.*.*'"
    )
