"""`wabus replay` and the capture format, with the bundled sample capture."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

from tests import processes
from wabus.cli import main
from wabus.cli._replay import replay, sample_capture
from wabus.core import Jid, Node, Server
from wabus.core.events import EVENT_TYPES, event_from_json
from wabus.protocol import encode_node
from wabus.protocol.capture import (
    CAPTURE_MAGIC,
    CaptureError,
    CaptureMeta,
    CaptureWriter,
    read_capture,
)

ROOT = Path(__file__).resolve().parent.parent

# Kinds that never come from a stanza, so no capture can yield them.
NOT_FROM_STANZAS = {
    "disconnected": "the connection reports a drop",
    "keep_alive_timeout": "the connection's keepalive timer",
    "keep_alive_restored": "the connection's keepalive timer",
    "pairing_code": "the pair-with-code API call",
    "pin_update": "app-state sync",
    "mute_update": "app-state sync",
    "archive_update": "app-state sync",
    "star_update": "app-state sync",
    "mark_chat_as_read_update": "app-state sync",
    "delete_chat_update": "app-state sync",
    "self_push_name_updated": "app-state sync (our own push name setting)",
    "poll_vote": "a pollUpdateMessage opened with the poll's secret (wabus.client.PollVotes)",
    "contact_update": "app-state sync",
    "clear_chat_update": "app-state sync",
    "delete_message_for_me_update": "app-state sync",
    "label_edit_update": "app-state sync",
    "label_association_update": "app-state sync",
    "locale_update": "app-state sync",
    "raw_app_state_action": "app-state sync",
}


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "make_sample_capture", ROOT / "protocol/tools/make_sample_capture.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_sample_is_what_the_script_writes() -> None:
    render = _generator().render  # type: ignore[attr-defined]
    assert sample_capture().read_bytes() == render(), (
        "the sample capture is stale: run `python protocol/tools/make_sample_capture.py "
        "src/wabus/cli/samples/session.wacap`"
    )


def test_replaying_the_sample_yields_every_kind_the_router_produces() -> None:
    out, err = io.StringIO(), io.StringIO()
    stanzas, written = replay(sample_capture(), out=out, err=err)
    lines = out.getvalue().splitlines()
    assert written == len(lines) and stanzas == 40
    events = [event_from_json(line) for line in lines]  # every line is a valid event
    kinds = {e.type for e in events}
    expected = {cls.kind for cls in EVENT_TYPES} - NOT_FROM_STANZAS.keys()
    assert kinds == expected, (sorted(expected - kinds), sorted(kinds - expected))
    assert err.getvalue() == ""
    # Deterministic: the same lines every time.
    again = io.StringIO()
    replay(sample_capture(), out=again, err=io.StringIO())
    assert again.getvalue() == out.getvalue()


def test_kinds_filter() -> None:
    out = io.StringIO()
    replay(sample_capture(), kinds={"message", "receipt"}, out=out, err=io.StringIO())
    kinds = [json.loads(line)["type"] for line in out.getvalue().splitlines()]
    assert set(kinds) == {"message", "receipt"}
    assert kinds.count("message") == 3


def test_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--sample", "--kinds", "history_sync"]) == 0
    captured = capsys.readouterr()
    [line] = captured.out.splitlines()
    event = json.loads(line)
    assert event["type"] == "history_sync" and event["sync_type"] == 0
    assert "replayed 40 stanzas: 1 events" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["replay"], "needs either a capture FILE or --sample"),
        (["replay", "x.wacap", "--sample"], "needs either a capture FILE or --sample"),
        (["replay", "--sample", "--kinds", "message,nope"], "unknown event kind(s) nope"),
    ],
)
def test_command_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_not_a_capture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("hello")
    assert main(["replay", str(path)]) == 1
    assert "is not a wabus capture" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing.wacap")]) == 1


def test_a_corrupt_payload_is_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bad.wacap"
    with path.open("wb") as stream:
        writer = CaptureWriter(stream, CaptureMeta())
        writer.write(b"\x00\xf8\x01")  # truncated node
        writer.write(encode_node(Node("presence", {"from": Jid("1", Server.USER)})))
    out, err = io.StringIO(), io.StringIO()
    stanzas, written = replay(path, out=out, err=err)
    assert (stanzas, written) == (2, 1)
    assert "stanza 1: input ends in the middle of an item" in err.getvalue()


def test_capture_format(tmp_path: Path) -> None:
    meta = CaptureMeta(own_pn=Jid("1", Server.USER, device=2), push_name="Me", description="d")
    path = tmp_path / "c.wacap"
    with path.open("wb") as stream:
        writer = CaptureWriter(stream, meta)
        for n in range(3):
            writer.write(bytes([0, n]))
        with pytest.raises(ValueError, match="flags byte"):
            writer.write(b"")
    raw = path.read_bytes()
    assert raw.startswith(CAPTURE_MAGIC)
    read_meta, payloads = read_capture(path)
    assert read_meta == meta
    assert list(payloads) == [b"\x00\x00", b"\x00\x01", b"\x00\x02"]
    path.write_bytes(raw[:-1])
    with pytest.raises(CaptureError, match="ends inside a frame"):
        list(read_capture(path)[1])
    path.write_bytes(CAPTURE_MAGIC + b"\x00\x00\x02{]")
    with pytest.raises(CaptureError, match="bad capture metadata"):
        read_capture(path)
    path.write_bytes(CAPTURE_MAGIC)
    with pytest.raises(CaptureError, match="no metadata frame"):
        read_capture(path)


def test_replay_runs_as_a_program() -> None:
    result = processes.run(
        [sys.executable, "-m", "wabus.cli", "replay", "--sample", "--kinds", "connected"],
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"type":"connected"') == 3
