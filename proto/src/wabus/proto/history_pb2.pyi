from wabus.proto import e2e_pb2 as _e2e_pb2
from wabus.proto import web_pb2 as _web_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MediaVisibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEFAULT: _ClassVar[MediaVisibility]
    OFF: _ClassVar[MediaVisibility]
    ON: _ClassVar[MediaVisibility]
DEFAULT: MediaVisibility
OFF: MediaVisibility
ON: MediaVisibility

class HistorySync(_message.Message):
    __slots__ = ("syncType", "conversations", "statusV3Messages", "chunkOrder", "progress", "pushnames", "threadIdUserSecret", "threadDsTimeframeOffset", "pastParticipants", "aiWaitListState", "phoneNumberToLidMappings", "companionMetaNonce", "shareableChatIdentifierEncryptionKey", "nctSalt", "inlineContactsProvided")
    class BotAIWaitListState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        IN_WAITLIST: _ClassVar[HistorySync.BotAIWaitListState]
        AI_AVAILABLE: _ClassVar[HistorySync.BotAIWaitListState]
    IN_WAITLIST: HistorySync.BotAIWaitListState
    AI_AVAILABLE: HistorySync.BotAIWaitListState
    class HistorySyncType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INITIAL_BOOTSTRAP: _ClassVar[HistorySync.HistorySyncType]
        INITIAL_STATUS_V3: _ClassVar[HistorySync.HistorySyncType]
        FULL: _ClassVar[HistorySync.HistorySyncType]
        RECENT: _ClassVar[HistorySync.HistorySyncType]
        PUSH_NAME: _ClassVar[HistorySync.HistorySyncType]
        NON_BLOCKING_DATA: _ClassVar[HistorySync.HistorySyncType]
        ON_DEMAND: _ClassVar[HistorySync.HistorySyncType]
    INITIAL_BOOTSTRAP: HistorySync.HistorySyncType
    INITIAL_STATUS_V3: HistorySync.HistorySyncType
    FULL: HistorySync.HistorySyncType
    RECENT: HistorySync.HistorySyncType
    PUSH_NAME: HistorySync.HistorySyncType
    NON_BLOCKING_DATA: HistorySync.HistorySyncType
    ON_DEMAND: HistorySync.HistorySyncType
    SYNCTYPE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    STATUSV3MESSAGES_FIELD_NUMBER: _ClassVar[int]
    CHUNKORDER_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PUSHNAMES_FIELD_NUMBER: _ClassVar[int]
    THREADIDUSERSECRET_FIELD_NUMBER: _ClassVar[int]
    THREADDSTIMEFRAMEOFFSET_FIELD_NUMBER: _ClassVar[int]
    PASTPARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    AIWAITLISTSTATE_FIELD_NUMBER: _ClassVar[int]
    PHONENUMBERTOLIDMAPPINGS_FIELD_NUMBER: _ClassVar[int]
    COMPANIONMETANONCE_FIELD_NUMBER: _ClassVar[int]
    SHAREABLECHATIDENTIFIERENCRYPTIONKEY_FIELD_NUMBER: _ClassVar[int]
    NCTSALT_FIELD_NUMBER: _ClassVar[int]
    INLINECONTACTSPROVIDED_FIELD_NUMBER: _ClassVar[int]
    syncType: HistorySync.HistorySyncType
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    statusV3Messages: _containers.RepeatedCompositeFieldContainer[_web_pb2.WebMessageInfo]
    chunkOrder: int
    progress: int
    pushnames: _containers.RepeatedCompositeFieldContainer[Pushname]
    threadIdUserSecret: bytes
    threadDsTimeframeOffset: int
    pastParticipants: _containers.RepeatedCompositeFieldContainer[PastParticipants]
    aiWaitListState: HistorySync.BotAIWaitListState
    phoneNumberToLidMappings: _containers.RepeatedCompositeFieldContainer[PhoneNumberToLIDMapping]
    companionMetaNonce: str
    shareableChatIdentifierEncryptionKey: bytes
    nctSalt: bytes
    inlineContactsProvided: bool
    def __init__(self, syncType: _Optional[_Union[HistorySync.HistorySyncType, str]] = ..., conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ..., statusV3Messages: _Optional[_Iterable[_Union[_web_pb2.WebMessageInfo, _Mapping]]] = ..., chunkOrder: _Optional[int] = ..., progress: _Optional[int] = ..., pushnames: _Optional[_Iterable[_Union[Pushname, _Mapping]]] = ..., threadIdUserSecret: _Optional[bytes] = ..., threadDsTimeframeOffset: _Optional[int] = ..., pastParticipants: _Optional[_Iterable[_Union[PastParticipants, _Mapping]]] = ..., aiWaitListState: _Optional[_Union[HistorySync.BotAIWaitListState, str]] = ..., phoneNumberToLidMappings: _Optional[_Iterable[_Union[PhoneNumberToLIDMapping, _Mapping]]] = ..., companionMetaNonce: _Optional[str] = ..., shareableChatIdentifierEncryptionKey: _Optional[bytes] = ..., nctSalt: _Optional[bytes] = ..., inlineContactsProvided: _Optional[bool] = ...) -> None: ...

class Conversation(_message.Message):
    __slots__ = ("id", "messages", "newJid", "oldJid", "lastMsgTimestamp", "unreadCount", "readOnly", "endOfHistoryTransfer", "ephemeralExpiration", "ephemeralSettingTimestamp", "endOfHistoryTransferType", "conversationTimestamp", "name", "pHash", "notSpam", "archived", "disappearingMode", "unreadMentionCount", "markedAsUnread", "participant", "tcToken", "tcTokenTimestamp", "contactPrimaryIdentityKey", "pinned", "muteEndTime", "mediaVisibility", "tcTokenSenderTimestamp", "suspended", "terminated", "createdAt", "createdBy", "description", "support", "isParentGroup", "isDefaultSubgroup", "parentGroupId", "displayName", "pnJid", "shareOwnPn", "pnhDuplicateLidThread", "lidJid", "username", "lidOriginType", "commentsCount", "locked", "capiCreatedGroup", "accountLid", "limitSharing", "limitSharingSettingTimestamp", "limitSharingInitiatedByMe", "maibaAiThreadEnabled", "isMarketingMessageThread", "isSenderNewAccount", "afterReadDuration", "isSenderSuspicious", "appealStatus", "appealUpdateTime", "authAgentParentCompanyName", "authAgentObaPhoneNumber")
    class EndOfHistoryTransferType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        COMPLETE_BUT_MORE_MESSAGES_REMAIN_ON_PRIMARY: _ClassVar[Conversation.EndOfHistoryTransferType]
        COMPLETE_AND_NO_MORE_MESSAGE_REMAIN_ON_PRIMARY: _ClassVar[Conversation.EndOfHistoryTransferType]
        COMPLETE_ON_DEMAND_SYNC_BUT_MORE_MSG_REMAIN_ON_PRIMARY: _ClassVar[Conversation.EndOfHistoryTransferType]
        COMPLETE_ON_DEMAND_SYNC_WITH_MORE_MSG_ON_PRIMARY_BUT_NO_ACCESS: _ClassVar[Conversation.EndOfHistoryTransferType]
    COMPLETE_BUT_MORE_MESSAGES_REMAIN_ON_PRIMARY: Conversation.EndOfHistoryTransferType
    COMPLETE_AND_NO_MORE_MESSAGE_REMAIN_ON_PRIMARY: Conversation.EndOfHistoryTransferType
    COMPLETE_ON_DEMAND_SYNC_BUT_MORE_MSG_REMAIN_ON_PRIMARY: Conversation.EndOfHistoryTransferType
    COMPLETE_ON_DEMAND_SYNC_WITH_MORE_MSG_ON_PRIMARY_BUT_NO_ACCESS: Conversation.EndOfHistoryTransferType
    class GroupAppealStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        NO_APPEAL: _ClassVar[Conversation.GroupAppealStatus]
        APPEAL_IN_REVIEW: _ClassVar[Conversation.GroupAppealStatus]
        APPEAL_APPROVED: _ClassVar[Conversation.GroupAppealStatus]
        APPEAL_REJECTED: _ClassVar[Conversation.GroupAppealStatus]
    NO_APPEAL: Conversation.GroupAppealStatus
    APPEAL_IN_REVIEW: Conversation.GroupAppealStatus
    APPEAL_APPROVED: Conversation.GroupAppealStatus
    APPEAL_REJECTED: Conversation.GroupAppealStatus
    ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEWJID_FIELD_NUMBER: _ClassVar[int]
    OLDJID_FIELD_NUMBER: _ClassVar[int]
    LASTMSGTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    UNREADCOUNT_FIELD_NUMBER: _ClassVar[int]
    READONLY_FIELD_NUMBER: _ClassVar[int]
    ENDOFHISTORYTRANSFER_FIELD_NUMBER: _ClassVar[int]
    EPHEMERALEXPIRATION_FIELD_NUMBER: _ClassVar[int]
    EPHEMERALSETTINGTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ENDOFHISTORYTRANSFERTYPE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHASH_FIELD_NUMBER: _ClassVar[int]
    NOTSPAM_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    DISAPPEARINGMODE_FIELD_NUMBER: _ClassVar[int]
    UNREADMENTIONCOUNT_FIELD_NUMBER: _ClassVar[int]
    MARKEDASUNREAD_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    TCTOKEN_FIELD_NUMBER: _ClassVar[int]
    TCTOKENTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    CONTACTPRIMARYIDENTITYKEY_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    MUTEENDTIME_FIELD_NUMBER: _ClassVar[int]
    MEDIAVISIBILITY_FIELD_NUMBER: _ClassVar[int]
    TCTOKENSENDERTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_FIELD_NUMBER: _ClassVar[int]
    CREATEDAT_FIELD_NUMBER: _ClassVar[int]
    CREATEDBY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    ISPARENTGROUP_FIELD_NUMBER: _ClassVar[int]
    ISDEFAULTSUBGROUP_FIELD_NUMBER: _ClassVar[int]
    PARENTGROUPID_FIELD_NUMBER: _ClassVar[int]
    DISPLAYNAME_FIELD_NUMBER: _ClassVar[int]
    PNJID_FIELD_NUMBER: _ClassVar[int]
    SHAREOWNPN_FIELD_NUMBER: _ClassVar[int]
    PNHDUPLICATELIDTHREAD_FIELD_NUMBER: _ClassVar[int]
    LIDJID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    LIDORIGINTYPE_FIELD_NUMBER: _ClassVar[int]
    COMMENTSCOUNT_FIELD_NUMBER: _ClassVar[int]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    CAPICREATEDGROUP_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTLID_FIELD_NUMBER: _ClassVar[int]
    LIMITSHARING_FIELD_NUMBER: _ClassVar[int]
    LIMITSHARINGSETTINGTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LIMITSHARINGINITIATEDBYME_FIELD_NUMBER: _ClassVar[int]
    MAIBAAITHREADENABLED_FIELD_NUMBER: _ClassVar[int]
    ISMARKETINGMESSAGETHREAD_FIELD_NUMBER: _ClassVar[int]
    ISSENDERNEWACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AFTERREADDURATION_FIELD_NUMBER: _ClassVar[int]
    ISSENDERSUSPICIOUS_FIELD_NUMBER: _ClassVar[int]
    APPEALSTATUS_FIELD_NUMBER: _ClassVar[int]
    APPEALUPDATETIME_FIELD_NUMBER: _ClassVar[int]
    AUTHAGENTPARENTCOMPANYNAME_FIELD_NUMBER: _ClassVar[int]
    AUTHAGENTOBAPHONENUMBER_FIELD_NUMBER: _ClassVar[int]
    id: str
    messages: _containers.RepeatedCompositeFieldContainer[HistorySyncMsg]
    newJid: str
    oldJid: str
    lastMsgTimestamp: int
    unreadCount: int
    readOnly: bool
    endOfHistoryTransfer: bool
    ephemeralExpiration: int
    ephemeralSettingTimestamp: int
    endOfHistoryTransferType: Conversation.EndOfHistoryTransferType
    conversationTimestamp: int
    name: str
    pHash: str
    notSpam: bool
    archived: bool
    disappearingMode: _e2e_pb2.DisappearingMode
    unreadMentionCount: int
    markedAsUnread: bool
    participant: _containers.RepeatedCompositeFieldContainer[GroupParticipant]
    tcToken: bytes
    tcTokenTimestamp: int
    contactPrimaryIdentityKey: bytes
    pinned: int
    muteEndTime: int
    mediaVisibility: MediaVisibility
    tcTokenSenderTimestamp: int
    suspended: bool
    terminated: bool
    createdAt: int
    createdBy: str
    description: str
    support: bool
    isParentGroup: bool
    isDefaultSubgroup: bool
    parentGroupId: str
    displayName: str
    pnJid: str
    shareOwnPn: bool
    pnhDuplicateLidThread: bool
    lidJid: str
    username: str
    lidOriginType: str
    commentsCount: int
    locked: bool
    capiCreatedGroup: bool
    accountLid: str
    limitSharing: bool
    limitSharingSettingTimestamp: int
    limitSharingInitiatedByMe: bool
    maibaAiThreadEnabled: bool
    isMarketingMessageThread: bool
    isSenderNewAccount: bool
    afterReadDuration: int
    isSenderSuspicious: bool
    appealStatus: Conversation.GroupAppealStatus
    appealUpdateTime: int
    authAgentParentCompanyName: str
    authAgentObaPhoneNumber: str
    def __init__(self, id: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[HistorySyncMsg, _Mapping]]] = ..., newJid: _Optional[str] = ..., oldJid: _Optional[str] = ..., lastMsgTimestamp: _Optional[int] = ..., unreadCount: _Optional[int] = ..., readOnly: _Optional[bool] = ..., endOfHistoryTransfer: _Optional[bool] = ..., ephemeralExpiration: _Optional[int] = ..., ephemeralSettingTimestamp: _Optional[int] = ..., endOfHistoryTransferType: _Optional[_Union[Conversation.EndOfHistoryTransferType, str]] = ..., conversationTimestamp: _Optional[int] = ..., name: _Optional[str] = ..., pHash: _Optional[str] = ..., notSpam: _Optional[bool] = ..., archived: _Optional[bool] = ..., disappearingMode: _Optional[_Union[_e2e_pb2.DisappearingMode, _Mapping]] = ..., unreadMentionCount: _Optional[int] = ..., markedAsUnread: _Optional[bool] = ..., participant: _Optional[_Iterable[_Union[GroupParticipant, _Mapping]]] = ..., tcToken: _Optional[bytes] = ..., tcTokenTimestamp: _Optional[int] = ..., contactPrimaryIdentityKey: _Optional[bytes] = ..., pinned: _Optional[int] = ..., muteEndTime: _Optional[int] = ..., mediaVisibility: _Optional[_Union[MediaVisibility, str]] = ..., tcTokenSenderTimestamp: _Optional[int] = ..., suspended: _Optional[bool] = ..., terminated: _Optional[bool] = ..., createdAt: _Optional[int] = ..., createdBy: _Optional[str] = ..., description: _Optional[str] = ..., support: _Optional[bool] = ..., isParentGroup: _Optional[bool] = ..., isDefaultSubgroup: _Optional[bool] = ..., parentGroupId: _Optional[str] = ..., displayName: _Optional[str] = ..., pnJid: _Optional[str] = ..., shareOwnPn: _Optional[bool] = ..., pnhDuplicateLidThread: _Optional[bool] = ..., lidJid: _Optional[str] = ..., username: _Optional[str] = ..., lidOriginType: _Optional[str] = ..., commentsCount: _Optional[int] = ..., locked: _Optional[bool] = ..., capiCreatedGroup: _Optional[bool] = ..., accountLid: _Optional[str] = ..., limitSharing: _Optional[bool] = ..., limitSharingSettingTimestamp: _Optional[int] = ..., limitSharingInitiatedByMe: _Optional[bool] = ..., maibaAiThreadEnabled: _Optional[bool] = ..., isMarketingMessageThread: _Optional[bool] = ..., isSenderNewAccount: _Optional[bool] = ..., afterReadDuration: _Optional[int] = ..., isSenderSuspicious: _Optional[bool] = ..., appealStatus: _Optional[_Union[Conversation.GroupAppealStatus, str]] = ..., appealUpdateTime: _Optional[int] = ..., authAgentParentCompanyName: _Optional[str] = ..., authAgentObaPhoneNumber: _Optional[str] = ...) -> None: ...

class HistorySyncMsg(_message.Message):
    __slots__ = ("message", "msgOrderId")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MSGORDERID_FIELD_NUMBER: _ClassVar[int]
    message: _web_pb2.WebMessageInfo
    msgOrderId: int
    def __init__(self, message: _Optional[_Union[_web_pb2.WebMessageInfo, _Mapping]] = ..., msgOrderId: _Optional[int] = ...) -> None: ...

class Pushname(_message.Message):
    __slots__ = ("id", "pushname")
    ID_FIELD_NUMBER: _ClassVar[int]
    PUSHNAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    pushname: str
    def __init__(self, id: _Optional[str] = ..., pushname: _Optional[str] = ...) -> None: ...

class GroupParticipant(_message.Message):
    __slots__ = ("userJid", "rank")
    class Rank(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        REGULAR: _ClassVar[GroupParticipant.Rank]
        ADMIN: _ClassVar[GroupParticipant.Rank]
        SUPERADMIN: _ClassVar[GroupParticipant.Rank]
    REGULAR: GroupParticipant.Rank
    ADMIN: GroupParticipant.Rank
    SUPERADMIN: GroupParticipant.Rank
    USERJID_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    userJid: str
    rank: GroupParticipant.Rank
    def __init__(self, userJid: _Optional[str] = ..., rank: _Optional[_Union[GroupParticipant.Rank, str]] = ...) -> None: ...

class PastParticipants(_message.Message):
    __slots__ = ("groupJid", "pastParticipants")
    GROUPJID_FIELD_NUMBER: _ClassVar[int]
    PASTPARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    groupJid: str
    pastParticipants: _containers.RepeatedCompositeFieldContainer[PastParticipant]
    def __init__(self, groupJid: _Optional[str] = ..., pastParticipants: _Optional[_Iterable[_Union[PastParticipant, _Mapping]]] = ...) -> None: ...

class PastParticipant(_message.Message):
    __slots__ = ("userJid", "leaveReason", "leaveTs")
    class LeaveReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        LEFT: _ClassVar[PastParticipant.LeaveReason]
        REMOVED: _ClassVar[PastParticipant.LeaveReason]
    LEFT: PastParticipant.LeaveReason
    REMOVED: PastParticipant.LeaveReason
    USERJID_FIELD_NUMBER: _ClassVar[int]
    LEAVEREASON_FIELD_NUMBER: _ClassVar[int]
    LEAVETS_FIELD_NUMBER: _ClassVar[int]
    userJid: str
    leaveReason: PastParticipant.LeaveReason
    leaveTs: int
    def __init__(self, userJid: _Optional[str] = ..., leaveReason: _Optional[_Union[PastParticipant.LeaveReason, str]] = ..., leaveTs: _Optional[int] = ...) -> None: ...

class PhoneNumberToLIDMapping(_message.Message):
    __slots__ = ("pnJid", "lidJid")
    PNJID_FIELD_NUMBER: _ClassVar[int]
    LIDJID_FIELD_NUMBER: _ClassVar[int]
    pnJid: str
    lidJid: str
    def __init__(self, pnJid: _Optional[str] = ..., lidJid: _Optional[str] = ...) -> None: ...
