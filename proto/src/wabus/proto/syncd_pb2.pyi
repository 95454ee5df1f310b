from wabus.proto import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SyncdVersion(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class KeyId(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: bytes
    def __init__(self, id: _Optional[bytes] = ...) -> None: ...

class SyncdIndex(_message.Message):
    __slots__ = ("blob",)
    BLOB_FIELD_NUMBER: _ClassVar[int]
    blob: bytes
    def __init__(self, blob: _Optional[bytes] = ...) -> None: ...

class SyncdValue(_message.Message):
    __slots__ = ("blob",)
    BLOB_FIELD_NUMBER: _ClassVar[int]
    blob: bytes
    def __init__(self, blob: _Optional[bytes] = ...) -> None: ...

class SyncdRecord(_message.Message):
    __slots__ = ("index", "value", "keyId")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    KEYID_FIELD_NUMBER: _ClassVar[int]
    index: SyncdIndex
    value: SyncdValue
    keyId: KeyId
    def __init__(self, index: _Optional[_Union[SyncdIndex, _Mapping]] = ..., value: _Optional[_Union[SyncdValue, _Mapping]] = ..., keyId: _Optional[_Union[KeyId, _Mapping]] = ...) -> None: ...

class SyncdMutation(_message.Message):
    __slots__ = ("operation", "record")
    class SyncdOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        SET: _ClassVar[SyncdMutation.SyncdOperation]
        REMOVE: _ClassVar[SyncdMutation.SyncdOperation]
    SET: SyncdMutation.SyncdOperation
    REMOVE: SyncdMutation.SyncdOperation
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    operation: SyncdMutation.SyncdOperation
    record: SyncdRecord
    def __init__(self, operation: _Optional[_Union[SyncdMutation.SyncdOperation, str]] = ..., record: _Optional[_Union[SyncdRecord, _Mapping]] = ...) -> None: ...

class SyncdMutations(_message.Message):
    __slots__ = ("mutations",)
    MUTATIONS_FIELD_NUMBER: _ClassVar[int]
    mutations: _containers.RepeatedCompositeFieldContainer[SyncdMutation]
    def __init__(self, mutations: _Optional[_Iterable[_Union[SyncdMutation, _Mapping]]] = ...) -> None: ...

class ExternalBlobReference(_message.Message):
    __slots__ = ("mediaKey", "directPath", "handle", "fileSizeBytes", "fileSha256", "fileEncSha256")
    MEDIAKEY_FIELD_NUMBER: _ClassVar[int]
    DIRECTPATH_FIELD_NUMBER: _ClassVar[int]
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    FILESIZEBYTES_FIELD_NUMBER: _ClassVar[int]
    FILESHA256_FIELD_NUMBER: _ClassVar[int]
    FILEENCSHA256_FIELD_NUMBER: _ClassVar[int]
    mediaKey: bytes
    directPath: str
    handle: str
    fileSizeBytes: int
    fileSha256: bytes
    fileEncSha256: bytes
    def __init__(self, mediaKey: _Optional[bytes] = ..., directPath: _Optional[str] = ..., handle: _Optional[str] = ..., fileSizeBytes: _Optional[int] = ..., fileSha256: _Optional[bytes] = ..., fileEncSha256: _Optional[bytes] = ...) -> None: ...

class ExitCode(_message.Message):
    __slots__ = ("code", "text")
    CODE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    code: int
    text: str
    def __init__(self, code: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class SyncdSnapshot(_message.Message):
    __slots__ = ("version", "records", "mac", "keyId")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    MAC_FIELD_NUMBER: _ClassVar[int]
    KEYID_FIELD_NUMBER: _ClassVar[int]
    version: SyncdVersion
    records: _containers.RepeatedCompositeFieldContainer[SyncdRecord]
    mac: bytes
    keyId: KeyId
    def __init__(self, version: _Optional[_Union[SyncdVersion, _Mapping]] = ..., records: _Optional[_Iterable[_Union[SyncdRecord, _Mapping]]] = ..., mac: _Optional[bytes] = ..., keyId: _Optional[_Union[KeyId, _Mapping]] = ...) -> None: ...

class SyncdPatch(_message.Message):
    __slots__ = ("version", "mutations", "externalMutations", "snapshotMac", "patchMac", "keyId", "exitCode", "deviceIndex", "clientDebugData")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MUTATIONS_FIELD_NUMBER: _ClassVar[int]
    EXTERNALMUTATIONS_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTMAC_FIELD_NUMBER: _ClassVar[int]
    PATCHMAC_FIELD_NUMBER: _ClassVar[int]
    KEYID_FIELD_NUMBER: _ClassVar[int]
    EXITCODE_FIELD_NUMBER: _ClassVar[int]
    DEVICEINDEX_FIELD_NUMBER: _ClassVar[int]
    CLIENTDEBUGDATA_FIELD_NUMBER: _ClassVar[int]
    version: SyncdVersion
    mutations: _containers.RepeatedCompositeFieldContainer[SyncdMutation]
    externalMutations: ExternalBlobReference
    snapshotMac: bytes
    patchMac: bytes
    keyId: KeyId
    exitCode: ExitCode
    deviceIndex: int
    clientDebugData: bytes
    def __init__(self, version: _Optional[_Union[SyncdVersion, _Mapping]] = ..., mutations: _Optional[_Iterable[_Union[SyncdMutation, _Mapping]]] = ..., externalMutations: _Optional[_Union[ExternalBlobReference, _Mapping]] = ..., snapshotMac: _Optional[bytes] = ..., patchMac: _Optional[bytes] = ..., keyId: _Optional[_Union[KeyId, _Mapping]] = ..., exitCode: _Optional[_Union[ExitCode, _Mapping]] = ..., deviceIndex: _Optional[int] = ..., clientDebugData: _Optional[bytes] = ...) -> None: ...

class SyncActionData(_message.Message):
    __slots__ = ("index", "value", "padding", "version")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PADDING_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    index: bytes
    value: SyncActionValue
    padding: bytes
    version: int
    def __init__(self, index: _Optional[bytes] = ..., value: _Optional[_Union[SyncActionValue, _Mapping]] = ..., padding: _Optional[bytes] = ..., version: _Optional[int] = ...) -> None: ...

class SyncActionValue(_message.Message):
    __slots__ = ("timestamp", "starAction", "contactAction", "muteAction", "pinAction", "pushNameSetting", "labelEditAction", "labelAssociationAction", "localeSetting", "archiveChatAction", "deleteMessageForMeAction", "markChatAsReadAction", "clearChatAction", "deleteChatAction", "unarchiveChatsSetting")
    class SyncActionMessage(_message.Message):
        __slots__ = ("key", "timestamp")
        KEY_FIELD_NUMBER: _ClassVar[int]
        TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        key: _common_pb2.MessageKey
        timestamp: int
        def __init__(self, key: _Optional[_Union[_common_pb2.MessageKey, _Mapping]] = ..., timestamp: _Optional[int] = ...) -> None: ...
    class SyncActionMessageRange(_message.Message):
        __slots__ = ("lastMessageTimestamp", "lastSystemMessageTimestamp", "messages")
        LASTMESSAGETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        LASTSYSTEMMESSAGETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        MESSAGES_FIELD_NUMBER: _ClassVar[int]
        lastMessageTimestamp: int
        lastSystemMessageTimestamp: int
        messages: _containers.RepeatedCompositeFieldContainer[SyncActionValue.SyncActionMessage]
        def __init__(self, lastMessageTimestamp: _Optional[int] = ..., lastSystemMessageTimestamp: _Optional[int] = ..., messages: _Optional[_Iterable[_Union[SyncActionValue.SyncActionMessage, _Mapping]]] = ...) -> None: ...
    class StarAction(_message.Message):
        __slots__ = ("starred",)
        STARRED_FIELD_NUMBER: _ClassVar[int]
        starred: bool
        def __init__(self, starred: _Optional[bool] = ...) -> None: ...
    class ContactAction(_message.Message):
        __slots__ = ("fullName", "firstName", "lidJid", "saveOnPrimaryAddressbook", "pnJid", "username")
        FULLNAME_FIELD_NUMBER: _ClassVar[int]
        FIRSTNAME_FIELD_NUMBER: _ClassVar[int]
        LIDJID_FIELD_NUMBER: _ClassVar[int]
        SAVEONPRIMARYADDRESSBOOK_FIELD_NUMBER: _ClassVar[int]
        PNJID_FIELD_NUMBER: _ClassVar[int]
        USERNAME_FIELD_NUMBER: _ClassVar[int]
        fullName: str
        firstName: str
        lidJid: str
        saveOnPrimaryAddressbook: bool
        pnJid: str
        username: str
        def __init__(self, fullName: _Optional[str] = ..., firstName: _Optional[str] = ..., lidJid: _Optional[str] = ..., saveOnPrimaryAddressbook: _Optional[bool] = ..., pnJid: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...
    class MuteAction(_message.Message):
        __slots__ = ("muted", "muteEndTimestamp", "autoMuted")
        MUTED_FIELD_NUMBER: _ClassVar[int]
        MUTEENDTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        AUTOMUTED_FIELD_NUMBER: _ClassVar[int]
        muted: bool
        muteEndTimestamp: int
        autoMuted: bool
        def __init__(self, muted: _Optional[bool] = ..., muteEndTimestamp: _Optional[int] = ..., autoMuted: _Optional[bool] = ...) -> None: ...
    class PinAction(_message.Message):
        __slots__ = ("pinned",)
        PINNED_FIELD_NUMBER: _ClassVar[int]
        pinned: bool
        def __init__(self, pinned: _Optional[bool] = ...) -> None: ...
    class PushNameSetting(_message.Message):
        __slots__ = ("name",)
        NAME_FIELD_NUMBER: _ClassVar[int]
        name: str
        def __init__(self, name: _Optional[str] = ...) -> None: ...
    class LabelEditAction(_message.Message):
        __slots__ = ("name", "color", "predefinedId", "deleted", "orderIndex", "isActive")
        NAME_FIELD_NUMBER: _ClassVar[int]
        COLOR_FIELD_NUMBER: _ClassVar[int]
        PREDEFINEDID_FIELD_NUMBER: _ClassVar[int]
        DELETED_FIELD_NUMBER: _ClassVar[int]
        ORDERINDEX_FIELD_NUMBER: _ClassVar[int]
        ISACTIVE_FIELD_NUMBER: _ClassVar[int]
        name: str
        color: int
        predefinedId: int
        deleted: bool
        orderIndex: int
        isActive: bool
        def __init__(self, name: _Optional[str] = ..., color: _Optional[int] = ..., predefinedId: _Optional[int] = ..., deleted: _Optional[bool] = ..., orderIndex: _Optional[int] = ..., isActive: _Optional[bool] = ...) -> None: ...
    class LabelAssociationAction(_message.Message):
        __slots__ = ("labeled",)
        LABELED_FIELD_NUMBER: _ClassVar[int]
        labeled: bool
        def __init__(self, labeled: _Optional[bool] = ...) -> None: ...
    class LocaleSetting(_message.Message):
        __slots__ = ("locale",)
        LOCALE_FIELD_NUMBER: _ClassVar[int]
        locale: str
        def __init__(self, locale: _Optional[str] = ...) -> None: ...
    class ArchiveChatAction(_message.Message):
        __slots__ = ("archived", "messageRange")
        ARCHIVED_FIELD_NUMBER: _ClassVar[int]
        MESSAGERANGE_FIELD_NUMBER: _ClassVar[int]
        archived: bool
        messageRange: SyncActionValue.SyncActionMessageRange
        def __init__(self, archived: _Optional[bool] = ..., messageRange: _Optional[_Union[SyncActionValue.SyncActionMessageRange, _Mapping]] = ...) -> None: ...
    class DeleteMessageForMeAction(_message.Message):
        __slots__ = ("deleteMedia", "messageTimestamp")
        DELETEMEDIA_FIELD_NUMBER: _ClassVar[int]
        MESSAGETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        deleteMedia: bool
        messageTimestamp: int
        def __init__(self, deleteMedia: _Optional[bool] = ..., messageTimestamp: _Optional[int] = ...) -> None: ...
    class MarkChatAsReadAction(_message.Message):
        __slots__ = ("read", "messageRange")
        READ_FIELD_NUMBER: _ClassVar[int]
        MESSAGERANGE_FIELD_NUMBER: _ClassVar[int]
        read: bool
        messageRange: SyncActionValue.SyncActionMessageRange
        def __init__(self, read: _Optional[bool] = ..., messageRange: _Optional[_Union[SyncActionValue.SyncActionMessageRange, _Mapping]] = ...) -> None: ...
    class ClearChatAction(_message.Message):
        __slots__ = ("messageRange",)
        MESSAGERANGE_FIELD_NUMBER: _ClassVar[int]
        messageRange: SyncActionValue.SyncActionMessageRange
        def __init__(self, messageRange: _Optional[_Union[SyncActionValue.SyncActionMessageRange, _Mapping]] = ...) -> None: ...
    class DeleteChatAction(_message.Message):
        __slots__ = ("messageRange",)
        MESSAGERANGE_FIELD_NUMBER: _ClassVar[int]
        messageRange: SyncActionValue.SyncActionMessageRange
        def __init__(self, messageRange: _Optional[_Union[SyncActionValue.SyncActionMessageRange, _Mapping]] = ...) -> None: ...
    class UnarchiveChatsSetting(_message.Message):
        __slots__ = ("unarchiveChats",)
        UNARCHIVECHATS_FIELD_NUMBER: _ClassVar[int]
        unarchiveChats: bool
        def __init__(self, unarchiveChats: _Optional[bool] = ...) -> None: ...
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STARACTION_FIELD_NUMBER: _ClassVar[int]
    CONTACTACTION_FIELD_NUMBER: _ClassVar[int]
    MUTEACTION_FIELD_NUMBER: _ClassVar[int]
    PINACTION_FIELD_NUMBER: _ClassVar[int]
    PUSHNAMESETTING_FIELD_NUMBER: _ClassVar[int]
    LABELEDITACTION_FIELD_NUMBER: _ClassVar[int]
    LABELASSOCIATIONACTION_FIELD_NUMBER: _ClassVar[int]
    LOCALESETTING_FIELD_NUMBER: _ClassVar[int]
    ARCHIVECHATACTION_FIELD_NUMBER: _ClassVar[int]
    DELETEMESSAGEFORMEACTION_FIELD_NUMBER: _ClassVar[int]
    MARKCHATASREADACTION_FIELD_NUMBER: _ClassVar[int]
    CLEARCHATACTION_FIELD_NUMBER: _ClassVar[int]
    DELETECHATACTION_FIELD_NUMBER: _ClassVar[int]
    UNARCHIVECHATSSETTING_FIELD_NUMBER: _ClassVar[int]
    timestamp: int
    starAction: SyncActionValue.StarAction
    contactAction: SyncActionValue.ContactAction
    muteAction: SyncActionValue.MuteAction
    pinAction: SyncActionValue.PinAction
    pushNameSetting: SyncActionValue.PushNameSetting
    labelEditAction: SyncActionValue.LabelEditAction
    labelAssociationAction: SyncActionValue.LabelAssociationAction
    localeSetting: SyncActionValue.LocaleSetting
    archiveChatAction: SyncActionValue.ArchiveChatAction
    deleteMessageForMeAction: SyncActionValue.DeleteMessageForMeAction
    markChatAsReadAction: SyncActionValue.MarkChatAsReadAction
    clearChatAction: SyncActionValue.ClearChatAction
    deleteChatAction: SyncActionValue.DeleteChatAction
    unarchiveChatsSetting: SyncActionValue.UnarchiveChatsSetting
    def __init__(self, timestamp: _Optional[int] = ..., starAction: _Optional[_Union[SyncActionValue.StarAction, _Mapping]] = ..., contactAction: _Optional[_Union[SyncActionValue.ContactAction, _Mapping]] = ..., muteAction: _Optional[_Union[SyncActionValue.MuteAction, _Mapping]] = ..., pinAction: _Optional[_Union[SyncActionValue.PinAction, _Mapping]] = ..., pushNameSetting: _Optional[_Union[SyncActionValue.PushNameSetting, _Mapping]] = ..., labelEditAction: _Optional[_Union[SyncActionValue.LabelEditAction, _Mapping]] = ..., labelAssociationAction: _Optional[_Union[SyncActionValue.LabelAssociationAction, _Mapping]] = ..., localeSetting: _Optional[_Union[SyncActionValue.LocaleSetting, _Mapping]] = ..., archiveChatAction: _Optional[_Union[SyncActionValue.ArchiveChatAction, _Mapping]] = ..., deleteMessageForMeAction: _Optional[_Union[SyncActionValue.DeleteMessageForMeAction, _Mapping]] = ..., markChatAsReadAction: _Optional[_Union[SyncActionValue.MarkChatAsReadAction, _Mapping]] = ..., clearChatAction: _Optional[_Union[SyncActionValue.ClearChatAction, _Mapping]] = ..., deleteChatAction: _Optional[_Union[SyncActionValue.DeleteChatAction, _Mapping]] = ..., unarchiveChatsSetting: _Optional[_Union[SyncActionValue.UnarchiveChatsSetting, _Mapping]] = ...) -> None: ...
