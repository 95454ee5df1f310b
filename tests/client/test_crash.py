"""A bot killed (SIGKILL) again and again in the middle of an encrypted stream loses no message
and corrupts no ratchet: what it had not acknowledged the server delivers again, and every
message is decrypted and handled at least once.

The child process (`tests.client.crash_child`) journals each handled message to disk before
its handler returns; the test kills it whenever the journal has grown, at points that fall
anywhere between reading a stanza, decrypting it, committing the ratchet, handling it and
acknowledging it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import anyio.abc
import pytest

from tests import processes
from tests.client.conftest import Stores
from tests.client.test_e2e import first_text, ready
from tests.client.test_session import live, make_client
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

MESSAGES = 120
KILLS = 8


def journal(path: Path) -> list[tuple[str, str, str]]:
    """The complete lines of the child's journal: (kind, id, rest)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]  # the last may be half-written
    entries = []
    for line in lines:
        kind, _, rest = line.partition(" ")
        message_id, _, text = rest.partition(" ")
        entries.append((kind, message_id, text))
    return entries


def child_command(store: str, sim: Simulator, out: Path) -> list[str]:
    root = sim.trusted_root.key.hex()
    return [sys.executable, "-m", "tests.client.crash_child", store, sim.url, root, str(out)]


def handled_ids(out: Path) -> set[str]:
    return {message_id for kind, message_id, _ in journal(out) if kind == "ok"}


async def test_a_bot_killed_mid_stream_loses_nothing_and_decrypts_everything(
    tmp_path: Path, anyio_backend: str, stores: Stores
) -> None:
    if anyio_backend != "asyncio":
        pytest.skip("one backend is enough for a test of the process")
    out = tmp_path / "journal.txt"
    async with Simulator() as sim:
        # Pair in-process, with a session to ALICE's phone already open.
        with stores.open() as device:
            client = make_client(sim, device)
            async with live(sim, client) as (_, events):
                await ready(sim, client, events)
                await sim.send_message(ALICE, "warm-up")
                await first_text(events, "warm-up")
            assert client.state is not None and client.state.pn is not None
            me = client.state.pn
        await sim.wait_disconnected()

        sent: list[str] = []
        command = child_command(stores.address, sim, out)
        async with anyio.create_task_group() as tasks:

            async def stream() -> None:
                for n in range(MESSAGES):
                    sent.append(await sim.send_message(ALICE, f"message {n}", to=me))
                    if n % 10 == 9:
                        await anyio.sleep(0)  # let the killer in between

            tasks.start_soon(stream)
            for kill_number in range(KILLS):
                # Each life ends its process group on the way out, even if the test fails.
                async with processes.open_process(command, stdout=None, stderr=None) as child:
                    # Kill it once it has handled more, whatever it is doing at that moment.
                    target = (kill_number + 1) * MESSAGES // (KILLS + 1)
                    with anyio.fail_after(120):
                        while len(handled_ids(out)) < target:
                            if child.returncode is not None:
                                pytest.fail(f"the bot exited by itself ({child.returncode})")
                            await anyio.sleep(0.01)
                    processes.kill_group(child.pid)  # SIGKILL, mid-whatever
                    await child.wait()
            # The last life: everything arrives.
            async with processes.open_process(command, stdout=None, stderr=None):
                with anyio.fail_after(120):
                    while len(sent) < MESSAGES or not set(sent) <= handled_ids(out):
                        await anyio.sleep(0.02)

    lines = journal(out)
    handled = {i: text for kind, i, text in lines if kind == "ok"}
    assert set(sent) <= set(handled)  # nothing lost
    assert [handled[i] for i in sent] == [f"message {n}" for n in range(MESSAGES)]
    # Never a message that could not be decrypted: no ratchet was corrupted by a kill.
    assert [line for line in lines if line[0] == "undecryptable"] == []
