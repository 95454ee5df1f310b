from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignalMessage(_message.Message):
    __slots__ = ("ratchetKey", "counter", "previousCounter", "ciphertext")
    RATCHETKEY_FIELD_NUMBER: _ClassVar[int]
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUSCOUNTER_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    ratchetKey: bytes
    counter: int
    previousCounter: int
    ciphertext: bytes
    def __init__(self, ratchetKey: _Optional[bytes] = ..., counter: _Optional[int] = ..., previousCounter: _Optional[int] = ..., ciphertext: _Optional[bytes] = ...) -> None: ...

class PreKeySignalMessage(_message.Message):
    __slots__ = ("registrationId", "preKeyId", "signedPreKeyId", "baseKey", "identityKey", "message")
    REGISTRATIONID_FIELD_NUMBER: _ClassVar[int]
    PREKEYID_FIELD_NUMBER: _ClassVar[int]
    SIGNEDPREKEYID_FIELD_NUMBER: _ClassVar[int]
    BASEKEY_FIELD_NUMBER: _ClassVar[int]
    IDENTITYKEY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    registrationId: int
    preKeyId: int
    signedPreKeyId: int
    baseKey: bytes
    identityKey: bytes
    message: bytes
    def __init__(self, registrationId: _Optional[int] = ..., preKeyId: _Optional[int] = ..., signedPreKeyId: _Optional[int] = ..., baseKey: _Optional[bytes] = ..., identityKey: _Optional[bytes] = ..., message: _Optional[bytes] = ...) -> None: ...

class SenderKeyMessage(_message.Message):
    __slots__ = ("id", "iteration", "ciphertext")
    ID_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    id: int
    iteration: int
    ciphertext: bytes
    def __init__(self, id: _Optional[int] = ..., iteration: _Optional[int] = ..., ciphertext: _Optional[bytes] = ...) -> None: ...

class SenderKeyDistributionMessage(_message.Message):
    __slots__ = ("id", "iteration", "chainKey", "signingKey")
    ID_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    CHAINKEY_FIELD_NUMBER: _ClassVar[int]
    SIGNINGKEY_FIELD_NUMBER: _ClassVar[int]
    id: int
    iteration: int
    chainKey: bytes
    signingKey: bytes
    def __init__(self, id: _Optional[int] = ..., iteration: _Optional[int] = ..., chainKey: _Optional[bytes] = ..., signingKey: _Optional[bytes] = ...) -> None: ...

class SignalKeyPairStructure(_message.Message):
    __slots__ = ("publicKey", "privateKey", "seed")
    PUBLICKEY_FIELD_NUMBER: _ClassVar[int]
    PRIVATEKEY_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    publicKey: bytes
    privateKey: bytes
    seed: bytes
    def __init__(self, publicKey: _Optional[bytes] = ..., privateKey: _Optional[bytes] = ..., seed: _Optional[bytes] = ...) -> None: ...

class SkippedKeyStructure(_message.Message):
    __slots__ = ("index", "seed")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    index: int
    seed: bytes
    def __init__(self, index: _Optional[int] = ..., seed: _Optional[bytes] = ...) -> None: ...

class ReceivingChainStructure(_message.Message):
    __slots__ = ("ratchetKey", "chainKey", "index", "skipped")
    RATCHETKEY_FIELD_NUMBER: _ClassVar[int]
    CHAINKEY_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    ratchetKey: bytes
    chainKey: bytes
    index: int
    skipped: _containers.RepeatedCompositeFieldContainer[SkippedKeyStructure]
    def __init__(self, ratchetKey: _Optional[bytes] = ..., chainKey: _Optional[bytes] = ..., index: _Optional[int] = ..., skipped: _Optional[_Iterable[_Union[SkippedKeyStructure, _Mapping]]] = ...) -> None: ...

class SendingChainStructure(_message.Message):
    __slots__ = ("chainKey", "index")
    CHAINKEY_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    chainKey: bytes
    index: int
    def __init__(self, chainKey: _Optional[bytes] = ..., index: _Optional[int] = ...) -> None: ...

class PendingPreKeyStructure(_message.Message):
    __slots__ = ("signedPreKeyId", "preKeyId", "baseKey")
    SIGNEDPREKEYID_FIELD_NUMBER: _ClassVar[int]
    PREKEYID_FIELD_NUMBER: _ClassVar[int]
    BASEKEY_FIELD_NUMBER: _ClassVar[int]
    signedPreKeyId: int
    preKeyId: int
    baseKey: bytes
    def __init__(self, signedPreKeyId: _Optional[int] = ..., preKeyId: _Optional[int] = ..., baseKey: _Optional[bytes] = ...) -> None: ...

class SessionStructure(_message.Message):
    __slots__ = ("remoteIdentity", "remoteRegistrationId", "baseKey", "initiator", "rootKey", "ourRatchet", "theirRatchet", "previousCounter", "sending", "receiving", "pending")
    REMOTEIDENTITY_FIELD_NUMBER: _ClassVar[int]
    REMOTEREGISTRATIONID_FIELD_NUMBER: _ClassVar[int]
    BASEKEY_FIELD_NUMBER: _ClassVar[int]
    INITIATOR_FIELD_NUMBER: _ClassVar[int]
    ROOTKEY_FIELD_NUMBER: _ClassVar[int]
    OURRATCHET_FIELD_NUMBER: _ClassVar[int]
    THEIRRATCHET_FIELD_NUMBER: _ClassVar[int]
    PREVIOUSCOUNTER_FIELD_NUMBER: _ClassVar[int]
    SENDING_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    remoteIdentity: bytes
    remoteRegistrationId: int
    baseKey: bytes
    initiator: bool
    rootKey: bytes
    ourRatchet: SignalKeyPairStructure
    theirRatchet: bytes
    previousCounter: int
    sending: SendingChainStructure
    receiving: _containers.RepeatedCompositeFieldContainer[ReceivingChainStructure]
    pending: PendingPreKeyStructure
    def __init__(self, remoteIdentity: _Optional[bytes] = ..., remoteRegistrationId: _Optional[int] = ..., baseKey: _Optional[bytes] = ..., initiator: _Optional[bool] = ..., rootKey: _Optional[bytes] = ..., ourRatchet: _Optional[_Union[SignalKeyPairStructure, _Mapping]] = ..., theirRatchet: _Optional[bytes] = ..., previousCounter: _Optional[int] = ..., sending: _Optional[_Union[SendingChainStructure, _Mapping]] = ..., receiving: _Optional[_Iterable[_Union[ReceivingChainStructure, _Mapping]]] = ..., pending: _Optional[_Union[PendingPreKeyStructure, _Mapping]] = ...) -> None: ...

class SessionRecordStructure(_message.Message):
    __slots__ = ("version", "current", "previous")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    version: int
    current: SessionStructure
    previous: _containers.RepeatedCompositeFieldContainer[SessionStructure]
    def __init__(self, version: _Optional[int] = ..., current: _Optional[_Union[SessionStructure, _Mapping]] = ..., previous: _Optional[_Iterable[_Union[SessionStructure, _Mapping]]] = ...) -> None: ...

class SenderKeyStateStructure(_message.Message):
    __slots__ = ("keyId", "iteration", "chainKey", "signingPublic", "signingPrivate", "skipped")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    CHAINKEY_FIELD_NUMBER: _ClassVar[int]
    SIGNINGPUBLIC_FIELD_NUMBER: _ClassVar[int]
    SIGNINGPRIVATE_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    keyId: int
    iteration: int
    chainKey: bytes
    signingPublic: bytes
    signingPrivate: bytes
    skipped: _containers.RepeatedCompositeFieldContainer[SkippedKeyStructure]
    def __init__(self, keyId: _Optional[int] = ..., iteration: _Optional[int] = ..., chainKey: _Optional[bytes] = ..., signingPublic: _Optional[bytes] = ..., signingPrivate: _Optional[bytes] = ..., skipped: _Optional[_Iterable[_Union[SkippedKeyStructure, _Mapping]]] = ...) -> None: ...

class SenderKeyRecordStructure(_message.Message):
    __slots__ = ("version", "states")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    version: int
    states: _containers.RepeatedCompositeFieldContainer[SenderKeyStateStructure]
    def __init__(self, version: _Optional[int] = ..., states: _Optional[_Iterable[_Union[SenderKeyStateStructure, _Mapping]]] = ...) -> None: ...

class PreKeyRecordStructure(_message.Message):
    __slots__ = ("version", "id", "keyPair")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KEYPAIR_FIELD_NUMBER: _ClassVar[int]
    version: int
    id: int
    keyPair: SignalKeyPairStructure
    def __init__(self, version: _Optional[int] = ..., id: _Optional[int] = ..., keyPair: _Optional[_Union[SignalKeyPairStructure, _Mapping]] = ...) -> None: ...

class SignedPreKeyRecordStructure(_message.Message):
    __slots__ = ("version", "id", "keyPair", "signature", "timestamp")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KEYPAIR_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    version: int
    id: int
    keyPair: SignalKeyPairStructure
    signature: bytes
    timestamp: int
    def __init__(self, version: _Optional[int] = ..., id: _Optional[int] = ..., keyPair: _Optional[_Union[SignalKeyPairStructure, _Mapping]] = ..., signature: _Optional[bytes] = ..., timestamp: _Optional[int] = ...) -> None: ...

class LocalIdentityStructure(_message.Message):
    __slots__ = ("version", "identity", "registrationId")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REGISTRATIONID_FIELD_NUMBER: _ClassVar[int]
    version: int
    identity: SignalKeyPairStructure
    registrationId: int
    def __init__(self, version: _Optional[int] = ..., identity: _Optional[_Union[SignalKeyPairStructure, _Mapping]] = ..., registrationId: _Optional[int] = ...) -> None: ...
