"""The machine's PostgreSQL for tests: a fresh schema per test, dropped after it.

`WABUS_TEST_POSTGRES` is the server's address (default: the local server on 127.0.0.1:5432 as
``postgres``, trust auth, as ``.ci/run`` makes sure it answers). When it does not answer, the
tests that need it skip, saying so, unless ``WABUS_REQUIRE_POSTGRES=1`` (CI), where they fail.

`fresh_schema` makes a schema with a random name and gives a DSN whose ``search_path`` is that
schema only: the store's tables land there, and a child process given the DSN sees the same
ones. The schema and everything in it are dropped when the test ends, however it ends.
"""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

__all__ = ["BASE_DSN", "fresh_schema", "in_schema", "require"]

BASE_DSN = os.environ.get("WABUS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _unreachable() -> str | None:
    """Why PostgreSQL at `BASE_DSN` cannot be used, or None when it answers."""
    try:
        with psycopg.connect(BASE_DSN, connect_timeout=5, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as err:
        return f"PostgreSQL at {BASE_DSN} does not answer: {str(err).strip().splitlines()[0]}"
    return None


def require() -> None:
    """Skip the calling test when PostgreSQL does not answer (fail instead under CI's
    ``WABUS_REQUIRE_POSTGRES=1``)."""
    reason = _unreachable()
    if reason is None:
        return
    if os.environ.get("WABUS_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def in_schema(schema: str) -> str:
    """`BASE_DSN` with ``search_path`` set to `schema` (a URL: the CLI takes it as it is)."""
    parts = urllib.parse.urlsplit(BASE_DSN)
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A new, empty schema for one test: its DSN (see the module doc)."""
    require()
    schema = f"wabus_test_{secrets.token_hex(6)}"
    with psycopg.connect(BASE_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield in_schema(schema)
    finally:
        with psycopg.connect(BASE_DSN, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
