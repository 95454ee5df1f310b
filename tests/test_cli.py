"""The `wabus` command and the README's example bot, run as a user would run them."""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path

import pytest

from tests import processes
from wabus.cli import COMMANDS, EXTRAS, SUMMARIES, main
from wabus.core.events import EVENTS_BY_KIND

ROOT = Path(__file__).resolve().parent.parent


def test_run_demo_prints_each_event_and_exits_zero() -> None:
    result = processes.run(
        [sys.executable, "-m", "wabus.cli", "run", "--demo", "--interval", "0"], timeout=600
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    kinds = [m.group(1) for line in lines if (m := re.search(r"\[info\s*\] (\S+)", line))]
    assert kinds[:3] == ["pairing_qr_code", "pair_success", "connected"]
    assert "group_info_update" in kinds
    assert lines[-1] == f"demo finished: {len(kinds)} events handled, 0 handler errors"


def test_run_takes_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run", "--demo", "--simulator"])
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def _kinds(lines: list[str]) -> list[str]:
    """The event kinds the printing bot logged, in order."""
    found = (re.search(r"\[info\s*\] (\S+)", line) for line in lines)
    return [m.group(1) for m in found if m and m.group(1) in EVENTS_BY_KIND]


def test_run_against_the_simulator_pairs_answers_ping_and_exits_zero() -> None:
    result = processes.run(
        [sys.executable, "-m", "wabus.cli", "run", "--scan-delay", "0.1"], timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    kinds = _kinds(lines)
    assert kinds[:3] == ["pairing_qr_code", "pair_success", "connected"]
    assert "\u2580" in result.stdout  # the QR code, drawn with half blocks
    assert any("text=ping" in line for line in lines)
    assert any("answered ping with pong" in line for line in lines)
    assert {"history_sync", "group_info_update", "incoming_call", "malformed_stanza"} <= set(kinds)
    # The phone's app-state mutations, synced and printed.
    assert {"pin_update", "mute_update", "archive_update", "mark_chat_as_read_update"} <= set(kinds)
    summary = re.fullmatch(
        r"simulator session finished: (\d+) events of (\d+) kinds handled, 23 stanzas, "
        r"ping answered with pong, 0 handler errors",
        lines[-1],
    )
    assert summary, lines[-1]
    assert int(summary.group(2)) >= 20


def test_run_with_a_phone_number_pairs_by_code_instead_of_qr_code() -> None:
    result = processes.run(
        [sys.executable, "-m", "wabus.cli", "run", "--phone", "--scan-delay", "0.1"], timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert _kinds(lines)[:3] == ["pairing_code", "pair_success", "connected"]
    assert "\u2580" not in result.stdout  # no QR code drawn
    [shown] = [line for line in lines if line.startswith("Pairing code: ")]
    assert re.fullmatch(
        r"Pairing code: \w{4}-\w{4} \(type it on the phone within 3 minutes\)", shown
    )
    assert "ping answered with pong, 0 handler errors" in lines[-1]


def test_run_stops_cleanly_on_ctrl_c() -> None:
    command = [sys.executable, "-m", "wabus.cli", "run", "--scan-delay", "600", "--no-qr"]
    command += ["--timeout", "3600"]
    with processes.popen(command) as process:
        assert process.stdout is not None
        for line in process.stdout:  # wait until the bot shows the QR code, mid-pairing
            if "pairing_qr_code" in line:
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    assert out.splitlines()[-1].startswith("simulator session interrupted: 1 events of 1 kinds")


def test_the_example_bot_runs() -> None:
    result = processes.run([sys.executable, ROOT / "examples/echo_bot.py"], timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "connected",
        "Alice wrote in 15550000002@s.whatsapp.net: 6 bytes",
        "Bob wrote in 120363000000000001@g.us: 14 bytes",
    ]


def test_the_ping_bot_example_runs() -> None:
    result = processes.run([sys.executable, ROOT / "examples/ping_bot.py"], timeout=600)
    assert result.returncode == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if not re.match(r"\d{4}-", line)]
    assert printed == [
        "connected",
        "Alice wrote: ping",
        "the bot answered 15550000002@s.whatsapp.net: pong",
    ]


def test_the_readme_example_is_the_example_file() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "examples/echo_bot.py").read_text()
    for line in ("class EchoBot(EventHandler):", "async def on_message(self, event: Message)"):
        assert line in readme and line in example
    ping_bot = (ROOT / "examples/ping_bot.py").read_text()
    for line in (
        "client = Client(MemoryStore(), url=sim.url, trusted_roots=[sim.trusted_root])",
        "reply = await sim.expect_message(lambda m: m.chat == ALICE)",
    ):
        assert line in readme and line in ping_bot


_LOADED = """
import sys
from wabus.cli import COMMANDS, EXTRAS, SUMMARIES, main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""


def _modules_loaded_by(*argv: str) -> set[str]:
    """The modules a ``wabus`` command line imports (run in a fresh interpreter)."""
    result = processes.run([sys.executable, "-c", _LOADED, *argv], timeout=600)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_help_imports_no_subcommand_and_no_heavy_library() -> None:
    loaded = _modules_loaded_by("--help")
    heavy = {"structlog", "anyio", "pydantic", "wabus.core", "wabus.protocol", "wabus.handlers"}
    assert not {name for name in loaded if name.startswith(("wabus.cli._", *heavy))}
    assert "wabus.cli" in loaded


def test_a_subcommand_imports_only_itself() -> None:
    loaded = _modules_loaded_by("replay", "--help")
    own = {n for n in loaded if n.startswith("wabus.cli._")}
    # Itself, and at most the shared option types: no other subcommand.
    assert "wabus.cli._replay" in own
    assert own <= {"wabus.cli._options", "wabus.cli._replay"}
    assert not {n for n in loaded if n.startswith(("wabus.handlers", "wabus.simulator"))}


def test_the_summaries_are_the_modules_own(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib

    assert [module for module, _ in SUMMARIES.values()] == list(COMMANDS)
    for name, (module_name, summary) in SUMMARIES.items():
        module = importlib.import_module(module_name)
        assert (name, summary) == (module.NAME, module.HELP)
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps to the terminal's width
    for name, (_, summary) in SUMMARIES.items():
        assert name in text and summary in text


_WITHOUT_NATS = """
import sys
sys.modules["nats"] = None  # as if nats-py were not installed
from wabus.cli import COMMANDS, EXTRAS, SUMMARIES, main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("argv", [["worker", "--help"], ["bridge", "--source", "sample"]])
def test_a_missing_extra_names_the_extra_to_install(argv: list[str]) -> None:
    result = processes.run([sys.executable, "-c", _WITHOUT_NATS, *argv], timeout=600)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"wabus {argv[0]}: a dependency is missing" in result.stderr
    assert "pip install 'wabus-handlers[nats]'" in result.stderr
    assert EXTRAS[argv[0]] == "nats"
    # The other commands do not need it.
    result = processes.run([sys.executable, "-c", _WITHOUT_NATS, "--help"], timeout=600)
    assert result.returncode == 0 and "worker" in result.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--timeout", "-1"], "argument --timeout: must be greater than 0 seconds"),
        (["run", "--timeout", "0"], "argument --timeout: must be greater than 0 seconds"),
        (["run", "--timeout", "nan"], "expected a finite number of seconds"),
        (["run", "--scan-delay", "-0.5"], "argument --scan-delay: must be 0 seconds or more"),
        (["run", "--demo", "--interval", "x"], "expected a number of seconds, got 'x'"),
        (["gateway", "--interval", "-1"], "argument --interval: must be 0 seconds or more"),
        (["worker", "--plugin", "recorder", "--ack-wait", "0"], "must be greater than 0"),
        (["bridge", "--connect-timeout", "-2"], "must be greater than 0"),
    ],
)
def test_durations_that_make_no_sense_are_refused(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
