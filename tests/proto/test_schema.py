"""The schema keeps the real protocol's field numbers, and parsing loses nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.protobuf.message import EncodeError
from google.protobuf.message import Message as ProtoMessage

from wabus.proto import (
    adv_pb2,
    cert_pb2,
    client_pb2,
    common_pb2,
    e2e_pb2,
    handshake_pb2,
    history_pb2,
    syncd_pb2,
    web_pb2,
)

Message = e2e_pb2.Message

# (message, field, number), as given by the protocol brief (sections 4.6, 4.7 and 8).
FIELD_NUMBERS: list[tuple[type[ProtoMessage], str, int]] = [
    # App-state sync (issue 13), as WAProto.proto in Baileys 7.0.0-rc14 numbers them.
    (syncd_pb2.SyncdPatch, "version", 1),
    (syncd_pb2.SyncdPatch, "mutations", 2),
    (syncd_pb2.SyncdPatch, "externalMutations", 3),
    (syncd_pb2.SyncdPatch, "snapshotMac", 4),
    (syncd_pb2.SyncdPatch, "patchMac", 5),
    (syncd_pb2.SyncdPatch, "keyId", 6),
    (syncd_pb2.SyncdPatch, "exitCode", 7),
    (syncd_pb2.SyncdPatch, "deviceIndex", 8),
    (syncd_pb2.SyncdPatch, "clientDebugData", 9),
    (syncd_pb2.SyncdSnapshot, "version", 1),
    (syncd_pb2.SyncdSnapshot, "records", 2),
    (syncd_pb2.SyncdSnapshot, "mac", 3),
    (syncd_pb2.SyncdSnapshot, "keyId", 4),
    (syncd_pb2.SyncdMutations, "mutations", 1),
    (syncd_pb2.SyncdMutation, "operation", 1),
    (syncd_pb2.SyncdMutation, "record", 2),
    (syncd_pb2.SyncdRecord, "index", 1),
    (syncd_pb2.SyncdRecord, "value", 2),
    (syncd_pb2.SyncdRecord, "keyId", 3),
    (syncd_pb2.ExternalBlobReference, "mediaKey", 1),
    (syncd_pb2.ExternalBlobReference, "directPath", 2),
    (syncd_pb2.ExternalBlobReference, "handle", 3),
    (syncd_pb2.ExternalBlobReference, "fileSizeBytes", 4),
    (syncd_pb2.ExternalBlobReference, "fileSha256", 5),
    (syncd_pb2.ExternalBlobReference, "fileEncSha256", 6),
    (syncd_pb2.SyncActionData, "index", 1),
    (syncd_pb2.SyncActionData, "value", 2),
    (syncd_pb2.SyncActionData, "padding", 3),
    (syncd_pb2.SyncActionData, "version", 4),
    (syncd_pb2.SyncActionValue, "timestamp", 1),
    (syncd_pb2.SyncActionValue, "starAction", 2),
    (syncd_pb2.SyncActionValue, "contactAction", 3),
    (syncd_pb2.SyncActionValue, "muteAction", 4),
    (syncd_pb2.SyncActionValue, "pinAction", 5),
    (syncd_pb2.SyncActionValue, "pushNameSetting", 7),
    (syncd_pb2.SyncActionValue, "labelEditAction", 14),
    (syncd_pb2.SyncActionValue, "labelAssociationAction", 15),
    (syncd_pb2.SyncActionValue, "localeSetting", 16),
    (syncd_pb2.SyncActionValue, "archiveChatAction", 17),
    (syncd_pb2.SyncActionValue, "deleteMessageForMeAction", 18),
    (syncd_pb2.SyncActionValue, "markChatAsReadAction", 20),
    (syncd_pb2.SyncActionValue, "clearChatAction", 21),
    (syncd_pb2.SyncActionValue, "deleteChatAction", 22),
    (syncd_pb2.SyncActionValue, "unarchiveChatsSetting", 23),
    (syncd_pb2.SyncActionValue.MuteAction, "muteEndTimestamp", 2),
    (syncd_pb2.SyncActionValue.ContactAction, "lidJid", 3),
    (syncd_pb2.SyncActionValue.ContactAction, "pnJid", 5),
    (syncd_pb2.SyncActionValue.DeleteMessageForMeAction, "messageTimestamp", 2),
    (syncd_pb2.SyncActionValue.SyncActionMessageRange, "messages", 3),
    (common_pb2.MessageKey, "remoteJid", 1),
    (common_pb2.MessageKey, "fromMe", 2),
    (common_pb2.MessageKey, "id", 3),
    (common_pb2.MessageKey, "participant", 4),
    (Message, "conversation", 1),
    (Message, "senderKeyDistributionMessage", 2),
    (Message, "imageMessage", 3),
    (Message, "extendedTextMessage", 6),
    (Message, "protocolMessage", 12),
    (Message, "fastRatchetKeySenderKeyDistributionMessage", 15),
    (Message, "stickerMessage", 26),
    (Message, "deviceSentMessage", 31),
    (Message, "messageContextInfo", 35),
    (Message, "viewOnceMessage", 37),
    (Message, "ephemeralMessage", 40),
    (Message, "reactionMessage", 46),
    (Message, "pollCreationMessage", 49),
    (Message, "pollUpdateMessage", 50),
    (Message, "viewOnceMessageV2", 55),
    (Message, "editedMessage", 58),
    (Message, "viewOnceMessageV2Extension", 59),
    (Message.ExtendedTextMessage, "text", 1),
    (Message.ExtendedTextMessage, "matchedText", 2),
    (Message.ExtendedTextMessage, "description", 5),
    (Message.ExtendedTextMessage, "title", 6),
    (Message.ExtendedTextMessage, "contextInfo", 17),
    (e2e_pb2.ContextInfo, "stanzaId", 1),
    (e2e_pb2.ContextInfo, "participant", 2),
    (e2e_pb2.ContextInfo, "quotedMessage", 3),
    (e2e_pb2.ContextInfo, "remoteJid", 4),
    (e2e_pb2.ContextInfo, "mentionedJid", 15),
    (e2e_pb2.ContextInfo, "isForwarded", 22),
    (e2e_pb2.ContextInfo, "expiration", 25),
    (Message.DeviceSentMessage, "destinationJid", 1),
    (Message.DeviceSentMessage, "message", 2),
    (Message.DeviceSentMessage, "phash", 3),
    (Message.FutureProofMessage, "message", 1),
    (Message.SenderKeyDistributionMessage, "groupId", 1),
    (Message.SenderKeyDistributionMessage, "axolotlSenderKeyDistributionMessage", 2),
    (Message.ReactionMessage, "key", 1),
    (Message.ReactionMessage, "text", 2),
    (Message.ReactionMessage, "groupingKey", 3),
    (Message.ReactionMessage, "senderTimestampMs", 4),
    (Message.ProtocolMessage, "key", 1),
    (Message.ProtocolMessage, "type", 2),
    (Message.ProtocolMessage, "ephemeralExpiration", 4),
    (Message.ProtocolMessage, "historySyncNotification", 6),
    (Message.ProtocolMessage, "appStateSyncKeyShare", 7),
    (Message.ProtocolMessage, "editedMessage", 14),
    (Message.ProtocolMessage, "timestampMs", 15),
    (Message.HistorySyncNotification, "fileSha256", 1),
    (Message.HistorySyncNotification, "fileLength", 2),
    (Message.HistorySyncNotification, "mediaKey", 3),
    (Message.HistorySyncNotification, "fileEncSha256", 4),
    (Message.HistorySyncNotification, "directPath", 5),
    (Message.HistorySyncNotification, "syncType", 6),
    (Message.HistorySyncNotification, "chunkOrder", 7),
    (Message.HistorySyncNotification, "progress", 9),
    (Message.HistorySyncNotification, "initialHistBootstrapInlinePayload", 11),
    (Message.HistorySyncNotification, "peerDataRequestSessionId", 12),
    (Message.HistorySyncNotification, "encHandle", 14),
    (Message.HistorySyncNotification, "messageAccessStatus", 15),
    (web_pb2.WebMessageInfo, "key", 1),
    (web_pb2.WebMessageInfo, "message", 2),
    (web_pb2.WebMessageInfo, "messageTimestamp", 3),
    (web_pb2.WebMessageInfo, "status", 4),
    (web_pb2.WebMessageInfo, "participant", 5),
    (web_pb2.WebMessageInfo, "messageC2STimestamp", 6),
    (web_pb2.WebMessageInfo, "starred", 17),
    (web_pb2.WebMessageInfo, "broadcast", 18),
    (web_pb2.WebMessageInfo, "pushName", 19),
    (web_pb2.WebMessageInfo, "messageStubType", 24),
    (web_pb2.WebMessageInfo, "messageStubParameters", 26),
    (web_pb2.WebMessageInfo, "ephemeralDuration", 33),
    (web_pb2.WebMessageInfo, "userReceipt", 40),
    (web_pb2.WebMessageInfo, "reactions", 41),
    (web_pb2.WebMessageInfo, "pollUpdates", 45),
    (web_pb2.WebMessageInfo, "newsletterServerId", 63),
    (web_pb2.WebMessageInfo, "hsmTag", 79),
    (history_pb2.HistorySync, "syncType", 1),
    (history_pb2.HistorySync, "conversations", 2),
    (history_pb2.HistorySync, "statusV3Messages", 3),
    (history_pb2.HistorySync, "chunkOrder", 5),
    (history_pb2.HistorySync, "progress", 6),
    (history_pb2.HistorySync, "pushnames", 7),
    (history_pb2.HistorySync, "pastParticipants", 12),
    (history_pb2.HistorySync, "phoneNumberToLidMappings", 15),
    (history_pb2.HistorySync, "nctSalt", 19),
    (history_pb2.Conversation, "id", 1),
    (history_pb2.Conversation, "messages", 2),
    (history_pb2.Conversation, "unreadCount", 6),
    (history_pb2.Conversation, "conversationTimestamp", 12),
    (history_pb2.Conversation, "name", 13),
    (history_pb2.Conversation, "participant", 20),
    (history_pb2.Conversation, "tcToken", 21),
    (history_pb2.Conversation, "tcTokenTimestamp", 22),
    (history_pb2.Conversation, "tcTokenSenderTimestamp", 28),
    (history_pb2.Conversation, "pnJid", 39),
    (history_pb2.Conversation, "lidJid", 42),
    (history_pb2.HistorySyncMsg, "message", 1),
    (history_pb2.HistorySyncMsg, "msgOrderId", 2),
    (history_pb2.Pushname, "id", 1),
    (history_pb2.Pushname, "pushname", 2),
    (handshake_pb2.HandshakeMessage, "clientHello", 2),
    (handshake_pb2.HandshakeMessage, "serverHello", 3),
    (handshake_pb2.HandshakeMessage, "clientFinish", 4),
    (handshake_pb2.HandshakeMessage.ClientHello, "ephemeral", 1),
    (handshake_pb2.HandshakeMessage.ClientHello, "static", 2),
    (handshake_pb2.HandshakeMessage.ClientHello, "payload", 3),
    (handshake_pb2.HandshakeMessage.ClientHello, "pqMode", 9),
    (handshake_pb2.HandshakeMessage.ServerHello, "ephemeral", 1),
    (handshake_pb2.HandshakeMessage.ServerHello, "static", 2),
    (handshake_pb2.HandshakeMessage.ServerHello, "payload", 3),
    (handshake_pb2.HandshakeMessage.ServerHello, "paddingBytes", 5),
    (handshake_pb2.HandshakeMessage.ClientFinish, "static", 1),
    (handshake_pb2.HandshakeMessage.ClientFinish, "payload", 2),
    (handshake_pb2.HandshakeMessage.ClientFinish, "simulateXxkemFs", 5),
    (client_pb2.ClientPayload, "username", 1),
    (client_pb2.ClientPayload, "passive", 3),
    (client_pb2.ClientPayload, "userAgent", 5),
    (client_pb2.ClientPayload, "webInfo", 6),
    (client_pb2.ClientPayload, "pushName", 7),
    (client_pb2.ClientPayload, "connectType", 12),
    (client_pb2.ClientPayload, "device", 18),
    (client_pb2.ClientPayload, "devicePairingData", 19),
    (client_pb2.ClientPayload, "pull", 33),
    (client_pb2.ClientPayload.DevicePairingRegistrationData, "eRegid", 1),
    (client_pb2.ClientPayload.DevicePairingRegistrationData, "deviceProps", 8),
    (cert_pb2.CertChain, "leaf", 1),
    (cert_pb2.CertChain, "intermediate", 2),
    (cert_pb2.CertChain.NoiseCertificate, "details", 1),
    (cert_pb2.CertChain.NoiseCertificate, "signature", 2),
    (cert_pb2.CertChain.NoiseCertificate.Details, "serial", 1),
    (cert_pb2.CertChain.NoiseCertificate.Details, "issuerSerial", 2),
    (cert_pb2.CertChain.NoiseCertificate.Details, "key", 3),
    (cert_pb2.CertChain.NoiseCertificate.Details, "notBefore", 4),
    (cert_pb2.CertChain.NoiseCertificate.Details, "notAfter", 5),
    (adv_pb2.ADVSignedDeviceIdentityHMAC, "details", 1),
    (adv_pb2.ADVSignedDeviceIdentityHMAC, "hmac", 2),
    (adv_pb2.ADVSignedDeviceIdentityHMAC, "accountType", 3),
    (adv_pb2.ADVSignedDeviceIdentity, "details", 1),
    (adv_pb2.ADVSignedDeviceIdentity, "accountSignatureKey", 2),
    (adv_pb2.ADVSignedDeviceIdentity, "accountSignature", 3),
    (adv_pb2.ADVSignedDeviceIdentity, "deviceSignature", 4),
    (adv_pb2.ADVDeviceIdentity, "rawId", 1),
    (adv_pb2.ADVDeviceIdentity, "deviceType", 5),
    (adv_pb2.ADVKeyIndexList, "validIndexes", 4),
    (adv_pb2.ADVKeyIndexList, "accountType", 5),
    (adv_pb2.ADVSignedKeyIndexList, "accountSignatureKey", 3),
]


@pytest.mark.parametrize(
    ("message", "field", "number"),
    FIELD_NUMBERS,
    ids=[f"{m.DESCRIPTOR.name}.{f}" for m, f, _ in FIELD_NUMBERS],
)
def test_field_numbers_match_the_protocol(
    message: type[ProtoMessage], field: str, number: int
) -> None:
    assert message.DESCRIPTOR.fields_by_name[field].number == number


ENUM_VALUES = [
    (Message.ProtocolMessage.Type, "REVOKE", 0),
    (Message.ProtocolMessage.Type, "EPHEMERAL_SETTING", 3),
    (Message.ProtocolMessage.Type, "HISTORY_SYNC_NOTIFICATION", 5),
    (Message.ProtocolMessage.Type, "APP_STATE_SYNC_KEY_SHARE", 6),
    (Message.ProtocolMessage.Type, "APP_STATE_SYNC_KEY_REQUEST", 7),
    (Message.ProtocolMessage.Type, "MESSAGE_EDIT", 14),
    (Message.ProtocolMessage.Type, "PEER_DATA_OPERATION_REQUEST_MESSAGE", 16),
    (Message.ProtocolMessage.Type, "PEER_DATA_OPERATION_REQUEST_RESPONSE_MESSAGE", 17),
    (Message.HistorySyncType, "INITIAL_BOOTSTRAP", 0),
    (Message.HistorySyncType, "ON_DEMAND", 6),
    (Message.HistorySyncType, "NO_HISTORY", 7),
    (history_pb2.HistorySync.HistorySyncType, "INITIAL_BOOTSTRAP", 0),
    (history_pb2.HistorySync.HistorySyncType, "INITIAL_STATUS_V3", 1),
    (history_pb2.HistorySync.HistorySyncType, "FULL", 2),
    (history_pb2.HistorySync.HistorySyncType, "RECENT", 3),
    (history_pb2.HistorySync.HistorySyncType, "PUSH_NAME", 4),
    (history_pb2.HistorySync.HistorySyncType, "NON_BLOCKING_DATA", 5),
    (history_pb2.HistorySync.HistorySyncType, "ON_DEMAND", 6),
    (adv_pb2.ADVEncryptionType, "E2EE", 0),
    (adv_pb2.ADVEncryptionType, "HOSTED", 1),
    (web_pb2.WebMessageInfo.Status, "PENDING", 1),
]


@pytest.mark.parametrize(
    ("enum", "name", "number"),
    ENUM_VALUES,
    ids=[f"{e.DESCRIPTOR.name}.{n}" for e, n, _ in ENUM_VALUES],
)
def test_enum_values_match_the_protocol(
    enum: type[Message.HistorySyncType], name: str, number: int
) -> None:
    assert enum.DESCRIPTOR.values_by_name[name].number == number


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (web_pb2.WebMessageInfo, "key"),
        (history_pb2.HistorySync, "syncType"),
        (history_pb2.Conversation, "id"),
    ],
)
def test_required_fields_stay_required(message: type[ProtoMessage], field: str) -> None:
    assert message.DESCRIPTOR.fields_by_name[field].is_required


def test_adv_key_indexes_are_packed() -> None:
    wire = adv_pb2.ADVKeyIndexList(rawId=1, validIndexes=[1, 2, 3]).SerializeToString()
    assert wire == bytes([0x08, 0x01, 0x22, 0x03, 0x01, 0x02, 0x03])


# -- unknown fields --------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _top_level_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """Each top-level (field number, value) of a message, without parsing: the way the history
    reader scans a blob. Only varint and length-delimited fields are expected here."""
    offset = 0

    def read_varint() -> int:
        nonlocal offset
        shift = result = 0
        while True:
            byte = data[offset]
            offset += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    while offset < len(data):
        key = read_varint()
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            yield number, read_varint()
        elif wire_type == 2:
            length = read_varint()
            yield number, data[offset : offset + length]
            offset += length
        else:
            raise AssertionError(f"unexpected wire type {wire_type}")


def test_an_unknown_field_survives_parse_and_reserialise() -> None:
    extra = _length_delimited(999, b"from a newer client")
    wire = Message(conversation="hi").SerializeToString() + extra

    parsed = Message.FromString(wire)

    assert parsed.conversation == "hi"
    again = parsed.SerializeToString()
    assert extra in again
    assert again == wire


def test_an_undeclared_content_type_survives_in_a_nested_message() -> None:
    """Field 10 (`call`) is real protocol that this schema leaves out, inside a wrapper."""
    call = _length_delimited(10, _length_delimited(1, b"call-key"))
    inner = Message(messageContextInfo=e2e_pb2.MessageContextInfo(messageSecret=b"s"))
    wrapped = Message(
        ephemeralMessage=Message.FutureProofMessage(message=inner)
    ).SerializeToString()
    inner_wire = inner.SerializeToString() + call
    wire = _length_delimited(40, _length_delimited(1, inner_wire))
    assert wire != wrapped

    parsed = Message.FromString(wire)

    assert parsed.ephemeralMessage.message.messageContextInfo.messageSecret == b"s"
    assert parsed.SerializeToString() == wire


def test_an_undeclared_enum_value_is_kept_and_reads_as_unset() -> None:
    key = common_pb2.MessageKey(remoteJid="123@s.whatsapp.net", id="ABC")
    wire = web_pb2.WebMessageInfo(key=key).SerializeToString() + bytes([0x20, 99])

    parsed = web_pb2.WebMessageInfo.FromString(wire)

    assert not parsed.HasField("status")
    assert parsed.status == web_pb2.WebMessageInfo.PENDING  # the declared default
    assert parsed.SerializeToString() == wire


def test_a_missing_required_field_parses_but_does_not_serialise() -> None:
    parsed = history_pb2.HistorySync.FromString(b"")

    assert not parsed.IsInitialized()
    with pytest.raises(EncodeError, match="syncType"):
        parsed.SerializeToString()
    assert parsed.SerializePartialToString() == b""


# -- a realistic history chunk ---------------------------------------------------------------

ME = "15550001111@s.whatsapp.net"
ALICE = "15550002222@s.whatsapp.net"
GROUP = "120363000000000001@g.us"


def _history_chunk() -> history_pb2.HistorySync:
    greeting = web_pb2.WebMessageInfo(
        key=common_pb2.MessageKey(remoteJid=ALICE, fromMe=False, id="3EB0A1"),
        message=Message(conversation="hello there"),
        messageTimestamp=1_752_020_041,
        status=web_pb2.WebMessageInfo.READ,
        pushName="Alice",
    )
    reply = web_pb2.WebMessageInfo(
        key=common_pb2.MessageKey(remoteJid=ALICE, fromMe=True, id="3EB0A2"),
        message=Message(
            extendedTextMessage=Message.ExtendedTextMessage(
                text="hi Alice, see https://example.org",
                matchedText="https://example.org",
                contextInfo=e2e_pb2.ContextInfo(
                    stanzaId="3EB0A1",
                    participant=ALICE,
                    quotedMessage=Message(conversation="hello there"),
                ),
            ),
            messageContextInfo=e2e_pb2.MessageContextInfo(messageSecret=bytes(32)),
        ),
        messageTimestamp=1_752_020_100,
        userReceipt=[web_pb2.UserReceipt(userJid=ALICE, readTimestamp=1_752_020_160)],
        reactions=[
            web_pb2.Reaction(
                key=common_pb2.MessageKey(remoteJid=ALICE, fromMe=False, id="3EB0A3"),
                text="\N{THUMBS UP SIGN}",
                senderTimestampMs=1_752_020_200_000,
            )
        ],
    )
    group_photo = web_pb2.WebMessageInfo(
        key=common_pb2.MessageKey(remoteJid=GROUP, id="3EB0B1", participant=ALICE),
        participant=ALICE,
        message=Message(
            ephemeralMessage=Message.FutureProofMessage(
                message=Message(
                    imageMessage=Message.ImageMessage(
                        mimetype="image/jpeg",
                        caption="the view",
                        fileSha256=bytes(range(32)),
                        fileLength=123_456,
                        mediaKey=bytes(32),
                        directPath="/v/t62.7118-24/abc",
                        width=1280,
                        height=960,
                        contextInfo=e2e_pb2.ContextInfo(expiration=604_800),
                    )
                )
            )
        ),
        messageTimestamp=1_752_020_300,
        ephemeralDuration=604_800,
    )
    return history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.RECENT,
        chunkOrder=2,
        progress=40,
        conversations=[
            history_pb2.Conversation(
                id=ALICE,
                messages=[
                    history_pb2.HistorySyncMsg(message=greeting, msgOrderId=1),
                    history_pb2.HistorySyncMsg(message=reply, msgOrderId=2),
                ],
                unreadCount=0,
                conversationTimestamp=1_752_020_100,
                tcToken=b"\x01\x02\x03",
                tcTokenTimestamp=1_752_000_000,
                pnJid=ALICE,
                lidJid="100000000000001@lid",
            ),
            history_pb2.Conversation(
                id=GROUP,
                name="Hiking",
                messages=[history_pb2.HistorySyncMsg(message=group_photo, msgOrderId=7)],
                unreadCount=1,
                ephemeralExpiration=604_800,
                participant=[
                    history_pb2.GroupParticipant(
                        userJid=ME, rank=history_pb2.GroupParticipant.SUPERADMIN
                    ),
                    history_pb2.GroupParticipant(userJid=ALICE),
                ],
                archived=True,
                muteEndTime=1_760_000_000,
            ),
        ],
        pushnames=[
            history_pb2.Pushname(id=ME, pushname="Me"),
            history_pb2.Pushname(id=ALICE, pushname="Alice"),
        ],
    )


def test_a_history_chunk_round_trips() -> None:
    chunk = _history_chunk()
    wire = chunk.SerializeToString()

    parsed = history_pb2.HistorySync.FromString(wire)

    assert parsed == chunk
    assert parsed.SerializeToString() == wire
    assert parsed.syncType == history_pb2.HistorySync.RECENT
    assert [c.id for c in parsed.conversations] == [ALICE, GROUP]
    assert {p.id: p.pushname for p in parsed.pushnames} == {ME: "Me", ALICE: "Alice"}
    alice, group = parsed.conversations
    reply = alice.messages[1].message
    assert reply.key.fromMe
    assert reply.message.extendedTextMessage.contextInfo.stanzaId == "3EB0A1"
    assert reply.userReceipt[0].readTimestamp == 1_752_020_160
    assert not alice.messages[1].message.HasField("status")
    assert alice.messages[1].message.status == web_pb2.WebMessageInfo.PENDING
    photo = group.messages[0].message.message.ephemeralMessage.message.imageMessage
    assert photo.caption == "the view"
    assert photo.contextInfo.expiration == 604_800
    assert group.participant[0].rank == history_pb2.GroupParticipant.SUPERADMIN


def test_a_history_chunk_can_be_scanned_without_parsing() -> None:
    """Top-level fields are where the brief's streaming scan looks for them, and each
    conversation (field 2) and push name (field 7) parses on its own."""
    chunk = _history_chunk()

    fields = list(_top_level_fields(chunk.SerializeToString()))

    assert [number for number, _ in fields] == [1, 2, 2, 5, 6, 7, 7]
    assert fields[0][1] == history_pb2.HistorySync.RECENT
    conversations = [
        history_pb2.Conversation.FromString(value)
        for number, value in fields
        if number == 2 and isinstance(value, bytes)
    ]
    assert conversations == list(chunk.conversations)
    pushnames = [
        history_pb2.Pushname.FromString(value)
        for number, value in fields
        if number == 7 and isinstance(value, bytes)
    ]
    assert pushnames == list(chunk.pushnames)
