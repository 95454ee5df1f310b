"""Fuzzing app-state sync: whatever the bytes, an `AppStateError` or the right result.

Random bytes and corrupted copies of valid patches and snapshots (a flipped byte, a cut, an
extension) either raise an `AppStateError` or decode to exactly what the valid input decodes
to: never another mutation, never an IndexError. Chains of patches delivered out of order stop
at the first patch that is not the next version. The LTHash is independent of order, and the
stored state reads back whatever it was.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from functools import cache

import pytest
from google.protobuf.message import DecodeError
from hypothesis import given
from hypothesis import strategies as st

from wabus.core import Jid, Node, Server
from wabus.core.events import BaseEvent, RawAppStateAction
from wabus.proto.syncd_pb2 import SyncActionValue, SyncdPatch
from wabus.protocol import (
    AppStateError,
    AppStateVersionMismatch,
    CollectionState,
    DecodedMutation,
    LocalAppStateError,
    MutationKeys,
    Operation,
    PatchDecode,
    SnapshotDecode,
    ValueDecryptError,
    ValueDecryptor,
    archive_chat,
    decode_patch,
    decode_snapshot,
    decrypt_value,
    encode_mutation,
    encrypt_value,
    lthash_update,
    mark_chat_read,
    mutation_event,
    parse_sync_reply,
    pin_chat,
)
from wabus.protocol.server import encode_snapshot

KEY_ID = b"\x00\x00\x00\x00\x13\x02"
KEY_DATA = bytes(range(1, 33))
KEYS = {KEY_ID: KEY_DATA}.get
AT = datetime(2026, 12, 1, tzinfo=UTC)


def _chat(n: int) -> Jid:
    return Jid(f"1555{n:07d}", Server.USER)


@cache
def _base_and_patch() -> tuple[CollectionState, bytes]:
    state = (
        archive_chat(_chat(1), True, AT)
        .encode(CollectionState("regular_low"), key_id=KEY_ID, key_data=KEY_DATA)
        .state
    )
    patch = pin_chat(_chat(2), True, AT).encode(state, key_id=KEY_ID, key_data=KEY_DATA)
    return state, patch.to_bytes()


@cache
def _snapshot() -> bytes:
    records = [
        encode_mutation(a.index, a.value, a.action_version, key_id=KEY_ID, key_data=KEY_DATA).record
        for n in range(4)
        for a in (pin_chat(_chat(n), True, AT), mark_chat_read(_chat(n), False, AT))
    ]
    return encode_snapshot("regular_low", 9, records, key_id=KEY_ID, key_data=KEY_DATA)


def _facts(decoded: PatchDecode) -> tuple[object, ...]:
    return (decoded.state, [(m.index, m.value.SerializeToString()) for m in decoded.mutations])


def _snapshot_facts(decoded: SnapshotDecode) -> tuple[object, ...]:
    return (decoded.state, [(m.index, m.value.SerializeToString()) for m in decoded.mutations()])


corruptions = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("extend"), st.integers(0, 10_000), st.integers(0, 255)),
)


def _corrupt(data: bytes, how: tuple[str, int, int]) -> bytes:
    kind, at, value = how
    at %= len(data)
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ value]) + data[at + 1 :]
    if kind == "cut":
        return data[:at]
    return data + bytes([value]) * (at % 7 + 1)


@given(st.binary(max_size=300))
def test_random_bytes_as_a_patch_raise_only_app_state_errors(data: bytes) -> None:
    state, _ = _base_and_patch()
    with contextlib.suppress(AppStateError):
        decode_patch(data, state, KEYS)


@given(st.binary(max_size=300))
def test_random_bytes_as_a_snapshot_raise_only_app_state_errors(data: bytes) -> None:
    try:
        decoded = decode_snapshot("regular", data, KEYS)
    except AppStateError:
        return
    assert list(decoded.mutations()) == []  # only an empty snapshot could verify by chance


@given(corruptions)
def test_a_corrupted_patch_is_refused_or_means_the_same(how: tuple[str, int, int]) -> None:
    state, data = _base_and_patch()
    expected = _facts(decode_patch(data, state, KEYS))
    corrupted = _corrupt(data, how)
    try:
        decoded = decode_patch(corrupted, state, KEYS)
    except AppStateError:
        return
    except LocalAppStateError:
        # The corruption made a reference to external mutations: the caller is told to
        # download them first (and that download is where such a patch fails).
        assert SyncdPatch.FromString(corrupted).HasField("externalMutations")
        return
    assert _facts(decoded) == expected


@given(corruptions)
def test_a_corrupted_snapshot_is_refused_or_means_the_same(how: tuple[str, int, int]) -> None:
    data = _snapshot()
    expected = _snapshot_facts(decode_snapshot("regular_low", data, KEYS))
    try:
        decoded = decode_snapshot("regular_low", _corrupt(data, how), KEYS)
    except AppStateError:
        return
    assert _snapshot_facts(decoded) == expected


@given(st.permutations(range(4)))
def test_out_of_order_patches_stop_at_the_first_one_out_of_place(order: list[int]) -> None:
    state = CollectionState("regular_low")
    start = state
    patches = []
    for n in range(4):
        encoded = pin_chat(_chat(n), n % 2 == 0, AT).encode(state, key_id=KEY_ID, key_data=KEY_DATA)
        patch = encoded.patch
        patch.version.version = encoded.state.version
        patches.append(patch.SerializeToString())
        state = encoded.state
    current = start
    events: list[BaseEvent] = []
    for position, n in enumerate(order):
        if n != position:
            with pytest.raises(AppStateVersionMismatch) as caught:
                decode_patch(patches[n], current, KEYS)
            assert (caught.value.expected, caught.value.got) == (position + 1, n + 1)
            break
        result = decode_patch(patches[n], current, KEYS)
        current = result.state
        events.extend(mutation_event(m) for m in result.mutations)
    assert len(events) == current.version
    assert all(getattr(e, "jid", None) == _chat(i) for i, e in enumerate(events))


@given(
    st.lists(st.binary(min_size=32, max_size=32), max_size=12),
    st.randoms(use_true_random=False),
)
def test_the_lthash_is_independent_of_order_and_subtraction_undoes_addition(
    macs: list[bytes], rng: object
) -> None:
    shuffled = list(macs)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    zero = bytes(128)
    assert lthash_update(zero, add=macs) == lthash_update(zero, add=shuffled)
    assert lthash_update(lthash_update(zero, add=macs), subtract=shuffled) == zero


@given(st.binary(max_size=200))
def test_a_stored_state_reads_back_or_is_refused(data: bytes) -> None:
    try:
        state = CollectionState.from_bytes(data)
    except LocalAppStateError:
        return
    assert CollectionState.from_bytes(state.to_bytes()) == state


@given(st.binary(max_size=120), st.sampled_from(["snapshot", "patch", "patches"]))
def test_a_sync_reply_with_garbage_inside_raises_only_app_state_errors(
    data: bytes, where: str
) -> None:
    inner = Node("patch", None, data) if where == "patches" else None
    child = Node(where, None, [inner] if inner is not None else data)
    reply = Node(
        "iq", None, [Node("sync", None, [Node("collection", {"name": "regular"}, [child])])]
    )
    try:
        (collection,) = parse_sync_reply(reply)
    except AppStateError:
        return
    assert collection.name == "regular"


@given(st.binary(max_size=100), st.binary(min_size=16, max_size=16))
def test_the_value_decryptor_undoes_cbc_encryption(plaintext: bytes, iv: bytes) -> None:
    keys = MutationKeys.expand(KEY_DATA)
    encrypted = encrypt_value(keys, plaintext, iv)
    assert ValueDecryptor(keys).decrypt(encrypted) == plaintext == decrypt_value(keys, encrypted)


@given(st.binary(max_size=80))
def test_the_value_decryptor_refuses_what_is_not_a_value(data: bytes) -> None:
    keys = MutationKeys.expand(KEY_DATA)
    try:
        plaintext = ValueDecryptor(keys).decrypt(data)
    except ValueDecryptError:
        return
    assert encrypt_value(keys, plaintext, data[:16]) == data  # it was one after all


_ACTION_NAMES = st.sampled_from(
    [
        "pin_v1",
        "mute",
        "archive",
        "star",
        "markChatAsRead",
        "deleteChat",
        "clearChat",
        "deleteMessageForMe",
        "contact",
        "setting_pushName",
        "setting_locale",
        "label_edit",
        "label_jid",
        "label_message",
        "lock",
        "",
    ]
)


_V = SyncActionValue
_ACTIONS = st.sampled_from(
    [
        _V(pinAction=_V.PinAction(pinned=True)).SerializeToString(),
        _V(muteAction=_V.MuteAction(muted=True, muteEndTimestamp=2**62)).SerializeToString(),
        _V(muteAction=_V.MuteAction(muted=True, muteEndTimestamp=-5)).SerializeToString(),
        _V(archiveChatAction=_V.ArchiveChatAction(archived=True)).SerializeToString(),
        _V(starAction=_V.StarAction(starred=True)).SerializeToString(),
        _V(deleteChatAction=_V.DeleteChatAction()).SerializeToString(),
        _V(clearChatAction=_V.ClearChatAction()).SerializeToString(),
        _V(
            deleteMessageForMeAction=_V.DeleteMessageForMeAction(messageTimestamp=-(2**62))
        ).SerializeToString(),
        _V(contactAction=_V.ContactAction(fullName="A", lidJid="not a jid")).SerializeToString(),
        _V(pushNameSetting=_V.PushNameSetting(name="n")).SerializeToString(),
        _V(localeSetting=_V.LocaleSetting(locale="en")).SerializeToString(),
        _V(labelEditAction=_V.LabelEditAction(name="l", color=-1)).SerializeToString(),
        _V(labelAssociationAction=_V.LabelAssociationAction(labeled=True)).SerializeToString(),
    ]
)
_INDEX_PARTS = st.one_of(
    st.sampled_from(["15550000002@s.whatsapp.net", "120363000000000001@g.us", "1", "0", "x@lid"]),
    st.text(max_size=20),
)


@given(
    st.lists(_INDEX_PARTS, max_size=6),
    _ACTION_NAMES,
    st.one_of(_ACTIONS, st.binary(max_size=60)),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from(list(Operation)),
)
def test_any_verified_mutation_becomes_exactly_one_event(
    rest: list[str], name: str, value: bytes, timestamp: int, operation: Operation
) -> None:
    try:
        action = SyncActionValue.FromString(value)
    except DecodeError:
        action = SyncActionValue()
    action.timestamp = timestamp
    mutation = DecodedMutation(
        collection="regular",
        version=1,
        operation=operation,
        index=(name, *rest),
        value=action,
        action_version=None,
        index_mac=bytes(32),
        value_mac=bytes(32),
        from_full_sync=False,
    )
    event = mutation_event(mutation)
    assert isinstance(event, BaseEvent)
    if isinstance(event, RawAppStateAction):
        assert event.index == mutation.index
        assert SyncActionValue.FromString(event.value) == action
