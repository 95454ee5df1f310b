"""wabus protobuf schema: the project's own ``.proto`` sources and the code generated from them.

The sources (proto2, ``package wabus.wa``) sit beside this file and keep the field numbers and
names of the real WhatsApp protocol, for the subset wabus reads and writes. The package name is
ours, so these descriptors never collide in the global descriptor pool with another library's
copy of the schema. Each ``<name>.proto`` compiles to a ``<name>_pb2`` module with a typed
``.pyi`` stub; the modules are committed, and re-exported here:

- `common_pb2`: ``MessageKey``.
- `e2e_pb2`: ``Message`` (the decrypted message body, with its content types nested:
  ``Message.ExtendedTextMessage``, ``Message.ImageMessage``, ``Message.ProtocolMessage``,
  ``Message.HistorySyncNotification``, ``Message.FutureProofMessage``, ...), ``ContextInfo``,
  ``MessageContextInfo``, ``DeviceListMetadata``, ``DisappearingMode``.
- `web_pb2`: ``WebMessageInfo`` (a stored message), ``UserReceipt``, ``Reaction``,
  ``PollUpdate``.
- `history_pb2`: ``HistorySync`` (an inflated history-sync blob), ``Conversation``,
  ``HistorySyncMsg``, ``Pushname``, ``GroupParticipant``, ``PastParticipants``,
  ``PastParticipant``, ``PhoneNumberToLIDMapping``, the ``MediaVisibility`` enum.
- `handshake_pb2`: ``HandshakeMessage`` (``ClientHello``, ``ServerHello``, ``ClientFinish``).
- `client_pb2`: ``ClientPayload`` (login and registration), ``DeviceProps``.
- `cert_pb2`: ``CertChain`` (the server's Noise certificates), ``NoiseCertificate``.
- `adv_pb2`: ``ADVSignedDeviceIdentityHMAC``, ``ADVSignedDeviceIdentity``,
  ``ADVDeviceIdentity``, ``ADVSignedKeyIndexList``, ``ADVKeyIndexList``, the
  ``ADVEncryptionType`` enum.
- `signal_pb2`: the Signal wire messages (``SignalMessage``, ``PreKeySignalMessage``,
  ``SenderKeyMessage``, ``SenderKeyDistributionMessage``) and wabus's own versioned Signal
  storage records (``SessionRecordStructure``, ``SenderKeyRecordStructure``,
  ``PreKeyRecordStructure``, ``SignedPreKeyRecordStructure``, ``LocalIdentityStructure``).
- `syncd_pb2`: app-state sync: ``SyncdSnapshot``, ``SyncdPatch``, ``SyncdMutations``,
  ``SyncdMutation``, ``SyncdRecord`` (``SyncdIndex``, ``SyncdValue``, ``KeyId``),
  ``SyncdVersion``, ``ExternalBlobReference``, ``ExitCode``, and a mutation's plaintext
  ``SyncActionData`` with its ``SyncActionValue`` (the actions wabus decodes, nested). The
  app-state sync keys themselves travel in ``e2e_pb2.Message.AppStateSyncKeyShare``.

What proto2 means for a caller:

- Fields the schema does not declare are kept as unknown fields when parsing and written back
  unchanged when serialising, so a message survives a round trip through wabus intact.
- Enums are closed: an enum value the schema does not declare is kept the same way, and the
  field reads as unset (its default).
- ``WebMessageInfo.key``, ``HistorySync.syncType``, ``Conversation.id``,
  ``GroupParticipant.userJid`` and ``UserReceipt.userJid`` are ``required``: parsing does not
  check them, but ``SerializeToString`` raises ``EncodeError`` when one is missing
  (``SerializePartialToString`` does not check).

Besides the generated modules:

- `codec`: ``ProtoPayloadCodec``, which `wabus.core` events use (through the
  ``wabus.payloads`` entry point) to parse ``Message.raw`` and ``HistorySync.raw`` lazily;
  ``message_text`` and ``unwrap`` for the common message shapes.
- `scan`: ``scan_fields``, a scanner of a message's top-level fields that parses nothing, for
  finding one field or walking a repeated field with bounded memory.

To change the schema, edit the ``.proto`` files and run ``make proto``: it regenerates every
module and stub with the protoc bundled in the pinned ``grpcio-tools``. A test fails when the
committed modules differ from what the sources generate.
"""

from wabus.proto import (
    adv_pb2,
    cert_pb2,
    client_pb2,
    codec,
    common_pb2,
    e2e_pb2,
    handshake_pb2,
    history_pb2,
    scan,
    signal_pb2,
    syncd_pb2,
    web_pb2,
)

__all__ = [
    "adv_pb2",
    "cert_pb2",
    "client_pb2",
    "codec",
    "common_pb2",
    "e2e_pb2",
    "handshake_pb2",
    "history_pb2",
    "scan",
    "signal_pb2",
    "syncd_pb2",
    "web_pb2",
]
