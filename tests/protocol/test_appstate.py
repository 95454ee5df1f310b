"""App-state sync, sans-IO: decoding, verification, recovery, events, requests and keys.

The known answers against an independent implementation are in
tests/interop/test_appstate_js.py; these tests pin wabus's own behaviour: each failure gives its
typed error and recovery and no mutation, each action its event.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wabus.core import Jid, Node, Server
from wabus.core.events import (
    ArchiveUpdate,
    BaseEvent,
    ClearChatUpdate,
    ContactUpdate,
    DeleteChatUpdate,
    DeleteMessageForMeUpdate,
    LabelAssociationUpdate,
    LabelEditUpdate,
    LocaleUpdate,
    MarkChatAsReadUpdate,
    MuteUpdate,
    PinUpdate,
    RawAppStateAction,
    SelfPushNameUpdated,
    StarUpdate,
)
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.proto.syncd_pb2 import ExternalBlobReference, SyncActionValue, SyncdMutations, SyncdPatch
from wabus.protocol import (
    APP_STATE_XMLNS,
    COLLECTIONS,
    AppStateError,
    AppStateKey,
    AppStateKeyMissing,
    AppStateMacMismatch,
    AppStateRefused,
    AppStateVersionMismatch,
    Collection,
    CollectionState,
    DecodedMutation,
    LocalAppStateError,
    MalformedAppState,
    MutationKeys,
    Operation,
    Recovery,
    app_state_key_request,
    app_state_patch_request,
    app_state_sync_request,
    apply_sync_reply,
    archive_chat,
    decode_patch,
    decode_snapshot,
    delete_chat,
    encode_mutation,
    encode_patch,
    keys_from_share,
    lthash_update,
    mark_chat_read,
    mutation_event,
    mute_chat,
    newest_key,
    parse_server_sync,
    parse_sync_reply,
    patch_mac,
    pin_chat,
    star_message,
)
from wabus.protocol.server import encode_snapshot

KEY_ID = b"\x00\x00\x00\x00\x13\x01"
KEY_DATA = bytes(range(32))
KEYS = {KEY_ID: KEY_DATA}.get
NO_KEYS: dict[bytes, bytes] = {}
CHAT = Jid("15550002222", Server.USER)
GROUP = Jid("120363000000000001", Server.GROUP)
AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
AT_MS = int(AT.timestamp() * 1000)


def test_collections_are_the_five() -> None:
    assert [str(c) for c in COLLECTIONS] == [
        "critical_block",
        "critical_unblock_low",
        "regular_high",
        "regular_low",
        "regular",
    ]


def test_a_chain_of_patches_decodes_to_the_state_the_encoder_predicted() -> None:
    state = CollectionState("regular_low")
    start = state
    patches = []
    for action in (
        pin_chat(CHAT, True, AT),
        archive_chat(CHAT, True, AT),
        pin_chat(CHAT, False, AT),  # overwrites the first pin: its value MAC leaves the LTHash
        mark_chat_read(GROUP, True, AT),
    ):
        encoded = action.encode(state, key_id=KEY_ID, key_data=KEY_DATA)
        assert encoded.base_version == state.version
        patches.append(encoded.to_bytes())
        state = encoded.state
    decoded = start
    events: list[BaseEvent] = []
    for data in patches:
        result = decode_patch(data, decoded, KEYS)
        decoded = result.state
        events.extend(mutation_event(m) for m in result.mutations)
    assert decoded == state
    assert decoded.version == 4 and len(decoded.values) == 3
    assert [type(e) for e in events] == [PinUpdate, ArchiveUpdate, PinUpdate, MarkChatAsReadUpdate]
    assert events[2] == PinUpdate(jid=CHAT, timestamp=AT, pinned=False)


def test_the_lthash_depends_only_on_the_live_records() -> None:
    state = CollectionState("regular_low")
    for action in (
        pin_chat(CHAT, True, AT),
        archive_chat(CHAT, True, AT),
        pin_chat(CHAT, False, AT),
    ):
        state = action.encode(state, key_id=KEY_ID, key_data=KEY_DATA).state
    assert state.lthash == lthash_update(bytes(128), add=list(state.values.values()))


def test_a_remove_takes_the_record_out() -> None:
    state = (
        pin_chat(CHAT, True, AT)
        .encode(CollectionState("regular_low"), key_id=KEY_ID, key_data=KEY_DATA)
        .state
    )
    action = pin_chat(CHAT, True, AT)
    removed = encode_patch(
        state,
        action.index,
        action.value,
        5,
        key_id=KEY_ID,
        key_data=KEY_DATA,
        operation=Operation.REMOVE,
    )
    result = decode_patch(removed.to_bytes(), state, KEYS)
    assert result.state == removed.state
    assert result.state.values == {} and result.state.lthash == bytes(128)
    (mutation,) = result.mutations
    event = mutation_event(mutation)
    assert isinstance(event, RawAppStateAction) and event.operation == "remove"


def test_a_patch_without_a_version_is_the_next_one_and_a_versioned_one_must_be() -> None:
    state = CollectionState("regular_low", version=7)
    encoded = pin_chat(CHAT, True, AT).encode(state, key_id=KEY_ID, key_data=KEY_DATA)
    assert not encoded.patch.HasField("version")
    assert decode_patch(encoded.patch, state, KEYS).state.version == 8
    for version in (7, 9, 1):
        patch = SyncdPatch()
        patch.CopyFrom(encoded.patch)
        patch.version.version = version
        with pytest.raises(AppStateVersionMismatch) as caught:
            decode_patch(patch, state, KEYS)
        assert (caught.value.expected, caught.value.got) == (8, version)
        assert caught.value.recovery is Recovery.SNAPSHOT


def test_a_patch_applied_twice_is_refused() -> None:
    state = CollectionState("regular_low")
    encoded = pin_chat(CHAT, True, AT).encode(state, key_id=KEY_ID, key_data=KEY_DATA)
    patch = encoded.patch
    patch.version.version = 1
    after = decode_patch(patch, state, KEYS).state
    with pytest.raises(AppStateVersionMismatch):
        decode_patch(patch, after, KEYS)


def _encoded() -> tuple[CollectionState, SyncdPatch]:
    state = (
        archive_chat(GROUP, True, AT)
        .encode(CollectionState("regular_low"), key_id=KEY_ID, key_data=KEY_DATA)
        .state
    )
    return state, pin_chat(CHAT, True, AT).encode(state, key_id=KEY_ID, key_data=KEY_DATA).patch


def test_a_wrong_value_mac_is_refused_before_decrypting() -> None:
    state, patch = _encoded()
    record = patch.mutations[0].record
    blob = bytearray(record.value.blob)
    blob[3] ^= 1  # in the IV: the ciphertext still decrypts, the MAC must catch it
    record.value.blob = bytes(blob)
    # The patch MAC covers the value MAC, not the ciphertext: recompute nothing, expect "value".
    with pytest.raises(AppStateMacMismatch) as caught:
        decode_patch(patch, state, KEYS)
    assert caught.value.which == "value"
    assert caught.value.recovery is Recovery.SNAPSHOT
    assert caught.value.collection == "regular_low" and caught.value.version == 2


def test_a_wrong_index_mac_is_refused() -> None:
    state, patch = _encoded()
    patch.mutations[0].record.index.blob = bytes(32)
    with pytest.raises(AppStateMacMismatch) as caught:
        decode_patch(patch, state, KEYS)
    assert caught.value.which == "index"


def test_a_wrong_patch_mac_is_refused() -> None:
    state, patch = _encoded()
    patch.patchMac = bytes(32)
    with pytest.raises(AppStateMacMismatch) as caught:
        decode_patch(patch, state, KEYS)
    assert caught.value.which == "patch"


def test_a_patch_on_the_wrong_state_fails_its_snapshot_mac() -> None:
    _, patch = _encoded()
    other = CollectionState("regular_low", version=1)  # same version, another LTHash
    with pytest.raises(AppStateMacMismatch) as caught:
        decode_patch(patch, other, KEYS)
    assert caught.value.which == "snapshot"


def test_a_missing_key_asks_for_the_key() -> None:
    state, patch = _encoded()
    with pytest.raises(AppStateKeyMissing) as caught:
        decode_patch(patch, state, NO_KEYS.get)
    assert caught.value.key_id == KEY_ID
    assert caught.value.recovery is Recovery.KEYS


def test_a_record_under_a_key_we_lack_asks_for_that_key() -> None:
    state = CollectionState("regular_low")
    other_id, other_data = b"\x09" * 6, bytes(32)
    action = pin_chat(CHAT, True, AT)
    foreign = encode_mutation(action.index, action.value, 5, key_id=other_id, key_data=other_data)
    patch = action.encode(state, key_id=KEY_ID, key_data=KEY_DATA).patch
    patch.mutations.append(foreign)
    value_macs = [m.record.value.blob[-32:] for m in patch.mutations]
    keys = MutationKeys.expand(KEY_DATA)
    patch.patchMac = patch_mac(keys, patch.snapshotMac, value_macs, 1, "regular_low")
    with pytest.raises(AppStateKeyMissing) as caught:
        decode_patch(patch, state, KEYS)
    assert caught.value.key_id == other_id


def test_external_mutations_are_read_after_the_patch_s_own() -> None:
    state = CollectionState("regular_low")
    encoded = pin_chat(CHAT, True, AT).encode(state, key_id=KEY_ID, key_data=KEY_DATA)
    patch = encoded.patch
    moved = SyncdMutations(mutations=list(patch.mutations)).SerializeToString()
    del patch.mutations[:]
    patch.externalMutations.CopyFrom(ExternalBlobReference(directPath="/mms/md-app-state/x"))
    with pytest.raises(LocalAppStateError):
        decode_patch(patch, state, KEYS)
    result = decode_patch(patch, state, KEYS, external_mutations=moved)
    assert result.state == encoded.state


@pytest.mark.parametrize("data", [b"", b"\xff", b"\x12\x03abc", b"\x0a\x02\x08"])
def test_garbage_patches_are_malformed(data: bytes) -> None:
    with pytest.raises(MalformedAppState) as caught:
        decode_patch(data, CollectionState("regular"), KEYS)
    assert caught.value.recovery is Recovery.SNAPSHOT


def _snapshot(count: int) -> bytes:
    records = [
        encode_mutation(a.index, a.value, a.action_version, key_id=KEY_ID, key_data=KEY_DATA).record
        for n in range(count)
        for a in (pin_chat(Jid(f"1555{n:07d}", Server.USER), n % 2 == 0, AT),)
    ]
    return encode_snapshot("regular_low", 40, records, key_id=KEY_ID, key_data=KEY_DATA)


def test_a_snapshot_gives_the_state_and_then_its_records_lazily() -> None:
    decoded = decode_snapshot("regular_low", _snapshot(30), KEYS)
    assert decoded.state.version == 40 and len(decoded.state.values) == 30
    assert decoded.state.lthash == lthash_update(bytes(128), add=decoded.state.values.values())
    mutations = decoded.mutations()
    first = next(mutations)
    assert isinstance(first, DecodedMutation) and first.from_full_sync
    rest = list(mutations)
    assert len(rest) == 29
    events = [mutation_event(m) for m in [first, *rest]]
    assert all(isinstance(e, PinUpdate) and e.from_full_sync for e in events)
    # Patches apply on top of it.
    after = pin_chat(CHAT, True, AT).encode(decoded.state, key_id=KEY_ID, key_data=KEY_DATA)
    assert decode_patch(after.to_bytes(), decoded.state, KEYS).state == after.state


def test_a_snapshot_with_a_wrong_mac_or_name_is_refused() -> None:
    data = _snapshot(3)
    with pytest.raises(AppStateMacMismatch) as caught:
        decode_snapshot("regular_high", data, KEYS)  # the name is in the MAC
    assert caught.value.which == "snapshot"
    with pytest.raises(AppStateKeyMissing):
        decode_snapshot("regular_low", data, NO_KEYS.get)


def test_an_empty_snapshot_is_a_state_at_its_version() -> None:
    data = encode_snapshot("regular", 5, [], key_id=KEY_ID, key_data=KEY_DATA)
    decoded = decode_snapshot("regular", data, KEYS)
    assert decoded.state == CollectionState("regular", 5)
    assert list(decoded.mutations()) == []


@pytest.mark.parametrize("data", [b"", b"\x12\x01", b"\x08\x01", b"\x0a\x00"])
def test_garbage_snapshots_are_malformed(data: bytes) -> None:
    with pytest.raises(MalformedAppState):
        decode_snapshot("regular", data, KEYS)


def test_collection_state_round_trips_and_refuses_garbage() -> None:
    state = CollectionState("regular_low")
    for action in (pin_chat(CHAT, True, AT), archive_chat(CHAT, True, AT)):
        state = action.encode(state, key_id=KEY_ID, key_data=KEY_DATA).state
    assert CollectionState.from_bytes(state.to_bytes()) == state
    for bad in (b"", b"WAS1", state.to_bytes()[:-1], b"XXXX" + state.to_bytes()[4:]):
        with pytest.raises(LocalAppStateError):
            CollectionState.from_bytes(bad)
    with pytest.raises(TypeError):
        state.values[b"x"] = b"y"  # type: ignore[index]
    with pytest.raises(LocalAppStateError):
        CollectionState("x" * 70_000).to_bytes()
    with pytest.raises(LocalAppStateError):
        CollectionState("regular", version=2**64).to_bytes()


# Events -----------------------------------------------------------------------------------


def _mutation(
    index: tuple[str, ...], value: SyncActionValue, full: bool = False
) -> DecodedMutation:
    return DecodedMutation(
        collection="regular",
        version=1,
        operation=Operation.SET,
        index=index,
        value=value,
        action_version=1,
        index_mac=bytes(32),
        value_mac=bytes(32),
        from_full_sync=full,
    )


V = SyncActionValue
ALICE = Jid("15550000002", Server.USER)


@pytest.mark.parametrize(
    ("index", "value", "event"),
    [
        (
            ("mute", str(CHAT)),
            V(
                timestamp=AT_MS,
                muteAction=V.MuteAction(muted=True, muteEndTimestamp=AT_MS + 3_600_000),
            ),
            MuteUpdate(
                jid=CHAT, timestamp=AT, muted=True, mute_end=datetime(2026, 12, 1, 13, tzinfo=UTC)
            ),
        ),
        (
            ("mute", str(CHAT)),
            V(timestamp=AT_MS, muteAction=V.MuteAction(muted=True, muteEndTimestamp=-1)),
            MuteUpdate(jid=CHAT, timestamp=AT, muted=True, mute_end=None),
        ),
        (
            ("star", str(GROUP), "3EB0", "0", str(ALICE)),
            V(timestamp=AT_MS, starAction=V.StarAction(starred=True)),
            StarUpdate(
                chat_jid=GROUP, participant_jid=ALICE, message_id="3EB0", timestamp=AT, starred=True
            ),
        ),
        (
            ("deleteChat", str(CHAT), "0"),
            V(timestamp=AT_MS, deleteChatAction=V.DeleteChatAction()),
            DeleteChatUpdate(jid=CHAT, timestamp=AT, delete_media=False),
        ),
        (
            ("clearChat", str(CHAT), "1", "0"),
            V(timestamp=AT_MS, clearChatAction=V.ClearChatAction()),
            ClearChatUpdate(jid=CHAT, timestamp=AT, delete_starred=True, delete_media=False),
        ),
        (
            ("deleteMessageForMe", str(CHAT), "3EB1", "1", "0"),
            V(
                timestamp=AT_MS,
                deleteMessageForMeAction=V.DeleteMessageForMeAction(
                    deleteMedia=True, messageTimestamp=int(AT.timestamp())
                ),
            ),
            DeleteMessageForMeUpdate(
                chat_jid=CHAT,
                message_id="3EB1",
                from_me=True,
                timestamp=AT,
                delete_media=True,
                message_timestamp=AT,
            ),
        ),
        (
            ("contact", str(ALICE)),
            V(
                timestamp=AT_MS,
                contactAction=V.ContactAction(fullName="Alice Liddell", firstName="Alice"),
            ),
            ContactUpdate(jid=ALICE, timestamp=AT, full_name="Alice Liddell", first_name="Alice"),
        ),
        (
            ("setting_pushName",),
            V(timestamp=AT_MS, pushNameSetting=V.PushNameSetting(name="Bot")),
            SelfPushNameUpdated(from_server=True, new_name="Bot"),
        ),
        (
            ("setting_locale",),
            V(timestamp=AT_MS, localeSetting=V.LocaleSetting(locale="pt_BR")),
            LocaleUpdate(locale="pt_BR", timestamp=AT),
        ),
        (
            ("label_edit", "4"),
            V(timestamp=AT_MS, labelEditAction=V.LabelEditAction(name="VIP", color=2)),
            LabelEditUpdate(label_id="4", name="VIP", color=2, timestamp=AT),
        ),
        (
            ("label_jid", "4", str(CHAT)),
            V(timestamp=AT_MS, labelAssociationAction=V.LabelAssociationAction(labeled=True)),
            LabelAssociationUpdate(label_id="4", jid=CHAT, labeled=True, timestamp=AT),
        ),
        (
            ("label_message", "4", str(CHAT), "3EB2", "0", "0"),
            V(timestamp=AT_MS, labelAssociationAction=V.LabelAssociationAction(labeled=False)),
            LabelAssociationUpdate(
                label_id="4", jid=CHAT, message_id="3EB2", labeled=False, timestamp=AT
            ),
        ),
    ],
    ids=lambda v: v[0] if isinstance(v, tuple) else None,
)
def test_each_action_becomes_its_event(
    index: tuple[str, ...], value: SyncActionValue, event: object
) -> None:
    assert mutation_event(_mutation(index, value)) == event


@pytest.mark.parametrize(
    ("index", "value"),
    [
        (("lock", str(CHAT)), V(timestamp=AT_MS)),  # no kind for it
        (("pin_v1", str(CHAT)), V(timestamp=AT_MS)),  # the action field is missing
        (("pin_v1", str(CHAT)), V(pinAction=V.PinAction(pinned=True))),  # no timestamp
        (("pin_v1", "not a jid@nowhere"), V(timestamp=AT_MS, pinAction=V.PinAction(pinned=True))),
        (("pin_v1",), V(timestamp=AT_MS, pinAction=V.PinAction(pinned=True))),  # no chat
        (("star", str(CHAT)), V(timestamp=AT_MS, starAction=V.StarAction(starred=True))),
        (("mute", str(CHAT)), V(timestamp=2**62, muteAction=V.MuteAction(muted=True))),
    ],
)
def test_what_the_catalogue_does_not_model_is_a_raw_event(
    index: tuple[str, ...], value: SyncActionValue
) -> None:
    event = mutation_event(_mutation(index, value, full=True))
    assert isinstance(event, RawAppStateAction)
    assert event.index == index and event.from_full_sync
    assert SyncActionValue.FromString(event.value) == value


def test_our_actions_use_the_protocol_s_indexes_and_collections() -> None:
    assert pin_chat(CHAT, True, AT).index == ("pin_v1", str(CHAT))
    assert pin_chat(CHAT, True, AT).collection is Collection.REGULAR_LOW
    assert mute_chat(CHAT, None, AT).collection is Collection.REGULAR_HIGH
    assert not mute_chat(CHAT, None, AT).value.muteAction.muted
    assert star_message(CHAT, "X", True, True, AT).index == ("star", str(CHAT), "X", "1", "0")
    assert delete_chat(CHAT, AT).index == ("deleteChat", str(CHAT), "1")
    assert delete_chat(CHAT, AT).value.HasField("deleteChatAction")
    with pytest.raises(ValueError, match="belongs to"):
        pin_chat(CHAT, True, AT).encode(
            CollectionState("regular"), key_id=KEY_ID, key_data=KEY_DATA
        )
    with pytest.raises(LocalAppStateError):
        pin_chat(CHAT, True, AT).encode(CollectionState("regular_low"), key_id=b"", key_data=b"")


# Requests ---------------------------------------------------------------------------------


def test_the_sync_request_asks_for_snapshots_where_it_must() -> None:
    node = app_state_sync_request(
        [
            CollectionState("regular_high", 0),
            CollectionState("regular_low", 12),
            CollectionState("regular", 3),
        ],
        snapshot=["regular"],
    )
    assert (
        node.tag == "iq" and node.attrs["xmlns"] == APP_STATE_XMLNS and node.attrs["type"] == "set"
    )
    sync = node.require_child("sync")
    assert [dict(c.attrs) for c in sync.children("collection")] == [
        {"name": "regular_high", "version": "0", "return_snapshot": "true"},
        {"name": "regular_low", "version": "12", "return_snapshot": "false"},
        {"name": "regular", "version": "3", "return_snapshot": "true"},
    ]
    with pytest.raises(ValueError, match="at least one"):
        app_state_sync_request([])


def test_the_patch_request_carries_the_patch_at_its_base_version() -> None:
    encoded = pin_chat(CHAT, True, AT).encode(
        CollectionState("regular_low", 4), key_id=KEY_ID, key_data=KEY_DATA
    )
    node = app_state_patch_request(encoded)
    (collection,) = node.require_child("sync").children("collection")
    assert collection.attrs["version"] == "4"
    patch_node = collection.require_child("patch")
    assert patch_node.bytes_content == encoded.to_bytes()


def test_the_reply_parser_reads_snapshots_patches_pagination_and_errors() -> None:
    _, patch = _encoded()
    blob = ExternalBlobReference(directPath="/v/t62/x", mediaKey=b"k" * 32)
    reply = Node(
        "iq",
        {"type": "result"},
        [
            Node(
                "sync",
                None,
                [
                    Node(
                        "collection",
                        {"name": "regular_low", "version": "9", "has_more_patches": "true"},
                        [
                            Node("snapshot", None, blob.SerializeToString()),
                            Node("patches", None, [Node("patch", None, patch.SerializeToString())]),
                        ],
                    ),
                    Node(
                        "collection",
                        {"name": "regular"},
                        [Node("patch", None, patch.SerializeToString())],
                    ),
                    Node(
                        "collection",
                        {"name": "regular_high", "type": "error"},
                        [Node("error", {"code": "409", "text": "conflict"})],
                    ),
                ],
            )
        ],
    )
    low, regular, high = parse_sync_reply(reply)
    assert low.name == "regular_low" and low.version == 9 and low.has_more_patches
    assert low.snapshot == blob and low.patches == (patch,)
    assert regular.patches == (patch,) and regular.version is None and not regular.has_more_patches
    assert (high.error_code, high.error_text) == (409, "conflict")
    with pytest.raises(MalformedAppState):
        parse_sync_reply(Node("iq", {"type": "result"}))
    with pytest.raises(MalformedAppState):
        parse_sync_reply(
            Node(
                "iq",
                None,
                [
                    Node(
                        "sync",
                        None,
                        [Node("collection", {"name": "x"}, [Node("patch", None, b"\xff")])],
                    )
                ],
            )
        )
    with pytest.raises(MalformedAppState):
        parse_sync_reply(
            Node("iq", None, [Node("sync", None, [Node("collection", {"version": "1"})])])
        )


# Keys -------------------------------------------------------------------------------------


def test_keys_come_from_a_share_and_are_asked_for_by_id() -> None:
    pm = WAMessage.ProtocolMessage
    share = pm(type=pm.APP_STATE_SYNC_KEY_SHARE)
    for key_id, stamp in ((b"\x01", 10), (b"\x02", 30), (b"\x03", 20)):
        key = share.appStateSyncKeyShare.keys.add()
        key.keyId.keyId = key_id
        key.keyData.keyData = key_id * 32
        key.keyData.timestamp = stamp
    share.appStateSyncKeyShare.keys.add()  # no id, no data: skipped
    keys = keys_from_share(share)
    assert [k.key_id for k in keys] == [b"\x01", b"\x02", b"\x03"]
    assert newest_key(keys) == AppStateKey(b"\x02", b"\x02" * 32, 30)
    assert newest_key([]) is None
    assert keys_from_share(pm(type=pm.REVOKE)) == ()
    request = app_state_key_request([b"\x07", b"\x08"]).protocolMessage
    assert request.type == pm.APP_STATE_SYNC_KEY_REQUEST
    assert [k.keyId for k in request.appStateSyncKeyRequest.keyIds] == [b"\x07", b"\x08"]
    with pytest.raises(ValueError, match="at least one"):
        app_state_key_request([])


def test_a_server_sync_notice_names_the_collections_to_fetch() -> None:
    notice = Node(
        "notification",
        {"type": "server_sync", "id": "1"},
        [
            Node("collection", {"name": "regular_low", "version": "7"}),
            Node("collection", {"name": "regular"}),
        ],
    )
    assert parse_server_sync(notice) == (("regular_low", 7), ("regular", None))
    with pytest.raises(MalformedAppState):
        parse_server_sync(Node("notification", {"type": "devices"}))
    with pytest.raises(MalformedAppState):
        parse_server_sync(Node("notification", {"type": "server_sync"}, [Node("collection")]))


def _reply_node(*collections: Node) -> Node:
    return Node("iq", {"type": "result"}, [Node("sync", None, list(collections))])


def test_a_sync_reply_applies_a_snapshot_then_its_patches() -> None:
    snapshot = _snapshot(5)
    base = decode_snapshot("regular_low", snapshot, KEYS).state
    later = pin_chat(CHAT, True, AT).encode(base, key_id=KEY_ID, key_data=KEY_DATA)
    patch = later.patch
    patch.version.version = 41
    reference = ExternalBlobReference(directPath="/snap", mediaKey=bytes(32))
    node = Node(
        "collection",
        {"name": "regular_low", "version": "41", "has_more_patches": "true"},
        [
            Node("snapshot", None, reference.SerializeToString()),
            Node("patches", None, [Node("patch", None, patch.SerializeToString())]),
        ],
    )
    (reply,) = parse_sync_reply(_reply_node(node))
    with pytest.raises(LocalAppStateError, match="download it"):
        apply_sync_reply(CollectionState("regular_low"), reply, KEYS)
    step = apply_sync_reply(CollectionState("regular_low"), reply, KEYS, snapshot=snapshot)
    assert step.state == later.state and step.fetch_again
    events = [mutation_event(m) for m in step.mutations]
    assert len(events) == 6
    assert all(isinstance(e, PinUpdate) for e in events)
    assert [getattr(e, "from_full_sync", None) for e in events] == [True] * 5 + [False]


def test_a_sync_reply_with_an_error_or_a_bad_patch_gives_nothing() -> None:
    state, _ = _encoded()
    refused = Node(
        "collection",
        {"name": "regular_low", "type": "error"},
        [Node("error", {"code": "409", "text": "conflict"})],
    )
    (reply,) = parse_sync_reply(_reply_node(refused))
    with pytest.raises(AppStateRefused) as caught:
        apply_sync_reply(state, reply, KEYS)
    assert caught.value.code == 409
    good = pin_chat(CHAT, True, AT).encode(state, key_id=KEY_ID, key_data=KEY_DATA).patch
    bad = SyncdPatch()
    bad.CopyFrom(good)
    bad.patchMac = bytes(32)
    node = Node(
        "collection",
        {"name": "regular_low", "version": "3"},
        [Node("patches", None, [Node("patch", None, p.SerializeToString()) for p in (good, bad)])],
    )
    (reply,) = parse_sync_reply(_reply_node(node))
    with pytest.raises(AppStateError):
        apply_sync_reply(state, reply, KEYS)
    with pytest.raises(LocalAppStateError):
        apply_sync_reply(CollectionState("regular"), reply, KEYS)
