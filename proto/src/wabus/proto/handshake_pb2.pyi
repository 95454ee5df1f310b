from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HandshakeMessage(_message.Message):
    __slots__ = ("clientHello", "serverHello", "clientFinish")
    class HandshakePqMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        HANDSHAKE_PQ_MODE_UNKNOWN: _ClassVar[HandshakeMessage.HandshakePqMode]
        XXKEM: _ClassVar[HandshakeMessage.HandshakePqMode]
        XXKEM_FS: _ClassVar[HandshakeMessage.HandshakePqMode]
        WA_CLASSICAL: _ClassVar[HandshakeMessage.HandshakePqMode]
        WA_PQ: _ClassVar[HandshakeMessage.HandshakePqMode]
        IKKEM: _ClassVar[HandshakeMessage.HandshakePqMode]
        IKKEM_FS: _ClassVar[HandshakeMessage.HandshakePqMode]
        XXKEM_2: _ClassVar[HandshakeMessage.HandshakePqMode]
        IKKEM_2: _ClassVar[HandshakeMessage.HandshakePqMode]
        XXKEM_EPH: _ClassVar[HandshakeMessage.HandshakePqMode]
    HANDSHAKE_PQ_MODE_UNKNOWN: HandshakeMessage.HandshakePqMode
    XXKEM: HandshakeMessage.HandshakePqMode
    XXKEM_FS: HandshakeMessage.HandshakePqMode
    WA_CLASSICAL: HandshakeMessage.HandshakePqMode
    WA_PQ: HandshakeMessage.HandshakePqMode
    IKKEM: HandshakeMessage.HandshakePqMode
    IKKEM_FS: HandshakeMessage.HandshakePqMode
    XXKEM_2: HandshakeMessage.HandshakePqMode
    IKKEM_2: HandshakeMessage.HandshakePqMode
    XXKEM_EPH: HandshakeMessage.HandshakePqMode
    class ClientHello(_message.Message):
        __slots__ = ("ephemeral", "static", "payload", "useExtended", "extendedCiphertext", "paddedBytes", "sendServerHelloPaddedBytes", "simulateXxkemFs", "pqMode", "extendedEphemeral")
        EPHEMERAL_FIELD_NUMBER: _ClassVar[int]
        STATIC_FIELD_NUMBER: _ClassVar[int]
        PAYLOAD_FIELD_NUMBER: _ClassVar[int]
        USEEXTENDED_FIELD_NUMBER: _ClassVar[int]
        EXTENDEDCIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
        PADDEDBYTES_FIELD_NUMBER: _ClassVar[int]
        SENDSERVERHELLOPADDEDBYTES_FIELD_NUMBER: _ClassVar[int]
        SIMULATEXXKEMFS_FIELD_NUMBER: _ClassVar[int]
        PQMODE_FIELD_NUMBER: _ClassVar[int]
        EXTENDEDEPHEMERAL_FIELD_NUMBER: _ClassVar[int]
        ephemeral: bytes
        static: bytes
        payload: bytes
        useExtended: bool
        extendedCiphertext: bytes
        paddedBytes: bytes
        sendServerHelloPaddedBytes: bool
        simulateXxkemFs: bool
        pqMode: HandshakeMessage.HandshakePqMode
        extendedEphemeral: bytes
        def __init__(self, ephemeral: _Optional[bytes] = ..., static: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., useExtended: _Optional[bool] = ..., extendedCiphertext: _Optional[bytes] = ..., paddedBytes: _Optional[bytes] = ..., sendServerHelloPaddedBytes: _Optional[bool] = ..., simulateXxkemFs: _Optional[bool] = ..., pqMode: _Optional[_Union[HandshakeMessage.HandshakePqMode, str]] = ..., extendedEphemeral: _Optional[bytes] = ...) -> None: ...
    class ServerHello(_message.Message):
        __slots__ = ("ephemeral", "static", "payload", "extendedStatic", "paddingBytes", "extendedCiphertext")
        EPHEMERAL_FIELD_NUMBER: _ClassVar[int]
        STATIC_FIELD_NUMBER: _ClassVar[int]
        PAYLOAD_FIELD_NUMBER: _ClassVar[int]
        EXTENDEDSTATIC_FIELD_NUMBER: _ClassVar[int]
        PADDINGBYTES_FIELD_NUMBER: _ClassVar[int]
        EXTENDEDCIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
        ephemeral: bytes
        static: bytes
        payload: bytes
        extendedStatic: bytes
        paddingBytes: bytes
        extendedCiphertext: bytes
        def __init__(self, ephemeral: _Optional[bytes] = ..., static: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., extendedStatic: _Optional[bytes] = ..., paddingBytes: _Optional[bytes] = ..., extendedCiphertext: _Optional[bytes] = ...) -> None: ...
    class ClientFinish(_message.Message):
        __slots__ = ("static", "payload", "extendedCiphertext", "paddedBytes", "simulateXxkemFs")
        STATIC_FIELD_NUMBER: _ClassVar[int]
        PAYLOAD_FIELD_NUMBER: _ClassVar[int]
        EXTENDEDCIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
        PADDEDBYTES_FIELD_NUMBER: _ClassVar[int]
        SIMULATEXXKEMFS_FIELD_NUMBER: _ClassVar[int]
        static: bytes
        payload: bytes
        extendedCiphertext: bytes
        paddedBytes: bytes
        simulateXxkemFs: bool
        def __init__(self, static: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., extendedCiphertext: _Optional[bytes] = ..., paddedBytes: _Optional[bytes] = ..., simulateXxkemFs: _Optional[bool] = ...) -> None: ...
    CLIENTHELLO_FIELD_NUMBER: _ClassVar[int]
    SERVERHELLO_FIELD_NUMBER: _ClassVar[int]
    CLIENTFINISH_FIELD_NUMBER: _ClassVar[int]
    clientHello: HandshakeMessage.ClientHello
    serverHello: HandshakeMessage.ServerHello
    clientFinish: HandshakeMessage.ClientFinish
    def __init__(self, clientHello: _Optional[_Union[HandshakeMessage.ClientHello, _Mapping]] = ..., serverHello: _Optional[_Union[HandshakeMessage.ServerHello, _Mapping]] = ..., clientFinish: _Optional[_Union[HandshakeMessage.ClientFinish, _Mapping]] = ...) -> None: ...
