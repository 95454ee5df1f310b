"""The generated token table agrees with the protocol's tokens.json."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from wabus.protocol import _tokens

ROOT = Path(__file__).resolve().parents[2]
TOKENS_JSON = ROOT.parent / "shared" / "wire" / "tokens.json"


def _shared_tokens() -> dict[str, list[object]]:
    if not TOKENS_JSON.exists():
        if os.environ.get("WABUS_REQUIRE_SHARED"):
            pytest.fail(f"{TOKENS_JSON} is missing")
        pytest.skip(f"{TOKENS_JSON} is not beside this checkout")
    data: dict[str, list[object]] = json.loads(TOKENS_JSON.read_text())
    return data


def test_tables_equal_tokens_json() -> None:
    tokens = _shared_tokens()
    assert list(_tokens.SINGLE_BYTE) == tokens["single_byte"]
    assert [list(d) for d in _tokens.DOUBLE_BYTE] == tokens["double_byte"]


def test_committed_module_is_what_the_generator_writes() -> None:
    tokens = _shared_tokens()
    spec = importlib.util.spec_from_file_location(
        "gen_tokens", ROOT / "protocol/tools/gen_tokens.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    expected = generator.render(tokens)
    actual = (ROOT / "protocol/src/wabus/protocol/_tokens.py").read_text()
    assert actual == expected, "the token module is stale: run `make tokens`"


def test_known_tokens_sit_where_the_brief_says() -> None:
    single = _tokens.SINGLE_BYTE
    assert (single[1], single[2], single[3], single[19], single[76], single[157]) == (
        "xmlstreamstart",
        "xmlstreamend",
        "s.whatsapp.net",
        "message",
        "success",
        "stream:error",
    )
    double = _tokens.DOUBLE_BYTE
    assert (double[0][32], double[0][110], double[1][1], double[2][60]) == (
        "w:gp2",
        "account_sync",
        "dirty",
        "failure",
    )
    assert len(single) == 236 and all(len(d) == 256 for d in double)
    everything = list(single[1:]) + [t for d in double for t in d]
    assert len(set(everything)) == len(everything) == 1259
    for word in ("ib", "newsletter", "hosted"):  # travel as raw strings
        assert word not in everything
