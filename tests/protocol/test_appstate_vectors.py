"""App-state sync against known answers written by Baileys 7.0.0-rc14 (no Node.js needed).

``tests/vectors/appstate_baileys.json`` was written by
``tests/interop/js/make_appstate_vectors.mjs``: key expansions and LTHash updates computed by
whatsapp-rust-bridge (what Baileys calls), and a chain of four patches from Baileys'
``encodeSyncdPatch`` (a pin, an archive, the pin overwritten, the archive removed) with the
collection state before and after each. wabus must give the same keys and hashes, decode each
patch (every MAC verified) to the same state, and encode the same mutation with the patch's own
IV to the very same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wabus.proto.syncd_pb2 import SyncdPatch
from wabus.protocol import (
    CollectionState,
    MutationKeys,
    Operation,
    decode_patch,
    encode_patch,
    lthash_update,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "appstate_baileys.json").read_text()
)
KEY_ID = bytes.fromhex(VECTORS["keyId"])
KEY_DATA = bytes.fromhex(VECTORS["keyData"])


def _state(name: str, data: dict[str, Any]) -> CollectionState:
    values = {bytes.fromhex(k): bytes.fromhex(v) for k, v in data["values"].items()}
    return CollectionState(name, data["version"], bytes.fromhex(data["hash"]), values)


@pytest.mark.parametrize("vector", VECTORS["expansions"], ids=lambda v: v["keyData"][:8])
def test_key_expansion(vector: dict[str, str]) -> None:
    keys = MutationKeys.expand(bytes.fromhex(vector["keyData"]))
    assert keys.index_key.hex() == vector["indexKey"]
    assert keys.value_encryption_key.hex() == vector["valueEncryptionKey"]
    assert keys.value_mac_key.hex() == vector["valueMacKey"]
    assert keys.snapshot_mac_key.hex() == vector["snapshotMacKey"]
    assert keys.patch_mac_key.hex() == vector["patchMacKey"]


@pytest.mark.parametrize("vector", VECTORS["lthashes"], ids=lambda v: str(len(v["add"])))
def test_lthash(vector: dict[str, Any]) -> None:
    result = lthash_update(
        bytes.fromhex(vector["hash"]),
        add=[bytes.fromhex(m) for m in vector["add"]],
        subtract=[bytes.fromhex(m) for m in vector["subtract"]],
    )
    assert result.hex() == vector["result"]


@pytest.mark.parametrize(
    "vector", VECTORS["patches"], ids=lambda v: f"{v['index'][0]}-op{v['operation']}"
)
def test_baileys_patches_decode_and_re_encode_to_the_same_bytes(vector: dict[str, Any]) -> None:
    name = vector["name"]
    before = _state(name, vector["before"])
    after = _state(name, vector["after"])
    data = bytes.fromhex(vector["patch"])
    decoded = decode_patch(data, before, {KEY_ID: KEY_DATA}.get)
    assert (decoded.state.version, decoded.state.lthash) == (after.version, after.lthash)
    operation = Operation(vector["operation"])
    if operation is Operation.SET:
        assert decoded.state == after
    else:
        # Baileys' encoder puts a removed index back into its map (with the REMOVE's value
        # MAC) after taking it out of the LTHash; wabus forgets it, as its decoder does.
        (sealed,) = SyncdPatch.FromString(data).mutations
        removed = sealed.record.index.blob
        assert removed not in decoded.state.values
        assert {**decoded.state.values, removed: after.values[removed]} == dict(after.values)
    (mutation,) = decoded.mutations
    assert list(mutation.index) == vector["index"]
    assert mutation.operation is operation
    iv = SyncdPatch.FromString(data).mutations[0].record.value.blob[:16]
    again = encode_patch(
        before,
        mutation.index,
        mutation.value,
        vector["apiVersion"],
        key_id=KEY_ID,
        key_data=KEY_DATA,
        operation=operation,
        iv=iv,
    )
    assert again.to_bytes() == data
