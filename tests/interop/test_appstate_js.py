"""wabus's app-state sync (syncd) against Baileys 7.0.0-rc14's own functions.

Known answers from an independent implementation: the key expansion and the LTHash as
whatsapp-rust-bridge computes them for Baileys, and every MAC through whole patches, both
directions: wabus decodes (verifying every MAC) what Baileys' ``encodeSyncdPatch`` made, and
Baileys' ``decodePatches`` / ``decodeSyncdSnapshot`` (with MAC verification on) read what wabus
made, ending in the same collection state, with ``processSyncAction`` giving the events a
Baileys app would see. Baileys only logs a MAC mismatch, so its warnings are collected and
must be empty.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests import processes
from tests.interop.conftest import JS, JsPeer, b64, node_executable, unb64
from wabus.core import Jid, Server
from wabus.core.events import (
    ArchiveUpdate,
    DeleteChatUpdate,
    MarkChatAsReadUpdate,
    MuteUpdate,
    PinUpdate,
    StarUpdate,
)
from wabus.proto.syncd_pb2 import SyncdPatch
from wabus.protocol import (
    AppStateAction,
    AppStateMacMismatch,
    CollectionState,
    MutationKeys,
    archive_chat,
    decode_patch,
    decode_snapshot,
    delete_chat,
    encode_mutation,
    encode_patch,
    lthash_update,
    mark_chat_read,
    mutation_event,
    mute_chat,
    pin_chat,
    star_message,
)
from wabus.protocol.server import encode_snapshot

pytestmark = pytest.mark.timeout(300)

KEY_ID = bytes.fromhex("00000000a1b2")
KEY_DATA = bytes(range(100, 132))
KEYS = {b64(KEY_ID): b64(KEY_DATA)}
CHAT = Jid("15550002222", Server.USER)
AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def peer() -> Iterator[JsPeer]:
    node = node_executable()
    with processes.popen(
        [node, "appstate_peer.mjs"], cwd=JS, stdin=processes.PIPE, stderr=processes.DEVNULL
    ) as process:
        yield JsPeer(process)


def _to_js(state: CollectionState) -> dict[str, Any]:
    return {
        "version": state.version,
        "hash": b64(state.lthash),
        "indexValueMap": {b64(k): b64(v) for k, v in state.values.items()},
    }


def _from_js(name: str, data: dict[str, Any]) -> CollectionState:
    values = {unb64(k): unb64(v) for k, v in data["indexValueMap"].items()}
    return CollectionState(name, data["version"], unb64(data["hash"]), values)


def test_key_expansion_matches_whatsapp_rust_bridge(peer: JsPeer) -> None:
    rng = random.Random(13)
    for _ in range(8):
        key_data = rng.randbytes(32)
        theirs = peer.call("expand", keyData=b64(key_data))
        ours = MutationKeys.expand(key_data)
        assert unb64(theirs["indexKey"]) == ours.index_key
        assert unb64(theirs["valueEncryptionKey"]) == ours.value_encryption_key
        assert unb64(theirs["valueMacKey"]) == ours.value_mac_key
        assert unb64(theirs["snapshotMacKey"]) == ours.snapshot_mac_key
        assert unb64(theirs["patchMacKey"]) == ours.patch_mac_key


def test_lthash_matches_whatsapp_rust_bridge(peer: JsPeer) -> None:
    rng = random.Random(14)
    for count in (0, 1, 5, 40):
        base = rng.randbytes(128)
        add = [rng.randbytes(32) for _ in range(count)]
        subtract = [rng.randbytes(32) for _ in range(count // 2 + 1)]
        theirs = peer.call(
            "lthash", hash=b64(base), add=[b64(m) for m in add], subtract=[b64(m) for m in subtract]
        )
        assert unb64(theirs["hash"]) == lthash_update(base, add=add, subtract=subtract)


# Baileys encodes, wabus decodes (and verifies every MAC) ------------------------------------

BAILEYS_ACTIONS: list[tuple[str, list[str], dict[str, Any], int, type]] = [
    ("regular_low", ["pin_v1", str(CHAT)], {"pinAction": {"pinned": True}}, 5, PinUpdate),
    (
        "regular_high",
        ["mute", str(CHAT)],
        {"muteAction": {"muted": True, "muteEndTimestamp": 1_800_000_000_000}},
        2,
        MuteUpdate,
    ),
    (
        "regular_low",
        ["archive", str(CHAT)],
        {"archiveChatAction": {"archived": True}},
        3,
        ArchiveUpdate,
    ),
    (
        "regular_low",
        ["star", str(CHAT), "3EB0AA", "1", "0"],
        {"starAction": {"starred": True}},
        2,
        StarUpdate,
    ),
    (
        "regular_low",
        ["markChatAsRead", str(CHAT)],
        {"markChatAsReadAction": {"read": False}},
        3,
        MarkChatAsReadUpdate,
    ),
    ("regular_high", ["deleteChat", str(CHAT), "1"], {"deleteChatAction": {}}, 6, DeleteChatUpdate),
]


@pytest.mark.parametrize(
    ("name", "index", "action", "api", "kind"),
    BAILEYS_ACTIONS,
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_wabus_decodes_what_baileys_encodes(
    peer: JsPeer, name: str, index: list[str], action: dict[str, Any], api: int, kind: type
) -> None:
    state = CollectionState(name)
    for step in range(3):  # the same index again: the LTHash subtracts the old value MAC
        action = {**action, "timestamp": 1_764_590_000_000 + step}
        reply = peer.call(
            "encode",
            keyId=b64(KEY_ID),
            keyData=b64(KEY_DATA),
            state=_to_js(state),
            name=name,
            index=index,
            action=action,
            apiVersion=api,
            operation=0,
        )
        data = unb64(reply["patch"])
        decoded = decode_patch(data, state, {KEY_ID: KEY_DATA}.get)
        assert decoded.state == _from_js(name, reply["state"])
        (mutation,) = decoded.mutations
        # With the IV Baileys drew, wabus encodes the very same bytes.
        iv = SyncdPatch.FromString(data).mutations[0].record.value.blob[:16]
        again = encode_patch(
            state, index, mutation.value, api, key_id=KEY_ID, key_data=KEY_DATA, iv=iv
        )
        assert again.to_bytes() == data
        assert list(mutation.index) == index
        assert mutation.action_version == api
        event = mutation_event(mutation)
        assert type(event) is kind
        state = decoded.state
    assert state.version == 3 and len(state.values) == 1


# wabus encodes, Baileys decodes (with MAC verification) -------------------------------------

WABUS_ACTIONS: list[tuple[AppStateAction, str, dict[str, Any]]] = [
    (pin_chat(CHAT, True, AT), "chats.update", {"pinned": int(AT.timestamp() * 1000)}),
    (
        mute_chat(CHAT, datetime(2027, 1, 1, tzinfo=UTC), AT),
        "chats.update",
        {"muteEndTime": int(datetime(2027, 1, 1, tzinfo=UTC).timestamp() * 1000)},
    ),
    (archive_chat(CHAT, True, AT), "chats.update", {"archived": True}),
    (mark_chat_read(CHAT, False, AT), "chats.update", {"unreadCount": -1}),
    (star_message(CHAT, "3EB0BB", False, True, AT), "messages.update", {}),
    (delete_chat(CHAT, AT), "chats.delete", {}),
]


@pytest.mark.parametrize(
    ("action", "event", "fields"),
    WABUS_ACTIONS,
    ids=lambda v: v.index[0] if isinstance(v, AppStateAction) else None,
)
def test_baileys_decodes_what_wabus_encodes(
    peer: JsPeer, action: AppStateAction, event: str, fields: dict[str, Any]
) -> None:
    state = CollectionState(action.collection)
    patches = []
    for _ in range(2):
        encoded = action.encode(state, key_id=KEY_ID, key_data=KEY_DATA)
        patches.append(b64(encoded.to_bytes()))
        state = encoded.state
    reply = peer.call(
        "decodePatches",
        name=action.collection,
        patches=patches,
        state=_to_js(CollectionState(action.collection)),
        keys=KEYS,
    )
    assert reply["warnings"] == []
    assert _from_js(action.collection, reply["state"]) == state
    (mutation,) = reply["mutations"]
    assert tuple(mutation["index"]) == action.index
    names = [name for name, _ in reply["events"]]
    assert names == [event]
    payload = reply["events"][0][1]
    if event == "chats.update":
        (update,) = payload
        assert update["id"] == str(CHAT)
        assert {k: update[k] for k in fields} == fields
    elif event == "messages.update":
        (update,) = payload
        assert update["key"] == {"remoteJid": str(CHAT), "id": "3EB0BB", "fromMe": False}
        assert update["update"] == {"starred": True}
    else:
        assert payload == [str(CHAT)]


def test_baileys_reads_a_wabus_snapshot_and_wabus_reads_it_too(peer: JsPeer) -> None:
    chats = [Jid(f"1555000{n:04d}", Server.USER) for n in range(50)]
    records = [
        encode_mutation(a.index, a.value, a.action_version, key_id=KEY_ID, key_data=KEY_DATA).record
        for chat in chats
        for a in (pin_chat(chat, True, AT), archive_chat(chat, False, AT))
    ]
    data = encode_snapshot("regular_low", 77, records, key_id=KEY_ID, key_data=KEY_DATA)
    reply = peer.call("decodeSnapshot", name="regular_low", snapshot=b64(data), keys=KEYS)
    assert reply["warnings"] == []
    assert reply["count"] == 100
    ours = decode_snapshot("regular_low", data, {KEY_ID: KEY_DATA}.get)
    assert ours.state == _from_js("regular_low", reply["state"])
    assert sum(1 for _ in ours.mutations()) == 100


def test_a_tampered_patch_is_refused_by_wabus_and_only_logged_by_baileys(peer: JsPeer) -> None:
    state = CollectionState("regular_low")
    encoded = pin_chat(CHAT, True, AT).encode(state, key_id=KEY_ID, key_data=KEY_DATA)
    patch = encoded.patch
    patch.snapshotMac = bytes(32)
    data = patch.SerializeToString()
    # The patch MAC covers the snapshot MAC: both sides see the patch MAC fail first.
    with pytest.raises(AppStateMacMismatch) as caught:
        decode_patch(data, state, {KEY_ID: KEY_DATA}.get)
    assert caught.value.which == "patch"
    reply = peer.call(
        "decodePatches", name="regular_low", patches=[b64(data)], state=_to_js(state), keys=KEYS
    )
    assert reply["mutations"] == [] and reply["events"] == []
    assert any("failed to decode patch" in w for w in reply["warnings"])


def test_random_keys_and_ivs_round_trip_through_baileys(peer: JsPeer) -> None:
    for _ in range(5):
        key_id, key_data = os.urandom(6), os.urandom(32)
        state = CollectionState("regular_low")
        encoded = pin_chat(CHAT, False, AT).encode(state, key_id=key_id, key_data=key_data)
        reply = peer.call(
            "decodePatches",
            name="regular_low",
            patches=[b64(encoded.to_bytes())],
            state=_to_js(state),
            keys={b64(key_id): b64(key_data)},
        )
        assert reply["warnings"] == []
        assert _from_js("regular_low", reply["state"]) == encoded.state


def test_the_vector_script_still_writes_the_committed_known_answers() -> None:
    """``tests/vectors/appstate_baileys.json`` is what make_appstate_vectors.mjs writes: its
    fixed part exactly (the patches differ by their random IVs, and must still decode)."""
    node = node_executable()
    result = processes.run([node, "make_appstate_vectors.mjs"], cwd=JS, timeout=120)
    assert result.returncode == 0, result.stderr
    fresh = json.loads(result.stdout)
    committed = json.loads((JS.parent.parent / "vectors" / "appstate_baileys.json").read_text())
    for part in ("source", "expansions", "lthashes", "keyId", "keyData"):
        assert fresh[part] == committed[part], part
    state = CollectionState("regular_low")
    keys = {bytes.fromhex(fresh["keyId"]): bytes.fromhex(fresh["keyData"])}.get
    for vector in fresh["patches"]:
        state = decode_patch(bytes.fromhex(vector["patch"]), state, keys).state
        assert state.lthash.hex() == vector["after"]["hash"]
