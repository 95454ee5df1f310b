"""The device store per message: SQLite against PostgreSQL, and many accounts on one connection.

The work per message is what the client does for each one it receives: read the session,
step it (a real `SignalCipher` encryption here), then one `commit` with the new session
record, the plaintext kept in the inbox and the previous message's inbox entry forgotten (it
was acknowledged). Both stores are durable: SQLite in WAL mode with ``synchronous=FULL`` (an
fsync per commit), PostgreSQL as the machine runs it (its own ``fsync`` and
``synchronous_commit``, printed). Then: how long opening N accounts on one `PostgresDatabase`
takes, and how many server connections they use (one).

PostgreSQL is the machine's, on 127.0.0.1:5432 (``$WABUS_TEST_POSTGRES`` for another), in a
schema of its own dropped afterwards; without one it says so and measures SQLite alone.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from wabus.client import DeviceState, PortableStore, PostgresDatabase, PostgresStore, SqliteStore
from wabus.protocol import (
    MemorySignalStore,
    PreKeyBundle,
    ProtocolAddress,
    SignalChanges,
    SignalCipher,
)

DSN = os.environ.get("WABUS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
PEER = ProtocolAddress("15550001111", 0)
PLAINTEXT = bytes([7]) * 200


def _per_message(store: PortableStore, count: int) -> dict[str, float]:
    """Microseconds per message: the session read, and the commit (best of 3 rounds)."""
    state = DeviceState.new()
    store.save(state)
    signal = store.signal_state(state)
    cipher = SignalCipher(signal, auto_apply=False)
    peer = MemorySignalStore()
    signed = peer.current_signed_prekey()
    assert signed is not None
    signal.apply(cipher.start_session(PEER, PreKeyBundle.of(peer.local_identity(), signed)).changes)
    best = {"read session": float("inf"), "commit": float("inf")}
    previous: list[str] = []
    for _ in range(3):
        read = commit = 0
        for n in range(count):
            start = time.perf_counter_ns()
            assert signal.get_session(PEER) is not None
            read += time.perf_counter_ns() - start
            changes: SignalChanges = cipher.encrypt(PEER, PLAINTEXT).changes
            key = f"chat|sender|{n}"
            start = time.perf_counter_ns()
            signal.commit(changes, {key: PLAINTEXT}, previous)
            commit += time.perf_counter_ns() - start
            previous = [key]
        best["read session"] = min(best["read session"], read / count / 1000)
        best["commit"] = min(best["commit"], commit / count / 1000)
    return best


def _in_schema(schema: str) -> str:
    parts = urllib.parse.urlsplit(DSN)
    query = [*urllib.parse.parse_qsl(parts.query), ("options", f"-csearch_path={schema}")]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _postgres(work: Callable[[str], None]) -> bool:
    """Run `work` with the DSN of a fresh schema (dropped after); False without PostgreSQL."""
    import psycopg

    try:
        admin = psycopg.connect(DSN, autocommit=True, connect_timeout=5)
    except psycopg.Error as err:
        print(f"skipped PostgreSQL: {str(err).strip().splitlines()[0]} (.ci/run starts one)")
        return False
    schema = f"wabus_bench_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            settings = admin.execute(
                "SELECT current_setting('server_version'), current_setting('fsync'),"
                " current_setting('synchronous_commit')"
            ).fetchone()
            assert settings is not None
            print(
                f"PostgreSQL {settings[0]}: fsync={settings[1]}, synchronous_commit={settings[2]}"
            )
            work(_in_schema(schema))
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return True


def main(quick: bool = False) -> None:
    count = 20 if quick else 1000
    accounts = 10 if quick else 500
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "device.db") as sqlite:
        results["SQLite"] = _per_message(sqlite, count)

    opening: list[str] = []

    def on_postgres(dsn: str) -> None:
        with PostgresStore(dsn, account="bench") as store:
            results["PostgreSQL"] = _per_message(store, count)
        with PostgresDatabase(dsn) as database:
            start = time.perf_counter()
            stores = [PostgresStore(database, account=f"bot-{n}") for n in range(accounts)]
            took = time.perf_counter() - start
            for store in stores:
                store.close()
        opening.append(
            f"{accounts} accounts opened on one PostgresDatabase (one server connection):"
            f" {took * 1000:.0f} ms, {took / accounts * 1e6:.0f} us each"
        )

    _postgres(on_postgres)
    print(f"per message, best of 3 rounds of {count} (microseconds):")
    print(f"  {'store':<12}{'read session':>14}{'commit':>10}{'messages/s':>12}")
    for name, row in results.items():
        rate = 1e6 / (row["read session"] + row["commit"])
        print(f"  {name:<12}{row['read session']:>14.1f}{row['commit']:>10.1f}{rate:>12.0f}")
    for line in opening:
        print(line)
