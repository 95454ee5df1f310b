"""wabus protocol layer: sans-IO frames, binary nodes, Noise transport and the stanza router.

Nothing here touches a socket, a thread, a clock or an event loop: objects take bytes in and
hand nodes, events and bytes out, so every layer is testable with byte vectors and fuzzing.

- Frames: `FrameEncoder`, `FrameDecoder`, `encode_frame`.
- Binary nodes: `encode_node`, `decode_node`, `unpack`; `Node` and `Jid` come from
  `wabus.core` and are re-exported here.
- Routing: `Router` turns stanzas into events (`malformed_stanza` is what it makes of one
  whose handling fails); `Decryptor`, `HistoryDownloader`,
  `PairingVerifier` and `PairingKeys` are what it can be given.
- History sync: `decrypt_history_blob`, `inflate_history`.
- Noise: `ClientHandshake`, `ServerHandshake`, `NoiseTransport`, `SymmetricState`; keys and
  XEdDSA: `KeyPair`, `xeddsa_verify`; the server's certificates: `CertificateVerifier`,
  `TrustedRoot`, `WHATSAPP_ROOT`, `issue_chain`.
- Pairing and login: `DeviceKeys`, `AdvVerifier` (checks a pair-success), `PairedDevice`,
  `sign_device_identity` and `verify_device_signature` (the phone's and server's sides),
  `registration_payload` and `login_payload` (the handshake's ``ClientPayload``).
- Captures: `wabus.protocol.capture` (the format `wabus replay` reads).
- Errors: `WireError` and its subclasses.
"""

from wabus.core import Jid, Node, Server
from wabus.protocol._binary import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_INFLATED,
    FLAG_COMPRESSED,
    Tag,
    decode_node,
    encode_node,
    unpack,
)
from wabus.protocol._certs import (
    WHATSAPP_ROOT,
    CertificateInvalid,
    CertificateVerifier,
    TrustedRoot,
    issue_chain,
)
from wabus.protocol._errors import (
    DecompressionLimit,
    FrameTooLarge,
    InvalidCompression,
    InvalidPackedString,
    InvalidToken,
    LeftoverData,
    LocalWireError,
    MalformedNode,
    RemoteWireError,
    TruncatedInput,
    UnencodableNode,
    WireError,
)
from wabus.protocol._frame import (
    CONNECTION_HEADER,
    EDGE_ROUTING_PREFIX,
    MAX_FRAME_SIZE,
    FrameDecoder,
    FrameEncoder,
    encode_frame,
)
from wabus.protocol._history import (
    HISTORY_KEYS_INFO,
    HistoryBlobError,
    HistoryDownloader,
    decrypt_history_blob,
    inflate_history,
)
from wabus.protocol._keys import KeyPair, xeddsa_verify
from wabus.protocol._noise import (
    NOISE_PATTERN,
    ClientHandshake,
    HandshakeFailed,
    NoiseDecryptError,
    NoiseStateError,
    NoiseTransport,
    ServerHandshake,
    SymmetricState,
)
from wabus.protocol._pairing import (
    AdvVerifier,
    ClientVersion,
    DeviceKeys,
    PairedDevice,
    login_payload,
    registration_payload,
    sign_device_identity,
    verify_device_signature,
)
from wabus.protocol._router import (
    DecryptionFailed,
    Decryptor,
    PairingKeys,
    PairingVerificationFailed,
    PairingVerifier,
    Router,
    malformed_stanza,
)

__all__ = [
    "CONNECTION_HEADER",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_INFLATED",
    "EDGE_ROUTING_PREFIX",
    "FLAG_COMPRESSED",
    "HISTORY_KEYS_INFO",
    "MAX_FRAME_SIZE",
    "NOISE_PATTERN",
    "WHATSAPP_ROOT",
    "AdvVerifier",
    "CertificateInvalid",
    "CertificateVerifier",
    "ClientHandshake",
    "ClientVersion",
    "DecompressionLimit",
    "DecryptionFailed",
    "Decryptor",
    "DeviceKeys",
    "FrameDecoder",
    "FrameEncoder",
    "FrameTooLarge",
    "HandshakeFailed",
    "HistoryBlobError",
    "HistoryDownloader",
    "InvalidCompression",
    "InvalidPackedString",
    "InvalidToken",
    "Jid",
    "KeyPair",
    "LeftoverData",
    "LocalWireError",
    "MalformedNode",
    "Node",
    "NoiseDecryptError",
    "NoiseStateError",
    "NoiseTransport",
    "PairedDevice",
    "PairingKeys",
    "PairingVerificationFailed",
    "PairingVerifier",
    "RemoteWireError",
    "Router",
    "Server",
    "ServerHandshake",
    "SymmetricState",
    "Tag",
    "TruncatedInput",
    "TrustedRoot",
    "UnencodableNode",
    "WireError",
    "decode_node",
    "decrypt_history_blob",
    "encode_frame",
    "encode_node",
    "inflate_history",
    "issue_chain",
    "login_payload",
    "malformed_stanza",
    "registration_payload",
    "sign_device_identity",
    "unpack",
    "verify_device_signature",
    "xeddsa_verify",
]
