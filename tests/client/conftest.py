"""The store fixture: each test that takes `stores` runs once on SQLite and once on PostgreSQL.

`stores.open()` opens the test's store (a file in the test's directory, or account ``bot`` in a
fresh PostgreSQL schema: see `tests.postgres`), again and again as a restart would;
`stores.address` is the same store as ``wabus store`` and child processes take it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import postgres
from wabus.client import PortableStore, PostgresStore, SqliteStore


@dataclass(frozen=True)
class Stores:
    """Where one test keeps its device, and how to open it."""

    kind: str
    """``sqlite`` or ``postgres``."""
    address: str
    """The store's address, as `wabus.client.open_store` takes it."""
    account: str = "bot"

    def open(self, **options: float) -> PortableStore:
        """Open the store (``busy_timeout`` for SQLite, ``lock_wait`` for PostgreSQL)."""
        if self.kind == "sqlite":
            return SqliteStore(self.address.removeprefix("sqlite:"), **options)
        return PostgresStore(self.address, account=self.account, **options)


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """The test's store, on each backend in turn."""
    if request.param == "sqlite":
        yield Stores("sqlite", f"sqlite:{tmp_path / 'device.db'}")
        return
    with postgres.fresh_schema() as dsn:
        yield Stores("postgres", dsn)
