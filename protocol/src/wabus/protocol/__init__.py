"""wabus protocol layer: sans-IO frames, binary nodes, Noise transport and the stanza router.

Nothing here touches a socket, a thread, a clock or an event loop: objects take bytes in and
hand nodes, events and bytes out, so every layer is testable with byte vectors and fuzzing.

- Frames: `FrameEncoder`, `FrameDecoder`, `encode_frame`.
- Binary nodes: `encode_node`, `decode_node`, `unpack`; `Node` and `Jid` come from
  `wabus.core` and are re-exported here.
- Routing: `Router` turns stanzas into events; `Decryptor`, `HistoryDownloader`,
  `PairingVerifier` and `PairingKeys` are what it can be given.
- History sync: `decrypt_history_blob`, `inflate_history`.
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
from wabus.protocol._router import (
    DecryptionFailed,
    Decryptor,
    PairingKeys,
    PairingVerificationFailed,
    PairingVerifier,
    Router,
)

__all__ = [
    "CONNECTION_HEADER",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_INFLATED",
    "EDGE_ROUTING_PREFIX",
    "FLAG_COMPRESSED",
    "HISTORY_KEYS_INFO",
    "MAX_FRAME_SIZE",
    "DecompressionLimit",
    "DecryptionFailed",
    "Decryptor",
    "FrameDecoder",
    "FrameEncoder",
    "FrameTooLarge",
    "HistoryBlobError",
    "HistoryDownloader",
    "InvalidCompression",
    "InvalidPackedString",
    "InvalidToken",
    "Jid",
    "LeftoverData",
    "LocalWireError",
    "MalformedNode",
    "Node",
    "PairingKeys",
    "PairingVerificationFailed",
    "PairingVerifier",
    "RemoteWireError",
    "Router",
    "Server",
    "Tag",
    "TruncatedInput",
    "UnencodableNode",
    "WireError",
    "decode_node",
    "decrypt_history_blob",
    "encode_frame",
    "encode_node",
    "inflate_history",
    "unpack",
]
