from wabus.proto import adv_pb2 as _adv_pb2
from wabus.proto import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Message(_message.Message):
    __slots__ = ("conversation", "senderKeyDistributionMessage", "imageMessage", "contactMessage", "locationMessage", "extendedTextMessage", "documentMessage", "audioMessage", "videoMessage", "protocolMessage", "contactsArrayMessage", "fastRatchetKeySenderKeyDistributionMessage", "liveLocationMessage", "stickerMessage", "deviceSentMessage", "messageContextInfo", "viewOnceMessage", "ephemeralMessage", "reactionMessage", "pollCreationMessage", "pollUpdateMessage", "documentWithCaptionMessage", "viewOnceMessageV2", "editedMessage", "viewOnceMessageV2Extension", "pollCreationMessageV2", "groupMentionedMessage", "pollCreationMessageV3", "ptvMessage", "botInvokeMessage", "lottieStickerMessage", "eventCoverImage", "statusMentionMessage", "pollCreationOptionImageMessage", "associatedChildMessage", "groupStatusMentionMessage", "pollCreationMessageV4", "statusAddYours", "groupStatusMessage", "limitSharingMessage", "botTaskMessage", "questionMessage", "groupStatusMessageV2", "botForwardedMessage", "questionReplyMessage", "pollCreationMessageV5", "newsletterAdminProfileMessage", "newsletterAdminProfileMessageV2", "spoilerMessage", "pollCreationMessageV6", "newsletterAdminProfileStatusMessage", "botPlatformRegistrationSuccessMessage")
    class HistorySyncType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INITIAL_BOOTSTRAP: _ClassVar[Message.HistorySyncType]
        INITIAL_STATUS_V3: _ClassVar[Message.HistorySyncType]
        FULL: _ClassVar[Message.HistorySyncType]
        RECENT: _ClassVar[Message.HistorySyncType]
        PUSH_NAME: _ClassVar[Message.HistorySyncType]
        NON_BLOCKING_DATA: _ClassVar[Message.HistorySyncType]
        ON_DEMAND: _ClassVar[Message.HistorySyncType]
        NO_HISTORY: _ClassVar[Message.HistorySyncType]
        MESSAGE_ACCESS_STATUS: _ClassVar[Message.HistorySyncType]
    INITIAL_BOOTSTRAP: Message.HistorySyncType
    INITIAL_STATUS_V3: Message.HistorySyncType
    FULL: Message.HistorySyncType
    RECENT: Message.HistorySyncType
    PUSH_NAME: Message.HistorySyncType
    NON_BLOCKING_DATA: Message.HistorySyncType
    ON_DEMAND: Message.HistorySyncType
    NO_HISTORY: Message.HistorySyncType
    MESSAGE_ACCESS_STATUS: Message.HistorySyncType
    class PollContentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UNKNOWN: _ClassVar[Message.PollContentType]
        TEXT: _ClassVar[Message.PollContentType]
        IMAGE: _ClassVar[Message.PollContentType]
    UNKNOWN: Message.PollContentType
    TEXT: Message.PollContentType
    IMAGE: Message.PollContentType
    class PollType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        POLL: _ClassVar[Message.PollType]
        QUIZ: _ClassVar[Message.PollType]
    POLL: Message.PollType
    QUIZ: Message.PollType
    class SenderKeyDistributionMessage(_message.Message):
        __slots__ = ("groupId", "axolotlSenderKeyDistributionMessage")
        GROUPID_FIELD_NUMBER: _ClassVar[int]
        AXOLOTLSENDERKEYDISTRIBUTIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
        groupId: str
        axolotlSenderKeyDistributionMessage: bytes
        def __init__(self, groupId: _Optional[str] = ..., axolotlSenderKeyDistributionMessage: _Optional[bytes] = ...) -> None: ...
    class ImageMessage(_message.Message):
        __slots__ = ("url", "mimetype", "caption", "fileSha256", "fileLength", "height", "width", "mediaKey", "fileEncSha256", "directPath", "mediaKeyTimestamp", "jpegThumbnail", "contextInfo", "firstScanSidecar", "firstScanLength", "experimentGroupId", "scansSidecar", "scanLengths", "midQualityFileSha256", "midQualityFileEncSha256", "viewOnce", "thumbnailDirectPath", "thumbnailSha256", "thumbnailEncSha256", "staticUrl", "imageSourceType", "accessibilityLabel", "qrUrl")
        class ImageSourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            USER_IMAGE: _ClassVar[Message.ImageMessage.ImageSourceType]
            AI_GENERATED: _ClassVar[Message.ImageMessage.ImageSourceType]
            AI_MODIFIED: _ClassVar[Message.ImageMessage.ImageSourceType]
            RASTERIZED_TEXT_STATUS: _ClassVar[Message.ImageMessage.ImageSourceType]
        USER_IMAGE: Message.ImageMessage.ImageSourceType
        AI_GENERATED: Message.ImageMessage.ImageSourceType
        AI_MODIFIED: Message.ImageMessage.ImageSourceType
        RASTERIZED_TEXT_STATUS: Message.ImageMessage.ImageSourceType
        URL_FIELD_NUMBER: _ClassVar[int]
        MIMETYPE_FIELD_NUMBER: _ClassVar[int]
        CAPTION_FIELD_NUMBER: _ClassVar[int]
        FILESHA256_FIELD_NUMBER: _ClassVar[int]
        FILELENGTH_FIELD_NUMBER: _ClassVar[int]
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEY_FIELD_NUMBER: _ClassVar[int]
        FILEENCSHA256_FIELD_NUMBER: _ClassVar[int]
        DIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEYTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        JPEGTHUMBNAIL_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        FIRSTSCANSIDECAR_FIELD_NUMBER: _ClassVar[int]
        FIRSTSCANLENGTH_FIELD_NUMBER: _ClassVar[int]
        EXPERIMENTGROUPID_FIELD_NUMBER: _ClassVar[int]
        SCANSSIDECAR_FIELD_NUMBER: _ClassVar[int]
        SCANLENGTHS_FIELD_NUMBER: _ClassVar[int]
        MIDQUALITYFILESHA256_FIELD_NUMBER: _ClassVar[int]
        MIDQUALITYFILEENCSHA256_FIELD_NUMBER: _ClassVar[int]
        VIEWONCE_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILDIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILSHA256_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILENCSHA256_FIELD_NUMBER: _ClassVar[int]
        STATICURL_FIELD_NUMBER: _ClassVar[int]
        IMAGESOURCETYPE_FIELD_NUMBER: _ClassVar[int]
        ACCESSIBILITYLABEL_FIELD_NUMBER: _ClassVar[int]
        QRURL_FIELD_NUMBER: _ClassVar[int]
        url: str
        mimetype: str
        caption: str
        fileSha256: bytes
        fileLength: int
        height: int
        width: int
        mediaKey: bytes
        fileEncSha256: bytes
        directPath: str
        mediaKeyTimestamp: int
        jpegThumbnail: bytes
        contextInfo: ContextInfo
        firstScanSidecar: bytes
        firstScanLength: int
        experimentGroupId: int
        scansSidecar: bytes
        scanLengths: _containers.RepeatedScalarFieldContainer[int]
        midQualityFileSha256: bytes
        midQualityFileEncSha256: bytes
        viewOnce: bool
        thumbnailDirectPath: str
        thumbnailSha256: bytes
        thumbnailEncSha256: bytes
        staticUrl: str
        imageSourceType: Message.ImageMessage.ImageSourceType
        accessibilityLabel: str
        qrUrl: str
        def __init__(self, url: _Optional[str] = ..., mimetype: _Optional[str] = ..., caption: _Optional[str] = ..., fileSha256: _Optional[bytes] = ..., fileLength: _Optional[int] = ..., height: _Optional[int] = ..., width: _Optional[int] = ..., mediaKey: _Optional[bytes] = ..., fileEncSha256: _Optional[bytes] = ..., directPath: _Optional[str] = ..., mediaKeyTimestamp: _Optional[int] = ..., jpegThumbnail: _Optional[bytes] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ..., firstScanSidecar: _Optional[bytes] = ..., firstScanLength: _Optional[int] = ..., experimentGroupId: _Optional[int] = ..., scansSidecar: _Optional[bytes] = ..., scanLengths: _Optional[_Iterable[int]] = ..., midQualityFileSha256: _Optional[bytes] = ..., midQualityFileEncSha256: _Optional[bytes] = ..., viewOnce: _Optional[bool] = ..., thumbnailDirectPath: _Optional[str] = ..., thumbnailSha256: _Optional[bytes] = ..., thumbnailEncSha256: _Optional[bytes] = ..., staticUrl: _Optional[str] = ..., imageSourceType: _Optional[_Union[Message.ImageMessage.ImageSourceType, str]] = ..., accessibilityLabel: _Optional[str] = ..., qrUrl: _Optional[str] = ...) -> None: ...
    class VideoMessage(_message.Message):
        __slots__ = ("url", "mimetype", "fileSha256", "fileLength", "seconds", "mediaKey", "caption", "gifPlayback", "height", "width", "fileEncSha256", "directPath", "mediaKeyTimestamp", "jpegThumbnail", "contextInfo", "streamingSidecar", "gifAttribution", "viewOnce", "thumbnailDirectPath", "thumbnailSha256", "thumbnailEncSha256", "staticUrl", "accessibilityLabel", "externalShareFullVideoDurationInSeconds", "motionPhotoPresentationOffsetMs", "metadataUrl", "videoSourceType")
        class Attribution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            NONE: _ClassVar[Message.VideoMessage.Attribution]
            GIPHY: _ClassVar[Message.VideoMessage.Attribution]
            TENOR: _ClassVar[Message.VideoMessage.Attribution]
            KLIPY: _ClassVar[Message.VideoMessage.Attribution]
        NONE: Message.VideoMessage.Attribution
        GIPHY: Message.VideoMessage.Attribution
        TENOR: Message.VideoMessage.Attribution
        KLIPY: Message.VideoMessage.Attribution
        class VideoSourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            USER_VIDEO: _ClassVar[Message.VideoMessage.VideoSourceType]
            AI_GENERATED: _ClassVar[Message.VideoMessage.VideoSourceType]
        USER_VIDEO: Message.VideoMessage.VideoSourceType
        AI_GENERATED: Message.VideoMessage.VideoSourceType
        URL_FIELD_NUMBER: _ClassVar[int]
        MIMETYPE_FIELD_NUMBER: _ClassVar[int]
        FILESHA256_FIELD_NUMBER: _ClassVar[int]
        FILELENGTH_FIELD_NUMBER: _ClassVar[int]
        SECONDS_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEY_FIELD_NUMBER: _ClassVar[int]
        CAPTION_FIELD_NUMBER: _ClassVar[int]
        GIFPLAYBACK_FIELD_NUMBER: _ClassVar[int]
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        FILEENCSHA256_FIELD_NUMBER: _ClassVar[int]
        DIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEYTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        JPEGTHUMBNAIL_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        STREAMINGSIDECAR_FIELD_NUMBER: _ClassVar[int]
        GIFATTRIBUTION_FIELD_NUMBER: _ClassVar[int]
        VIEWONCE_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILDIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILSHA256_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILENCSHA256_FIELD_NUMBER: _ClassVar[int]
        STATICURL_FIELD_NUMBER: _ClassVar[int]
        ACCESSIBILITYLABEL_FIELD_NUMBER: _ClassVar[int]
        EXTERNALSHAREFULLVIDEODURATIONINSECONDS_FIELD_NUMBER: _ClassVar[int]
        MOTIONPHOTOPRESENTATIONOFFSETMS_FIELD_NUMBER: _ClassVar[int]
        METADATAURL_FIELD_NUMBER: _ClassVar[int]
        VIDEOSOURCETYPE_FIELD_NUMBER: _ClassVar[int]
        url: str
        mimetype: str
        fileSha256: bytes
        fileLength: int
        seconds: int
        mediaKey: bytes
        caption: str
        gifPlayback: bool
        height: int
        width: int
        fileEncSha256: bytes
        directPath: str
        mediaKeyTimestamp: int
        jpegThumbnail: bytes
        contextInfo: ContextInfo
        streamingSidecar: bytes
        gifAttribution: Message.VideoMessage.Attribution
        viewOnce: bool
        thumbnailDirectPath: str
        thumbnailSha256: bytes
        thumbnailEncSha256: bytes
        staticUrl: str
        accessibilityLabel: str
        externalShareFullVideoDurationInSeconds: int
        motionPhotoPresentationOffsetMs: int
        metadataUrl: str
        videoSourceType: Message.VideoMessage.VideoSourceType
        def __init__(self, url: _Optional[str] = ..., mimetype: _Optional[str] = ..., fileSha256: _Optional[bytes] = ..., fileLength: _Optional[int] = ..., seconds: _Optional[int] = ..., mediaKey: _Optional[bytes] = ..., caption: _Optional[str] = ..., gifPlayback: _Optional[bool] = ..., height: _Optional[int] = ..., width: _Optional[int] = ..., fileEncSha256: _Optional[bytes] = ..., directPath: _Optional[str] = ..., mediaKeyTimestamp: _Optional[int] = ..., jpegThumbnail: _Optional[bytes] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ..., streamingSidecar: _Optional[bytes] = ..., gifAttribution: _Optional[_Union[Message.VideoMessage.Attribution, str]] = ..., viewOnce: _Optional[bool] = ..., thumbnailDirectPath: _Optional[str] = ..., thumbnailSha256: _Optional[bytes] = ..., thumbnailEncSha256: _Optional[bytes] = ..., staticUrl: _Optional[str] = ..., accessibilityLabel: _Optional[str] = ..., externalShareFullVideoDurationInSeconds: _Optional[int] = ..., motionPhotoPresentationOffsetMs: _Optional[int] = ..., metadataUrl: _Optional[str] = ..., videoSourceType: _Optional[_Union[Message.VideoMessage.VideoSourceType, str]] = ...) -> None: ...
    class AudioMessage(_message.Message):
        __slots__ = ("url", "mimetype", "fileSha256", "fileLength", "seconds", "ptt", "mediaKey", "fileEncSha256", "directPath", "mediaKeyTimestamp", "contextInfo", "streamingSidecar", "waveform", "backgroundArgb", "viewOnce", "accessibilityLabel")
        URL_FIELD_NUMBER: _ClassVar[int]
        MIMETYPE_FIELD_NUMBER: _ClassVar[int]
        FILESHA256_FIELD_NUMBER: _ClassVar[int]
        FILELENGTH_FIELD_NUMBER: _ClassVar[int]
        SECONDS_FIELD_NUMBER: _ClassVar[int]
        PTT_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEY_FIELD_NUMBER: _ClassVar[int]
        FILEENCSHA256_FIELD_NUMBER: _ClassVar[int]
        DIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEYTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        STREAMINGSIDECAR_FIELD_NUMBER: _ClassVar[int]
        WAVEFORM_FIELD_NUMBER: _ClassVar[int]
        BACKGROUNDARGB_FIELD_NUMBER: _ClassVar[int]
        VIEWONCE_FIELD_NUMBER: _ClassVar[int]
        ACCESSIBILITYLABEL_FIELD_NUMBER: _ClassVar[int]
        url: str
        mimetype: str
        fileSha256: bytes
        fileLength: int
        seconds: int
        ptt: bool
        mediaKey: bytes
        fileEncSha256: bytes
        directPath: str
        mediaKeyTimestamp: int
        contextInfo: ContextInfo
        streamingSidecar: bytes
        waveform: bytes
        backgroundArgb: int
        viewOnce: bool
        accessibilityLabel: str
        def __init__(self, url: _Optional[str] = ..., mimetype: _Optional[str] = ..., fileSha256: _Optional[bytes] = ..., fileLength: _Optional[int] = ..., seconds: _Optional[int] = ..., ptt: _Optional[bool] = ..., mediaKey: _Optional[bytes] = ..., fileEncSha256: _Optional[bytes] = ..., directPath: _Optional[str] = ..., mediaKeyTimestamp: _Optional[int] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ..., streamingSidecar: _Optional[bytes] = ..., waveform: _Optional[bytes] = ..., backgroundArgb: _Optional[int] = ..., viewOnce: _Optional[bool] = ..., accessibilityLabel: _Optional[str] = ...) -> None: ...
    class DocumentMessage(_message.Message):
        __slots__ = ("url", "mimetype", "title", "fileSha256", "fileLength", "pageCount", "mediaKey", "fileName", "fileEncSha256", "directPath", "mediaKeyTimestamp", "contactVcard", "thumbnailDirectPath", "thumbnailSha256", "thumbnailEncSha256", "jpegThumbnail", "contextInfo", "thumbnailHeight", "thumbnailWidth", "caption", "accessibilityLabel")
        URL_FIELD_NUMBER: _ClassVar[int]
        MIMETYPE_FIELD_NUMBER: _ClassVar[int]
        TITLE_FIELD_NUMBER: _ClassVar[int]
        FILESHA256_FIELD_NUMBER: _ClassVar[int]
        FILELENGTH_FIELD_NUMBER: _ClassVar[int]
        PAGECOUNT_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEY_FIELD_NUMBER: _ClassVar[int]
        FILENAME_FIELD_NUMBER: _ClassVar[int]
        FILEENCSHA256_FIELD_NUMBER: _ClassVar[int]
        DIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEYTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        CONTACTVCARD_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILDIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILSHA256_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILENCSHA256_FIELD_NUMBER: _ClassVar[int]
        JPEGTHUMBNAIL_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILHEIGHT_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILWIDTH_FIELD_NUMBER: _ClassVar[int]
        CAPTION_FIELD_NUMBER: _ClassVar[int]
        ACCESSIBILITYLABEL_FIELD_NUMBER: _ClassVar[int]
        url: str
        mimetype: str
        title: str
        fileSha256: bytes
        fileLength: int
        pageCount: int
        mediaKey: bytes
        fileName: str
        fileEncSha256: bytes
        directPath: str
        mediaKeyTimestamp: int
        contactVcard: bool
        thumbnailDirectPath: str
        thumbnailSha256: bytes
        thumbnailEncSha256: bytes
        jpegThumbnail: bytes
        contextInfo: ContextInfo
        thumbnailHeight: int
        thumbnailWidth: int
        caption: str
        accessibilityLabel: str
        def __init__(self, url: _Optional[str] = ..., mimetype: _Optional[str] = ..., title: _Optional[str] = ..., fileSha256: _Optional[bytes] = ..., fileLength: _Optional[int] = ..., pageCount: _Optional[int] = ..., mediaKey: _Optional[bytes] = ..., fileName: _Optional[str] = ..., fileEncSha256: _Optional[bytes] = ..., directPath: _Optional[str] = ..., mediaKeyTimestamp: _Optional[int] = ..., contactVcard: _Optional[bool] = ..., thumbnailDirectPath: _Optional[str] = ..., thumbnailSha256: _Optional[bytes] = ..., thumbnailEncSha256: _Optional[bytes] = ..., jpegThumbnail: _Optional[bytes] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ..., thumbnailHeight: _Optional[int] = ..., thumbnailWidth: _Optional[int] = ..., caption: _Optional[str] = ..., accessibilityLabel: _Optional[str] = ...) -> None: ...
    class StickerMessage(_message.Message):
        __slots__ = ("url", "fileSha256", "fileEncSha256", "mediaKey", "mimetype", "height", "width", "directPath", "fileLength", "mediaKeyTimestamp", "firstFrameLength", "firstFrameSidecar", "isAnimated", "pngThumbnail", "contextInfo", "stickerSentTs", "isAvatar", "isAiSticker", "isLottie", "accessibilityLabel", "premium", "emojis")
        URL_FIELD_NUMBER: _ClassVar[int]
        FILESHA256_FIELD_NUMBER: _ClassVar[int]
        FILEENCSHA256_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEY_FIELD_NUMBER: _ClassVar[int]
        MIMETYPE_FIELD_NUMBER: _ClassVar[int]
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        DIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        FILELENGTH_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEYTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        FIRSTFRAMELENGTH_FIELD_NUMBER: _ClassVar[int]
        FIRSTFRAMESIDECAR_FIELD_NUMBER: _ClassVar[int]
        ISANIMATED_FIELD_NUMBER: _ClassVar[int]
        PNGTHUMBNAIL_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        STICKERSENTTS_FIELD_NUMBER: _ClassVar[int]
        ISAVATAR_FIELD_NUMBER: _ClassVar[int]
        ISAISTICKER_FIELD_NUMBER: _ClassVar[int]
        ISLOTTIE_FIELD_NUMBER: _ClassVar[int]
        ACCESSIBILITYLABEL_FIELD_NUMBER: _ClassVar[int]
        PREMIUM_FIELD_NUMBER: _ClassVar[int]
        EMOJIS_FIELD_NUMBER: _ClassVar[int]
        url: str
        fileSha256: bytes
        fileEncSha256: bytes
        mediaKey: bytes
        mimetype: str
        height: int
        width: int
        directPath: str
        fileLength: int
        mediaKeyTimestamp: int
        firstFrameLength: int
        firstFrameSidecar: bytes
        isAnimated: bool
        pngThumbnail: bytes
        contextInfo: ContextInfo
        stickerSentTs: int
        isAvatar: bool
        isAiSticker: bool
        isLottie: bool
        accessibilityLabel: str
        premium: int
        emojis: str
        def __init__(self, url: _Optional[str] = ..., fileSha256: _Optional[bytes] = ..., fileEncSha256: _Optional[bytes] = ..., mediaKey: _Optional[bytes] = ..., mimetype: _Optional[str] = ..., height: _Optional[int] = ..., width: _Optional[int] = ..., directPath: _Optional[str] = ..., fileLength: _Optional[int] = ..., mediaKeyTimestamp: _Optional[int] = ..., firstFrameLength: _Optional[int] = ..., firstFrameSidecar: _Optional[bytes] = ..., isAnimated: _Optional[bool] = ..., pngThumbnail: _Optional[bytes] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ..., stickerSentTs: _Optional[int] = ..., isAvatar: _Optional[bool] = ..., isAiSticker: _Optional[bool] = ..., isLottie: _Optional[bool] = ..., accessibilityLabel: _Optional[str] = ..., premium: _Optional[int] = ..., emojis: _Optional[str] = ...) -> None: ...
    class ContactMessage(_message.Message):
        __slots__ = ("displayName", "vcard", "contextInfo", "isSelfContact")
        DISPLAYNAME_FIELD_NUMBER: _ClassVar[int]
        VCARD_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        ISSELFCONTACT_FIELD_NUMBER: _ClassVar[int]
        displayName: str
        vcard: str
        contextInfo: ContextInfo
        isSelfContact: bool
        def __init__(self, displayName: _Optional[str] = ..., vcard: _Optional[str] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ..., isSelfContact: _Optional[bool] = ...) -> None: ...
    class ContactsArrayMessage(_message.Message):
        __slots__ = ("displayName", "contacts", "contextInfo")
        DISPLAYNAME_FIELD_NUMBER: _ClassVar[int]
        CONTACTS_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        displayName: str
        contacts: _containers.RepeatedCompositeFieldContainer[Message.ContactMessage]
        contextInfo: ContextInfo
        def __init__(self, displayName: _Optional[str] = ..., contacts: _Optional[_Iterable[_Union[Message.ContactMessage, _Mapping]]] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ...) -> None: ...
    class LocationMessage(_message.Message):
        __slots__ = ("degreesLatitude", "degreesLongitude", "name", "address", "url", "isLive", "accuracyInMeters", "speedInMps", "degreesClockwiseFromMagneticNorth", "comment", "jpegThumbnail", "contextInfo")
        DEGREESLATITUDE_FIELD_NUMBER: _ClassVar[int]
        DEGREESLONGITUDE_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        ADDRESS_FIELD_NUMBER: _ClassVar[int]
        URL_FIELD_NUMBER: _ClassVar[int]
        ISLIVE_FIELD_NUMBER: _ClassVar[int]
        ACCURACYINMETERS_FIELD_NUMBER: _ClassVar[int]
        SPEEDINMPS_FIELD_NUMBER: _ClassVar[int]
        DEGREESCLOCKWISEFROMMAGNETICNORTH_FIELD_NUMBER: _ClassVar[int]
        COMMENT_FIELD_NUMBER: _ClassVar[int]
        JPEGTHUMBNAIL_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        degreesLatitude: float
        degreesLongitude: float
        name: str
        address: str
        url: str
        isLive: bool
        accuracyInMeters: int
        speedInMps: float
        degreesClockwiseFromMagneticNorth: int
        comment: str
        jpegThumbnail: bytes
        contextInfo: ContextInfo
        def __init__(self, degreesLatitude: _Optional[float] = ..., degreesLongitude: _Optional[float] = ..., name: _Optional[str] = ..., address: _Optional[str] = ..., url: _Optional[str] = ..., isLive: _Optional[bool] = ..., accuracyInMeters: _Optional[int] = ..., speedInMps: _Optional[float] = ..., degreesClockwiseFromMagneticNorth: _Optional[int] = ..., comment: _Optional[str] = ..., jpegThumbnail: _Optional[bytes] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ...) -> None: ...
    class LiveLocationMessage(_message.Message):
        __slots__ = ("degreesLatitude", "degreesLongitude", "accuracyInMeters", "speedInMps", "degreesClockwiseFromMagneticNorth", "caption", "sequenceNumber", "timeOffset", "jpegThumbnail", "contextInfo")
        DEGREESLATITUDE_FIELD_NUMBER: _ClassVar[int]
        DEGREESLONGITUDE_FIELD_NUMBER: _ClassVar[int]
        ACCURACYINMETERS_FIELD_NUMBER: _ClassVar[int]
        SPEEDINMPS_FIELD_NUMBER: _ClassVar[int]
        DEGREESCLOCKWISEFROMMAGNETICNORTH_FIELD_NUMBER: _ClassVar[int]
        CAPTION_FIELD_NUMBER: _ClassVar[int]
        SEQUENCENUMBER_FIELD_NUMBER: _ClassVar[int]
        TIMEOFFSET_FIELD_NUMBER: _ClassVar[int]
        JPEGTHUMBNAIL_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        degreesLatitude: float
        degreesLongitude: float
        accuracyInMeters: int
        speedInMps: float
        degreesClockwiseFromMagneticNorth: int
        caption: str
        sequenceNumber: int
        timeOffset: int
        jpegThumbnail: bytes
        contextInfo: ContextInfo
        def __init__(self, degreesLatitude: _Optional[float] = ..., degreesLongitude: _Optional[float] = ..., accuracyInMeters: _Optional[int] = ..., speedInMps: _Optional[float] = ..., degreesClockwiseFromMagneticNorth: _Optional[int] = ..., caption: _Optional[str] = ..., sequenceNumber: _Optional[int] = ..., timeOffset: _Optional[int] = ..., jpegThumbnail: _Optional[bytes] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ...) -> None: ...
    class ExtendedTextMessage(_message.Message):
        __slots__ = ("text", "matchedText", "description", "title", "textArgb", "backgroundArgb", "font", "previewType", "jpegThumbnail", "contextInfo", "doNotPlayInline", "thumbnailDirectPath", "thumbnailSha256", "thumbnailEncSha256", "mediaKey", "mediaKeyTimestamp", "thumbnailHeight", "thumbnailWidth", "inviteLinkGroupType", "inviteLinkParentGroupSubjectV2", "inviteLinkParentGroupThumbnailV2", "inviteLinkGroupTypeV2", "viewOnce", "videoHeight", "videoWidth", "videoContentUrl")
        class FontType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            SYSTEM: _ClassVar[Message.ExtendedTextMessage.FontType]
            SYSTEM_TEXT: _ClassVar[Message.ExtendedTextMessage.FontType]
            FB_SCRIPT: _ClassVar[Message.ExtendedTextMessage.FontType]
            SYSTEM_BOLD: _ClassVar[Message.ExtendedTextMessage.FontType]
            MORNINGBREEZE_REGULAR: _ClassVar[Message.ExtendedTextMessage.FontType]
            CALISTOGA_REGULAR: _ClassVar[Message.ExtendedTextMessage.FontType]
            EXO2_EXTRABOLD: _ClassVar[Message.ExtendedTextMessage.FontType]
            COURIERPRIME_BOLD: _ClassVar[Message.ExtendedTextMessage.FontType]
        SYSTEM: Message.ExtendedTextMessage.FontType
        SYSTEM_TEXT: Message.ExtendedTextMessage.FontType
        FB_SCRIPT: Message.ExtendedTextMessage.FontType
        SYSTEM_BOLD: Message.ExtendedTextMessage.FontType
        MORNINGBREEZE_REGULAR: Message.ExtendedTextMessage.FontType
        CALISTOGA_REGULAR: Message.ExtendedTextMessage.FontType
        EXO2_EXTRABOLD: Message.ExtendedTextMessage.FontType
        COURIERPRIME_BOLD: Message.ExtendedTextMessage.FontType
        class InviteLinkGroupType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            DEFAULT: _ClassVar[Message.ExtendedTextMessage.InviteLinkGroupType]
            PARENT: _ClassVar[Message.ExtendedTextMessage.InviteLinkGroupType]
            SUB: _ClassVar[Message.ExtendedTextMessage.InviteLinkGroupType]
            DEFAULT_SUB: _ClassVar[Message.ExtendedTextMessage.InviteLinkGroupType]
        DEFAULT: Message.ExtendedTextMessage.InviteLinkGroupType
        PARENT: Message.ExtendedTextMessage.InviteLinkGroupType
        SUB: Message.ExtendedTextMessage.InviteLinkGroupType
        DEFAULT_SUB: Message.ExtendedTextMessage.InviteLinkGroupType
        class PreviewType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            NONE: _ClassVar[Message.ExtendedTextMessage.PreviewType]
            VIDEO: _ClassVar[Message.ExtendedTextMessage.PreviewType]
            PLACEHOLDER: _ClassVar[Message.ExtendedTextMessage.PreviewType]
            IMAGE: _ClassVar[Message.ExtendedTextMessage.PreviewType]
            PAYMENT_LINKS: _ClassVar[Message.ExtendedTextMessage.PreviewType]
            PROFILE: _ClassVar[Message.ExtendedTextMessage.PreviewType]
        NONE: Message.ExtendedTextMessage.PreviewType
        VIDEO: Message.ExtendedTextMessage.PreviewType
        PLACEHOLDER: Message.ExtendedTextMessage.PreviewType
        IMAGE: Message.ExtendedTextMessage.PreviewType
        PAYMENT_LINKS: Message.ExtendedTextMessage.PreviewType
        PROFILE: Message.ExtendedTextMessage.PreviewType
        TEXT_FIELD_NUMBER: _ClassVar[int]
        MATCHEDTEXT_FIELD_NUMBER: _ClassVar[int]
        DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
        TITLE_FIELD_NUMBER: _ClassVar[int]
        TEXTARGB_FIELD_NUMBER: _ClassVar[int]
        BACKGROUNDARGB_FIELD_NUMBER: _ClassVar[int]
        FONT_FIELD_NUMBER: _ClassVar[int]
        PREVIEWTYPE_FIELD_NUMBER: _ClassVar[int]
        JPEGTHUMBNAIL_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        DONOTPLAYINLINE_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILDIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILSHA256_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILENCSHA256_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEY_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEYTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILHEIGHT_FIELD_NUMBER: _ClassVar[int]
        THUMBNAILWIDTH_FIELD_NUMBER: _ClassVar[int]
        INVITELINKGROUPTYPE_FIELD_NUMBER: _ClassVar[int]
        INVITELINKPARENTGROUPSUBJECTV2_FIELD_NUMBER: _ClassVar[int]
        INVITELINKPARENTGROUPTHUMBNAILV2_FIELD_NUMBER: _ClassVar[int]
        INVITELINKGROUPTYPEV2_FIELD_NUMBER: _ClassVar[int]
        VIEWONCE_FIELD_NUMBER: _ClassVar[int]
        VIDEOHEIGHT_FIELD_NUMBER: _ClassVar[int]
        VIDEOWIDTH_FIELD_NUMBER: _ClassVar[int]
        VIDEOCONTENTURL_FIELD_NUMBER: _ClassVar[int]
        text: str
        matchedText: str
        description: str
        title: str
        textArgb: int
        backgroundArgb: int
        font: Message.ExtendedTextMessage.FontType
        previewType: Message.ExtendedTextMessage.PreviewType
        jpegThumbnail: bytes
        contextInfo: ContextInfo
        doNotPlayInline: bool
        thumbnailDirectPath: str
        thumbnailSha256: bytes
        thumbnailEncSha256: bytes
        mediaKey: bytes
        mediaKeyTimestamp: int
        thumbnailHeight: int
        thumbnailWidth: int
        inviteLinkGroupType: Message.ExtendedTextMessage.InviteLinkGroupType
        inviteLinkParentGroupSubjectV2: str
        inviteLinkParentGroupThumbnailV2: bytes
        inviteLinkGroupTypeV2: Message.ExtendedTextMessage.InviteLinkGroupType
        viewOnce: bool
        videoHeight: int
        videoWidth: int
        videoContentUrl: str
        def __init__(self, text: _Optional[str] = ..., matchedText: _Optional[str] = ..., description: _Optional[str] = ..., title: _Optional[str] = ..., textArgb: _Optional[int] = ..., backgroundArgb: _Optional[int] = ..., font: _Optional[_Union[Message.ExtendedTextMessage.FontType, str]] = ..., previewType: _Optional[_Union[Message.ExtendedTextMessage.PreviewType, str]] = ..., jpegThumbnail: _Optional[bytes] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ..., doNotPlayInline: _Optional[bool] = ..., thumbnailDirectPath: _Optional[str] = ..., thumbnailSha256: _Optional[bytes] = ..., thumbnailEncSha256: _Optional[bytes] = ..., mediaKey: _Optional[bytes] = ..., mediaKeyTimestamp: _Optional[int] = ..., thumbnailHeight: _Optional[int] = ..., thumbnailWidth: _Optional[int] = ..., inviteLinkGroupType: _Optional[_Union[Message.ExtendedTextMessage.InviteLinkGroupType, str]] = ..., inviteLinkParentGroupSubjectV2: _Optional[str] = ..., inviteLinkParentGroupThumbnailV2: _Optional[bytes] = ..., inviteLinkGroupTypeV2: _Optional[_Union[Message.ExtendedTextMessage.InviteLinkGroupType, str]] = ..., viewOnce: _Optional[bool] = ..., videoHeight: _Optional[int] = ..., videoWidth: _Optional[int] = ..., videoContentUrl: _Optional[str] = ...) -> None: ...
    class ReactionMessage(_message.Message):
        __slots__ = ("key", "text", "groupingKey", "senderTimestampMs")
        KEY_FIELD_NUMBER: _ClassVar[int]
        TEXT_FIELD_NUMBER: _ClassVar[int]
        GROUPINGKEY_FIELD_NUMBER: _ClassVar[int]
        SENDERTIMESTAMPMS_FIELD_NUMBER: _ClassVar[int]
        key: _common_pb2.MessageKey
        text: str
        groupingKey: str
        senderTimestampMs: int
        def __init__(self, key: _Optional[_Union[_common_pb2.MessageKey, _Mapping]] = ..., text: _Optional[str] = ..., groupingKey: _Optional[str] = ..., senderTimestampMs: _Optional[int] = ...) -> None: ...
    class PollCreationMessage(_message.Message):
        __slots__ = ("encKey", "name", "options", "selectableOptionsCount", "contextInfo", "pollContentType", "pollType", "correctAnswer", "endTime", "hideParticipantName", "allowAddOption")
        class Option(_message.Message):
            __slots__ = ("optionName", "optionHash")
            OPTIONNAME_FIELD_NUMBER: _ClassVar[int]
            OPTIONHASH_FIELD_NUMBER: _ClassVar[int]
            optionName: str
            optionHash: str
            def __init__(self, optionName: _Optional[str] = ..., optionHash: _Optional[str] = ...) -> None: ...
        ENCKEY_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        OPTIONS_FIELD_NUMBER: _ClassVar[int]
        SELECTABLEOPTIONSCOUNT_FIELD_NUMBER: _ClassVar[int]
        CONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
        POLLCONTENTTYPE_FIELD_NUMBER: _ClassVar[int]
        POLLTYPE_FIELD_NUMBER: _ClassVar[int]
        CORRECTANSWER_FIELD_NUMBER: _ClassVar[int]
        ENDTIME_FIELD_NUMBER: _ClassVar[int]
        HIDEPARTICIPANTNAME_FIELD_NUMBER: _ClassVar[int]
        ALLOWADDOPTION_FIELD_NUMBER: _ClassVar[int]
        encKey: bytes
        name: str
        options: _containers.RepeatedCompositeFieldContainer[Message.PollCreationMessage.Option]
        selectableOptionsCount: int
        contextInfo: ContextInfo
        pollContentType: Message.PollContentType
        pollType: Message.PollType
        correctAnswer: Message.PollCreationMessage.Option
        endTime: int
        hideParticipantName: bool
        allowAddOption: bool
        def __init__(self, encKey: _Optional[bytes] = ..., name: _Optional[str] = ..., options: _Optional[_Iterable[_Union[Message.PollCreationMessage.Option, _Mapping]]] = ..., selectableOptionsCount: _Optional[int] = ..., contextInfo: _Optional[_Union[ContextInfo, _Mapping]] = ..., pollContentType: _Optional[_Union[Message.PollContentType, str]] = ..., pollType: _Optional[_Union[Message.PollType, str]] = ..., correctAnswer: _Optional[_Union[Message.PollCreationMessage.Option, _Mapping]] = ..., endTime: _Optional[int] = ..., hideParticipantName: _Optional[bool] = ..., allowAddOption: _Optional[bool] = ...) -> None: ...
    class PollUpdateMessage(_message.Message):
        __slots__ = ("pollCreationMessageKey", "vote", "metadata", "senderTimestampMs")
        POLLCREATIONMESSAGEKEY_FIELD_NUMBER: _ClassVar[int]
        VOTE_FIELD_NUMBER: _ClassVar[int]
        METADATA_FIELD_NUMBER: _ClassVar[int]
        SENDERTIMESTAMPMS_FIELD_NUMBER: _ClassVar[int]
        pollCreationMessageKey: _common_pb2.MessageKey
        vote: Message.PollEncValue
        metadata: Message.PollUpdateMessageMetadata
        senderTimestampMs: int
        def __init__(self, pollCreationMessageKey: _Optional[_Union[_common_pb2.MessageKey, _Mapping]] = ..., vote: _Optional[_Union[Message.PollEncValue, _Mapping]] = ..., metadata: _Optional[_Union[Message.PollUpdateMessageMetadata, _Mapping]] = ..., senderTimestampMs: _Optional[int] = ...) -> None: ...
    class PollEncValue(_message.Message):
        __slots__ = ("encPayload", "encIv")
        ENCPAYLOAD_FIELD_NUMBER: _ClassVar[int]
        ENCIV_FIELD_NUMBER: _ClassVar[int]
        encPayload: bytes
        encIv: bytes
        def __init__(self, encPayload: _Optional[bytes] = ..., encIv: _Optional[bytes] = ...) -> None: ...
    class PollUpdateMessageMetadata(_message.Message):
        __slots__ = ("pollNameHash", "lastEditStanzaId")
        POLLNAMEHASH_FIELD_NUMBER: _ClassVar[int]
        LASTEDITSTANZAID_FIELD_NUMBER: _ClassVar[int]
        pollNameHash: bytes
        lastEditStanzaId: str
        def __init__(self, pollNameHash: _Optional[bytes] = ..., lastEditStanzaId: _Optional[str] = ...) -> None: ...
    class PollVoteMessage(_message.Message):
        __slots__ = ("selectedOptions",)
        SELECTEDOPTIONS_FIELD_NUMBER: _ClassVar[int]
        selectedOptions: _containers.RepeatedScalarFieldContainer[bytes]
        def __init__(self, selectedOptions: _Optional[_Iterable[bytes]] = ...) -> None: ...
    class ProtocolMessage(_message.Message):
        __slots__ = ("key", "type", "ephemeralExpiration", "ephemeralSettingTimestamp", "historySyncNotification", "appStateSyncKeyShare", "appStateSyncKeyRequest", "disappearingMode", "editedMessage", "timestampMs", "invokerJid", "aiPsiMetadata", "afterReadDuration")
        class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            REVOKE: _ClassVar[Message.ProtocolMessage.Type]
            EPHEMERAL_SETTING: _ClassVar[Message.ProtocolMessage.Type]
            EPHEMERAL_SYNC_RESPONSE: _ClassVar[Message.ProtocolMessage.Type]
            HISTORY_SYNC_NOTIFICATION: _ClassVar[Message.ProtocolMessage.Type]
            APP_STATE_SYNC_KEY_SHARE: _ClassVar[Message.ProtocolMessage.Type]
            APP_STATE_SYNC_KEY_REQUEST: _ClassVar[Message.ProtocolMessage.Type]
            MSG_FANOUT_BACKFILL_REQUEST: _ClassVar[Message.ProtocolMessage.Type]
            INITIAL_SECURITY_NOTIFICATION_SETTING_SYNC: _ClassVar[Message.ProtocolMessage.Type]
            APP_STATE_FATAL_EXCEPTION_NOTIFICATION: _ClassVar[Message.ProtocolMessage.Type]
            SHARE_PHONE_NUMBER: _ClassVar[Message.ProtocolMessage.Type]
            MESSAGE_EDIT: _ClassVar[Message.ProtocolMessage.Type]
            PEER_DATA_OPERATION_REQUEST_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            PEER_DATA_OPERATION_REQUEST_RESPONSE_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            REQUEST_WELCOME_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            BOT_FEEDBACK_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            MEDIA_NOTIFY_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            CLOUD_API_THREAD_CONTROL_NOTIFICATION: _ClassVar[Message.ProtocolMessage.Type]
            LID_MIGRATION_MAPPING_SYNC: _ClassVar[Message.ProtocolMessage.Type]
            REMINDER_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            BOT_MEMU_ONBOARDING_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            STATUS_MENTION_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            STOP_GENERATION_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            LIMIT_SHARING: _ClassVar[Message.ProtocolMessage.Type]
            AI_PSI_METADATA: _ClassVar[Message.ProtocolMessage.Type]
            AI_QUERY_FANOUT: _ClassVar[Message.ProtocolMessage.Type]
            GROUP_MEMBER_LABEL_CHANGE: _ClassVar[Message.ProtocolMessage.Type]
            AI_MEDIA_COLLECTION_MESSAGE: _ClassVar[Message.ProtocolMessage.Type]
            MESSAGE_UNSCHEDULE: _ClassVar[Message.ProtocolMessage.Type]
            CHAT_THEME_SETTING: _ClassVar[Message.ProtocolMessage.Type]
            AI_METADATA_OPERATION: _ClassVar[Message.ProtocolMessage.Type]
            MARK_AS_VERIFIED_ACTION: _ClassVar[Message.ProtocolMessage.Type]
            COEX_STATE_SYNC: _ClassVar[Message.ProtocolMessage.Type]
        REVOKE: Message.ProtocolMessage.Type
        EPHEMERAL_SETTING: Message.ProtocolMessage.Type
        EPHEMERAL_SYNC_RESPONSE: Message.ProtocolMessage.Type
        HISTORY_SYNC_NOTIFICATION: Message.ProtocolMessage.Type
        APP_STATE_SYNC_KEY_SHARE: Message.ProtocolMessage.Type
        APP_STATE_SYNC_KEY_REQUEST: Message.ProtocolMessage.Type
        MSG_FANOUT_BACKFILL_REQUEST: Message.ProtocolMessage.Type
        INITIAL_SECURITY_NOTIFICATION_SETTING_SYNC: Message.ProtocolMessage.Type
        APP_STATE_FATAL_EXCEPTION_NOTIFICATION: Message.ProtocolMessage.Type
        SHARE_PHONE_NUMBER: Message.ProtocolMessage.Type
        MESSAGE_EDIT: Message.ProtocolMessage.Type
        PEER_DATA_OPERATION_REQUEST_MESSAGE: Message.ProtocolMessage.Type
        PEER_DATA_OPERATION_REQUEST_RESPONSE_MESSAGE: Message.ProtocolMessage.Type
        REQUEST_WELCOME_MESSAGE: Message.ProtocolMessage.Type
        BOT_FEEDBACK_MESSAGE: Message.ProtocolMessage.Type
        MEDIA_NOTIFY_MESSAGE: Message.ProtocolMessage.Type
        CLOUD_API_THREAD_CONTROL_NOTIFICATION: Message.ProtocolMessage.Type
        LID_MIGRATION_MAPPING_SYNC: Message.ProtocolMessage.Type
        REMINDER_MESSAGE: Message.ProtocolMessage.Type
        BOT_MEMU_ONBOARDING_MESSAGE: Message.ProtocolMessage.Type
        STATUS_MENTION_MESSAGE: Message.ProtocolMessage.Type
        STOP_GENERATION_MESSAGE: Message.ProtocolMessage.Type
        LIMIT_SHARING: Message.ProtocolMessage.Type
        AI_PSI_METADATA: Message.ProtocolMessage.Type
        AI_QUERY_FANOUT: Message.ProtocolMessage.Type
        GROUP_MEMBER_LABEL_CHANGE: Message.ProtocolMessage.Type
        AI_MEDIA_COLLECTION_MESSAGE: Message.ProtocolMessage.Type
        MESSAGE_UNSCHEDULE: Message.ProtocolMessage.Type
        CHAT_THEME_SETTING: Message.ProtocolMessage.Type
        AI_METADATA_OPERATION: Message.ProtocolMessage.Type
        MARK_AS_VERIFIED_ACTION: Message.ProtocolMessage.Type
        COEX_STATE_SYNC: Message.ProtocolMessage.Type
        KEY_FIELD_NUMBER: _ClassVar[int]
        TYPE_FIELD_NUMBER: _ClassVar[int]
        EPHEMERALEXPIRATION_FIELD_NUMBER: _ClassVar[int]
        EPHEMERALSETTINGTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        HISTORYSYNCNOTIFICATION_FIELD_NUMBER: _ClassVar[int]
        APPSTATESYNCKEYSHARE_FIELD_NUMBER: _ClassVar[int]
        APPSTATESYNCKEYREQUEST_FIELD_NUMBER: _ClassVar[int]
        DISAPPEARINGMODE_FIELD_NUMBER: _ClassVar[int]
        EDITEDMESSAGE_FIELD_NUMBER: _ClassVar[int]
        TIMESTAMPMS_FIELD_NUMBER: _ClassVar[int]
        INVOKERJID_FIELD_NUMBER: _ClassVar[int]
        AIPSIMETADATA_FIELD_NUMBER: _ClassVar[int]
        AFTERREADDURATION_FIELD_NUMBER: _ClassVar[int]
        key: _common_pb2.MessageKey
        type: Message.ProtocolMessage.Type
        ephemeralExpiration: int
        ephemeralSettingTimestamp: int
        historySyncNotification: Message.HistorySyncNotification
        appStateSyncKeyShare: Message.AppStateSyncKeyShare
        appStateSyncKeyRequest: Message.AppStateSyncKeyRequest
        disappearingMode: DisappearingMode
        editedMessage: Message
        timestampMs: int
        invokerJid: str
        aiPsiMetadata: bytes
        afterReadDuration: int
        def __init__(self, key: _Optional[_Union[_common_pb2.MessageKey, _Mapping]] = ..., type: _Optional[_Union[Message.ProtocolMessage.Type, str]] = ..., ephemeralExpiration: _Optional[int] = ..., ephemeralSettingTimestamp: _Optional[int] = ..., historySyncNotification: _Optional[_Union[Message.HistorySyncNotification, _Mapping]] = ..., appStateSyncKeyShare: _Optional[_Union[Message.AppStateSyncKeyShare, _Mapping]] = ..., appStateSyncKeyRequest: _Optional[_Union[Message.AppStateSyncKeyRequest, _Mapping]] = ..., disappearingMode: _Optional[_Union[DisappearingMode, _Mapping]] = ..., editedMessage: _Optional[_Union[Message, _Mapping]] = ..., timestampMs: _Optional[int] = ..., invokerJid: _Optional[str] = ..., aiPsiMetadata: _Optional[bytes] = ..., afterReadDuration: _Optional[int] = ...) -> None: ...
    class HistorySyncNotification(_message.Message):
        __slots__ = ("fileSha256", "fileLength", "mediaKey", "fileEncSha256", "directPath", "syncType", "chunkOrder", "originalMessageId", "progress", "oldestMsgInChunkTimestampSec", "initialHistBootstrapInlinePayload", "peerDataRequestSessionId", "fullHistorySyncOnDemandRequestMetadata", "encHandle", "messageAccessStatus")
        FILESHA256_FIELD_NUMBER: _ClassVar[int]
        FILELENGTH_FIELD_NUMBER: _ClassVar[int]
        MEDIAKEY_FIELD_NUMBER: _ClassVar[int]
        FILEENCSHA256_FIELD_NUMBER: _ClassVar[int]
        DIRECTPATH_FIELD_NUMBER: _ClassVar[int]
        SYNCTYPE_FIELD_NUMBER: _ClassVar[int]
        CHUNKORDER_FIELD_NUMBER: _ClassVar[int]
        ORIGINALMESSAGEID_FIELD_NUMBER: _ClassVar[int]
        PROGRESS_FIELD_NUMBER: _ClassVar[int]
        OLDESTMSGINCHUNKTIMESTAMPSEC_FIELD_NUMBER: _ClassVar[int]
        INITIALHISTBOOTSTRAPINLINEPAYLOAD_FIELD_NUMBER: _ClassVar[int]
        PEERDATAREQUESTSESSIONID_FIELD_NUMBER: _ClassVar[int]
        FULLHISTORYSYNCONDEMANDREQUESTMETADATA_FIELD_NUMBER: _ClassVar[int]
        ENCHANDLE_FIELD_NUMBER: _ClassVar[int]
        MESSAGEACCESSSTATUS_FIELD_NUMBER: _ClassVar[int]
        fileSha256: bytes
        fileLength: int
        mediaKey: bytes
        fileEncSha256: bytes
        directPath: str
        syncType: Message.HistorySyncType
        chunkOrder: int
        originalMessageId: str
        progress: int
        oldestMsgInChunkTimestampSec: int
        initialHistBootstrapInlinePayload: bytes
        peerDataRequestSessionId: str
        fullHistorySyncOnDemandRequestMetadata: Message.FullHistorySyncOnDemandRequestMetadata
        encHandle: str
        messageAccessStatus: Message.HistorySyncMessageAccessStatus
        def __init__(self, fileSha256: _Optional[bytes] = ..., fileLength: _Optional[int] = ..., mediaKey: _Optional[bytes] = ..., fileEncSha256: _Optional[bytes] = ..., directPath: _Optional[str] = ..., syncType: _Optional[_Union[Message.HistorySyncType, str]] = ..., chunkOrder: _Optional[int] = ..., originalMessageId: _Optional[str] = ..., progress: _Optional[int] = ..., oldestMsgInChunkTimestampSec: _Optional[int] = ..., initialHistBootstrapInlinePayload: _Optional[bytes] = ..., peerDataRequestSessionId: _Optional[str] = ..., fullHistorySyncOnDemandRequestMetadata: _Optional[_Union[Message.FullHistorySyncOnDemandRequestMetadata, _Mapping]] = ..., encHandle: _Optional[str] = ..., messageAccessStatus: _Optional[_Union[Message.HistorySyncMessageAccessStatus, _Mapping]] = ...) -> None: ...
    class HistorySyncMessageAccessStatus(_message.Message):
        __slots__ = ("completeAccessGranted",)
        COMPLETEACCESSGRANTED_FIELD_NUMBER: _ClassVar[int]
        completeAccessGranted: bool
        def __init__(self, completeAccessGranted: _Optional[bool] = ...) -> None: ...
    class FullHistorySyncOnDemandRequestMetadata(_message.Message):
        __slots__ = ("requestId", "businessProduct", "opaqueClientData")
        REQUESTID_FIELD_NUMBER: _ClassVar[int]
        BUSINESSPRODUCT_FIELD_NUMBER: _ClassVar[int]
        OPAQUECLIENTDATA_FIELD_NUMBER: _ClassVar[int]
        requestId: str
        businessProduct: str
        opaqueClientData: bytes
        def __init__(self, requestId: _Optional[str] = ..., businessProduct: _Optional[str] = ..., opaqueClientData: _Optional[bytes] = ...) -> None: ...
    class AppStateSyncKeyShare(_message.Message):
        __slots__ = ("keys",)
        KEYS_FIELD_NUMBER: _ClassVar[int]
        keys: _containers.RepeatedCompositeFieldContainer[Message.AppStateSyncKey]
        def __init__(self, keys: _Optional[_Iterable[_Union[Message.AppStateSyncKey, _Mapping]]] = ...) -> None: ...
    class AppStateSyncKeyRequest(_message.Message):
        __slots__ = ("keyIds",)
        KEYIDS_FIELD_NUMBER: _ClassVar[int]
        keyIds: _containers.RepeatedCompositeFieldContainer[Message.AppStateSyncKeyId]
        def __init__(self, keyIds: _Optional[_Iterable[_Union[Message.AppStateSyncKeyId, _Mapping]]] = ...) -> None: ...
    class AppStateSyncKey(_message.Message):
        __slots__ = ("keyId", "keyData")
        KEYID_FIELD_NUMBER: _ClassVar[int]
        KEYDATA_FIELD_NUMBER: _ClassVar[int]
        keyId: Message.AppStateSyncKeyId
        keyData: Message.AppStateSyncKeyData
        def __init__(self, keyId: _Optional[_Union[Message.AppStateSyncKeyId, _Mapping]] = ..., keyData: _Optional[_Union[Message.AppStateSyncKeyData, _Mapping]] = ...) -> None: ...
    class AppStateSyncKeyId(_message.Message):
        __slots__ = ("keyId",)
        KEYID_FIELD_NUMBER: _ClassVar[int]
        keyId: bytes
        def __init__(self, keyId: _Optional[bytes] = ...) -> None: ...
    class AppStateSyncKeyData(_message.Message):
        __slots__ = ("keyData", "fingerprint", "timestamp")
        KEYDATA_FIELD_NUMBER: _ClassVar[int]
        FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
        TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        keyData: bytes
        fingerprint: Message.AppStateSyncKeyFingerprint
        timestamp: int
        def __init__(self, keyData: _Optional[bytes] = ..., fingerprint: _Optional[_Union[Message.AppStateSyncKeyFingerprint, _Mapping]] = ..., timestamp: _Optional[int] = ...) -> None: ...
    class AppStateSyncKeyFingerprint(_message.Message):
        __slots__ = ("rawId", "currentIndex", "deviceIndexes")
        RAWID_FIELD_NUMBER: _ClassVar[int]
        CURRENTINDEX_FIELD_NUMBER: _ClassVar[int]
        DEVICEINDEXES_FIELD_NUMBER: _ClassVar[int]
        rawId: int
        currentIndex: int
        deviceIndexes: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, rawId: _Optional[int] = ..., currentIndex: _Optional[int] = ..., deviceIndexes: _Optional[_Iterable[int]] = ...) -> None: ...
    class DeviceSentMessage(_message.Message):
        __slots__ = ("destinationJid", "message", "phash")
        DESTINATIONJID_FIELD_NUMBER: _ClassVar[int]
        MESSAGE_FIELD_NUMBER: _ClassVar[int]
        PHASH_FIELD_NUMBER: _ClassVar[int]
        destinationJid: str
        message: Message
        phash: str
        def __init__(self, destinationJid: _Optional[str] = ..., message: _Optional[_Union[Message, _Mapping]] = ..., phash: _Optional[str] = ...) -> None: ...
    class FutureProofMessage(_message.Message):
        __slots__ = ("message",)
        MESSAGE_FIELD_NUMBER: _ClassVar[int]
        message: Message
        def __init__(self, message: _Optional[_Union[Message, _Mapping]] = ...) -> None: ...
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    SENDERKEYDISTRIBUTIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    IMAGEMESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONTACTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    LOCATIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    EXTENDEDTEXTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    AUDIOMESSAGE_FIELD_NUMBER: _ClassVar[int]
    VIDEOMESSAGE_FIELD_NUMBER: _ClassVar[int]
    PROTOCOLMESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONTACTSARRAYMESSAGE_FIELD_NUMBER: _ClassVar[int]
    FASTRATCHETKEYSENDERKEYDISTRIBUTIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    LIVELOCATIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    STICKERMESSAGE_FIELD_NUMBER: _ClassVar[int]
    DEVICESENTMESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGECONTEXTINFO_FIELD_NUMBER: _ClassVar[int]
    VIEWONCEMESSAGE_FIELD_NUMBER: _ClassVar[int]
    EPHEMERALMESSAGE_FIELD_NUMBER: _ClassVar[int]
    REACTIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    POLLCREATIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    POLLUPDATEMESSAGE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTWITHCAPTIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    VIEWONCEMESSAGEV2_FIELD_NUMBER: _ClassVar[int]
    EDITEDMESSAGE_FIELD_NUMBER: _ClassVar[int]
    VIEWONCEMESSAGEV2EXTENSION_FIELD_NUMBER: _ClassVar[int]
    POLLCREATIONMESSAGEV2_FIELD_NUMBER: _ClassVar[int]
    GROUPMENTIONEDMESSAGE_FIELD_NUMBER: _ClassVar[int]
    POLLCREATIONMESSAGEV3_FIELD_NUMBER: _ClassVar[int]
    PTVMESSAGE_FIELD_NUMBER: _ClassVar[int]
    BOTINVOKEMESSAGE_FIELD_NUMBER: _ClassVar[int]
    LOTTIESTICKERMESSAGE_FIELD_NUMBER: _ClassVar[int]
    EVENTCOVERIMAGE_FIELD_NUMBER: _ClassVar[int]
    STATUSMENTIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    POLLCREATIONOPTIONIMAGEMESSAGE_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATEDCHILDMESSAGE_FIELD_NUMBER: _ClassVar[int]
    GROUPSTATUSMENTIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    POLLCREATIONMESSAGEV4_FIELD_NUMBER: _ClassVar[int]
    STATUSADDYOURS_FIELD_NUMBER: _ClassVar[int]
    GROUPSTATUSMESSAGE_FIELD_NUMBER: _ClassVar[int]
    LIMITSHARINGMESSAGE_FIELD_NUMBER: _ClassVar[int]
    BOTTASKMESSAGE_FIELD_NUMBER: _ClassVar[int]
    QUESTIONMESSAGE_FIELD_NUMBER: _ClassVar[int]
    GROUPSTATUSMESSAGEV2_FIELD_NUMBER: _ClassVar[int]
    BOTFORWARDEDMESSAGE_FIELD_NUMBER: _ClassVar[int]
    QUESTIONREPLYMESSAGE_FIELD_NUMBER: _ClassVar[int]
    POLLCREATIONMESSAGEV5_FIELD_NUMBER: _ClassVar[int]
    NEWSLETTERADMINPROFILEMESSAGE_FIELD_NUMBER: _ClassVar[int]
    NEWSLETTERADMINPROFILEMESSAGEV2_FIELD_NUMBER: _ClassVar[int]
    SPOILERMESSAGE_FIELD_NUMBER: _ClassVar[int]
    POLLCREATIONMESSAGEV6_FIELD_NUMBER: _ClassVar[int]
    NEWSLETTERADMINPROFILESTATUSMESSAGE_FIELD_NUMBER: _ClassVar[int]
    BOTPLATFORMREGISTRATIONSUCCESSMESSAGE_FIELD_NUMBER: _ClassVar[int]
    conversation: str
    senderKeyDistributionMessage: Message.SenderKeyDistributionMessage
    imageMessage: Message.ImageMessage
    contactMessage: Message.ContactMessage
    locationMessage: Message.LocationMessage
    extendedTextMessage: Message.ExtendedTextMessage
    documentMessage: Message.DocumentMessage
    audioMessage: Message.AudioMessage
    videoMessage: Message.VideoMessage
    protocolMessage: Message.ProtocolMessage
    contactsArrayMessage: Message.ContactsArrayMessage
    fastRatchetKeySenderKeyDistributionMessage: Message.SenderKeyDistributionMessage
    liveLocationMessage: Message.LiveLocationMessage
    stickerMessage: Message.StickerMessage
    deviceSentMessage: Message.DeviceSentMessage
    messageContextInfo: MessageContextInfo
    viewOnceMessage: Message.FutureProofMessage
    ephemeralMessage: Message.FutureProofMessage
    reactionMessage: Message.ReactionMessage
    pollCreationMessage: Message.PollCreationMessage
    pollUpdateMessage: Message.PollUpdateMessage
    documentWithCaptionMessage: Message.FutureProofMessage
    viewOnceMessageV2: Message.FutureProofMessage
    editedMessage: Message.FutureProofMessage
    viewOnceMessageV2Extension: Message.FutureProofMessage
    pollCreationMessageV2: Message.PollCreationMessage
    groupMentionedMessage: Message.FutureProofMessage
    pollCreationMessageV3: Message.PollCreationMessage
    ptvMessage: Message.VideoMessage
    botInvokeMessage: Message.FutureProofMessage
    lottieStickerMessage: Message.FutureProofMessage
    eventCoverImage: Message.FutureProofMessage
    statusMentionMessage: Message.FutureProofMessage
    pollCreationOptionImageMessage: Message.FutureProofMessage
    associatedChildMessage: Message.FutureProofMessage
    groupStatusMentionMessage: Message.FutureProofMessage
    pollCreationMessageV4: Message.FutureProofMessage
    statusAddYours: Message.FutureProofMessage
    groupStatusMessage: Message.FutureProofMessage
    limitSharingMessage: Message.FutureProofMessage
    botTaskMessage: Message.FutureProofMessage
    questionMessage: Message.FutureProofMessage
    groupStatusMessageV2: Message.FutureProofMessage
    botForwardedMessage: Message.FutureProofMessage
    questionReplyMessage: Message.FutureProofMessage
    pollCreationMessageV5: Message.PollCreationMessage
    newsletterAdminProfileMessage: Message.FutureProofMessage
    newsletterAdminProfileMessageV2: Message.FutureProofMessage
    spoilerMessage: Message.FutureProofMessage
    pollCreationMessageV6: Message.PollCreationMessage
    newsletterAdminProfileStatusMessage: Message.FutureProofMessage
    botPlatformRegistrationSuccessMessage: Message.FutureProofMessage
    def __init__(self, conversation: _Optional[str] = ..., senderKeyDistributionMessage: _Optional[_Union[Message.SenderKeyDistributionMessage, _Mapping]] = ..., imageMessage: _Optional[_Union[Message.ImageMessage, _Mapping]] = ..., contactMessage: _Optional[_Union[Message.ContactMessage, _Mapping]] = ..., locationMessage: _Optional[_Union[Message.LocationMessage, _Mapping]] = ..., extendedTextMessage: _Optional[_Union[Message.ExtendedTextMessage, _Mapping]] = ..., documentMessage: _Optional[_Union[Message.DocumentMessage, _Mapping]] = ..., audioMessage: _Optional[_Union[Message.AudioMessage, _Mapping]] = ..., videoMessage: _Optional[_Union[Message.VideoMessage, _Mapping]] = ..., protocolMessage: _Optional[_Union[Message.ProtocolMessage, _Mapping]] = ..., contactsArrayMessage: _Optional[_Union[Message.ContactsArrayMessage, _Mapping]] = ..., fastRatchetKeySenderKeyDistributionMessage: _Optional[_Union[Message.SenderKeyDistributionMessage, _Mapping]] = ..., liveLocationMessage: _Optional[_Union[Message.LiveLocationMessage, _Mapping]] = ..., stickerMessage: _Optional[_Union[Message.StickerMessage, _Mapping]] = ..., deviceSentMessage: _Optional[_Union[Message.DeviceSentMessage, _Mapping]] = ..., messageContextInfo: _Optional[_Union[MessageContextInfo, _Mapping]] = ..., viewOnceMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., ephemeralMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., reactionMessage: _Optional[_Union[Message.ReactionMessage, _Mapping]] = ..., pollCreationMessage: _Optional[_Union[Message.PollCreationMessage, _Mapping]] = ..., pollUpdateMessage: _Optional[_Union[Message.PollUpdateMessage, _Mapping]] = ..., documentWithCaptionMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., viewOnceMessageV2: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., editedMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., viewOnceMessageV2Extension: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., pollCreationMessageV2: _Optional[_Union[Message.PollCreationMessage, _Mapping]] = ..., groupMentionedMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., pollCreationMessageV3: _Optional[_Union[Message.PollCreationMessage, _Mapping]] = ..., ptvMessage: _Optional[_Union[Message.VideoMessage, _Mapping]] = ..., botInvokeMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., lottieStickerMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., eventCoverImage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., statusMentionMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., pollCreationOptionImageMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., associatedChildMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., groupStatusMentionMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., pollCreationMessageV4: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., statusAddYours: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., groupStatusMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., limitSharingMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., botTaskMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., questionMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., groupStatusMessageV2: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., botForwardedMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., questionReplyMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., pollCreationMessageV5: _Optional[_Union[Message.PollCreationMessage, _Mapping]] = ..., newsletterAdminProfileMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., newsletterAdminProfileMessageV2: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., spoilerMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., pollCreationMessageV6: _Optional[_Union[Message.PollCreationMessage, _Mapping]] = ..., newsletterAdminProfileStatusMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ..., botPlatformRegistrationSuccessMessage: _Optional[_Union[Message.FutureProofMessage, _Mapping]] = ...) -> None: ...

class ContextInfo(_message.Message):
    __slots__ = ("stanzaId", "participant", "quotedMessage", "remoteJid", "mentionedJid", "conversionSource", "conversionData", "conversionDelaySeconds", "forwardingScore", "isForwarded", "placeholderKey", "expiration", "ephemeralSettingTimestamp", "ephemeralSharedSecret", "entryPointConversionSource", "entryPointConversionApp", "entryPointConversionDelaySeconds", "disappearingMode", "groupSubject", "parentGroupJid", "trustBannerType", "trustBannerAction", "isSampled", "smbClientCampaignId", "smbServerCampaignId", "alwaysShowAdAttribution", "entryPointConversionExternalSource", "entryPointConversionExternalMedium", "ctwaSignals", "ctwaPayload", "statusAttributionType", "pairedMediaType", "rankingVersion", "isQuestion", "statusSourceType", "isGroupStatus", "forwardOrigin", "nonJidMentions", "quotedType", "isSpoiler", "afterReadDuration", "crossAppSource", "posterStatusId")
    class CrossAppSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CROSS_APP_SOURCE_UNKNOWN: _ClassVar[ContextInfo.CrossAppSource]
        CROSS_APP_SOURCE_INSTAGRAM: _ClassVar[ContextInfo.CrossAppSource]
        CROSS_APP_SOURCE_FACEBOOK: _ClassVar[ContextInfo.CrossAppSource]
    CROSS_APP_SOURCE_UNKNOWN: ContextInfo.CrossAppSource
    CROSS_APP_SOURCE_INSTAGRAM: ContextInfo.CrossAppSource
    CROSS_APP_SOURCE_FACEBOOK: ContextInfo.CrossAppSource
    class ForwardOrigin(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UNKNOWN: _ClassVar[ContextInfo.ForwardOrigin]
        CHAT: _ClassVar[ContextInfo.ForwardOrigin]
        STATUS: _ClassVar[ContextInfo.ForwardOrigin]
        CHANNELS: _ClassVar[ContextInfo.ForwardOrigin]
        META_AI: _ClassVar[ContextInfo.ForwardOrigin]
        UGC: _ClassVar[ContextInfo.ForwardOrigin]
    UNKNOWN: ContextInfo.ForwardOrigin
    CHAT: ContextInfo.ForwardOrigin
    STATUS: ContextInfo.ForwardOrigin
    CHANNELS: ContextInfo.ForwardOrigin
    META_AI: ContextInfo.ForwardOrigin
    UGC: ContextInfo.ForwardOrigin
    class PairedMediaType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        NOT_PAIRED_MEDIA: _ClassVar[ContextInfo.PairedMediaType]
        SD_VIDEO_PARENT: _ClassVar[ContextInfo.PairedMediaType]
        HD_VIDEO_CHILD: _ClassVar[ContextInfo.PairedMediaType]
        SD_IMAGE_PARENT: _ClassVar[ContextInfo.PairedMediaType]
        HD_IMAGE_CHILD: _ClassVar[ContextInfo.PairedMediaType]
        MOTION_PHOTO_PARENT: _ClassVar[ContextInfo.PairedMediaType]
        MOTION_PHOTO_CHILD: _ClassVar[ContextInfo.PairedMediaType]
        HEVC_VIDEO_PARENT: _ClassVar[ContextInfo.PairedMediaType]
        HEVC_VIDEO_CHILD: _ClassVar[ContextInfo.PairedMediaType]
    NOT_PAIRED_MEDIA: ContextInfo.PairedMediaType
    SD_VIDEO_PARENT: ContextInfo.PairedMediaType
    HD_VIDEO_CHILD: ContextInfo.PairedMediaType
    SD_IMAGE_PARENT: ContextInfo.PairedMediaType
    HD_IMAGE_CHILD: ContextInfo.PairedMediaType
    MOTION_PHOTO_PARENT: ContextInfo.PairedMediaType
    MOTION_PHOTO_CHILD: ContextInfo.PairedMediaType
    HEVC_VIDEO_PARENT: ContextInfo.PairedMediaType
    HEVC_VIDEO_CHILD: ContextInfo.PairedMediaType
    class QuotedType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        EXPLICIT: _ClassVar[ContextInfo.QuotedType]
        AUTO: _ClassVar[ContextInfo.QuotedType]
    EXPLICIT: ContextInfo.QuotedType
    AUTO: ContextInfo.QuotedType
    class StatusAttributionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        NONE: _ClassVar[ContextInfo.StatusAttributionType]
        RESHARED_FROM_MENTION: _ClassVar[ContextInfo.StatusAttributionType]
        RESHARED_FROM_POST: _ClassVar[ContextInfo.StatusAttributionType]
        RESHARED_FROM_POST_MANY_TIMES: _ClassVar[ContextInfo.StatusAttributionType]
        FORWARDED_FROM_STATUS: _ClassVar[ContextInfo.StatusAttributionType]
    NONE: ContextInfo.StatusAttributionType
    RESHARED_FROM_MENTION: ContextInfo.StatusAttributionType
    RESHARED_FROM_POST: ContextInfo.StatusAttributionType
    RESHARED_FROM_POST_MANY_TIMES: ContextInfo.StatusAttributionType
    FORWARDED_FROM_STATUS: ContextInfo.StatusAttributionType
    class StatusSourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        IMAGE: _ClassVar[ContextInfo.StatusSourceType]
        VIDEO: _ClassVar[ContextInfo.StatusSourceType]
        GIF: _ClassVar[ContextInfo.StatusSourceType]
        AUDIO: _ClassVar[ContextInfo.StatusSourceType]
        TEXT: _ClassVar[ContextInfo.StatusSourceType]
        MUSIC_STANDALONE: _ClassVar[ContextInfo.StatusSourceType]
    IMAGE: ContextInfo.StatusSourceType
    VIDEO: ContextInfo.StatusSourceType
    GIF: ContextInfo.StatusSourceType
    AUDIO: ContextInfo.StatusSourceType
    TEXT: ContextInfo.StatusSourceType
    MUSIC_STANDALONE: ContextInfo.StatusSourceType
    STANZAID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    QUOTEDMESSAGE_FIELD_NUMBER: _ClassVar[int]
    REMOTEJID_FIELD_NUMBER: _ClassVar[int]
    MENTIONEDJID_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONSOURCE_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONDATA_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONDELAYSECONDS_FIELD_NUMBER: _ClassVar[int]
    FORWARDINGSCORE_FIELD_NUMBER: _ClassVar[int]
    ISFORWARDED_FIELD_NUMBER: _ClassVar[int]
    PLACEHOLDERKEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_FIELD_NUMBER: _ClassVar[int]
    EPHEMERALSETTINGTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    EPHEMERALSHAREDSECRET_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINTCONVERSIONSOURCE_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINTCONVERSIONAPP_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINTCONVERSIONDELAYSECONDS_FIELD_NUMBER: _ClassVar[int]
    DISAPPEARINGMODE_FIELD_NUMBER: _ClassVar[int]
    GROUPSUBJECT_FIELD_NUMBER: _ClassVar[int]
    PARENTGROUPJID_FIELD_NUMBER: _ClassVar[int]
    TRUSTBANNERTYPE_FIELD_NUMBER: _ClassVar[int]
    TRUSTBANNERACTION_FIELD_NUMBER: _ClassVar[int]
    ISSAMPLED_FIELD_NUMBER: _ClassVar[int]
    SMBCLIENTCAMPAIGNID_FIELD_NUMBER: _ClassVar[int]
    SMBSERVERCAMPAIGNID_FIELD_NUMBER: _ClassVar[int]
    ALWAYSSHOWADATTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINTCONVERSIONEXTERNALSOURCE_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINTCONVERSIONEXTERNALMEDIUM_FIELD_NUMBER: _ClassVar[int]
    CTWASIGNALS_FIELD_NUMBER: _ClassVar[int]
    CTWAPAYLOAD_FIELD_NUMBER: _ClassVar[int]
    STATUSATTRIBUTIONTYPE_FIELD_NUMBER: _ClassVar[int]
    PAIREDMEDIATYPE_FIELD_NUMBER: _ClassVar[int]
    RANKINGVERSION_FIELD_NUMBER: _ClassVar[int]
    ISQUESTION_FIELD_NUMBER: _ClassVar[int]
    STATUSSOURCETYPE_FIELD_NUMBER: _ClassVar[int]
    ISGROUPSTATUS_FIELD_NUMBER: _ClassVar[int]
    FORWARDORIGIN_FIELD_NUMBER: _ClassVar[int]
    NONJIDMENTIONS_FIELD_NUMBER: _ClassVar[int]
    QUOTEDTYPE_FIELD_NUMBER: _ClassVar[int]
    ISSPOILER_FIELD_NUMBER: _ClassVar[int]
    AFTERREADDURATION_FIELD_NUMBER: _ClassVar[int]
    CROSSAPPSOURCE_FIELD_NUMBER: _ClassVar[int]
    POSTERSTATUSID_FIELD_NUMBER: _ClassVar[int]
    stanzaId: str
    participant: str
    quotedMessage: Message
    remoteJid: str
    mentionedJid: _containers.RepeatedScalarFieldContainer[str]
    conversionSource: str
    conversionData: bytes
    conversionDelaySeconds: int
    forwardingScore: int
    isForwarded: bool
    placeholderKey: _common_pb2.MessageKey
    expiration: int
    ephemeralSettingTimestamp: int
    ephemeralSharedSecret: bytes
    entryPointConversionSource: str
    entryPointConversionApp: str
    entryPointConversionDelaySeconds: int
    disappearingMode: DisappearingMode
    groupSubject: str
    parentGroupJid: str
    trustBannerType: str
    trustBannerAction: int
    isSampled: bool
    smbClientCampaignId: str
    smbServerCampaignId: str
    alwaysShowAdAttribution: bool
    entryPointConversionExternalSource: str
    entryPointConversionExternalMedium: str
    ctwaSignals: str
    ctwaPayload: bytes
    statusAttributionType: ContextInfo.StatusAttributionType
    pairedMediaType: ContextInfo.PairedMediaType
    rankingVersion: int
    isQuestion: bool
    statusSourceType: ContextInfo.StatusSourceType
    isGroupStatus: bool
    forwardOrigin: ContextInfo.ForwardOrigin
    nonJidMentions: int
    quotedType: ContextInfo.QuotedType
    isSpoiler: bool
    afterReadDuration: int
    crossAppSource: ContextInfo.CrossAppSource
    posterStatusId: str
    def __init__(self, stanzaId: _Optional[str] = ..., participant: _Optional[str] = ..., quotedMessage: _Optional[_Union[Message, _Mapping]] = ..., remoteJid: _Optional[str] = ..., mentionedJid: _Optional[_Iterable[str]] = ..., conversionSource: _Optional[str] = ..., conversionData: _Optional[bytes] = ..., conversionDelaySeconds: _Optional[int] = ..., forwardingScore: _Optional[int] = ..., isForwarded: _Optional[bool] = ..., placeholderKey: _Optional[_Union[_common_pb2.MessageKey, _Mapping]] = ..., expiration: _Optional[int] = ..., ephemeralSettingTimestamp: _Optional[int] = ..., ephemeralSharedSecret: _Optional[bytes] = ..., entryPointConversionSource: _Optional[str] = ..., entryPointConversionApp: _Optional[str] = ..., entryPointConversionDelaySeconds: _Optional[int] = ..., disappearingMode: _Optional[_Union[DisappearingMode, _Mapping]] = ..., groupSubject: _Optional[str] = ..., parentGroupJid: _Optional[str] = ..., trustBannerType: _Optional[str] = ..., trustBannerAction: _Optional[int] = ..., isSampled: _Optional[bool] = ..., smbClientCampaignId: _Optional[str] = ..., smbServerCampaignId: _Optional[str] = ..., alwaysShowAdAttribution: _Optional[bool] = ..., entryPointConversionExternalSource: _Optional[str] = ..., entryPointConversionExternalMedium: _Optional[str] = ..., ctwaSignals: _Optional[str] = ..., ctwaPayload: _Optional[bytes] = ..., statusAttributionType: _Optional[_Union[ContextInfo.StatusAttributionType, str]] = ..., pairedMediaType: _Optional[_Union[ContextInfo.PairedMediaType, str]] = ..., rankingVersion: _Optional[int] = ..., isQuestion: _Optional[bool] = ..., statusSourceType: _Optional[_Union[ContextInfo.StatusSourceType, str]] = ..., isGroupStatus: _Optional[bool] = ..., forwardOrigin: _Optional[_Union[ContextInfo.ForwardOrigin, str]] = ..., nonJidMentions: _Optional[int] = ..., quotedType: _Optional[_Union[ContextInfo.QuotedType, str]] = ..., isSpoiler: _Optional[bool] = ..., afterReadDuration: _Optional[int] = ..., crossAppSource: _Optional[_Union[ContextInfo.CrossAppSource, str]] = ..., posterStatusId: _Optional[str] = ...) -> None: ...

class MessageContextInfo(_message.Message):
    __slots__ = ("deviceListMetadata", "deviceListMetadataVersion", "messageSecret", "paddingBytes", "messageAddOnDurationInSecs", "botMessageSecret", "reportingTokenVersion", "messageAddOnExpiryType", "capiCreatedGroup", "supportPayload", "teeBotMetadata", "associatedPrimaryIdentityKey")
    class MessageAddonExpiryType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATIC: _ClassVar[MessageContextInfo.MessageAddonExpiryType]
        DEPENDENT_ON_PARENT: _ClassVar[MessageContextInfo.MessageAddonExpiryType]
    STATIC: MessageContextInfo.MessageAddonExpiryType
    DEPENDENT_ON_PARENT: MessageContextInfo.MessageAddonExpiryType
    DEVICELISTMETADATA_FIELD_NUMBER: _ClassVar[int]
    DEVICELISTMETADATAVERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGESECRET_FIELD_NUMBER: _ClassVar[int]
    PADDINGBYTES_FIELD_NUMBER: _ClassVar[int]
    MESSAGEADDONDURATIONINSECS_FIELD_NUMBER: _ClassVar[int]
    BOTMESSAGESECRET_FIELD_NUMBER: _ClassVar[int]
    REPORTINGTOKENVERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGEADDONEXPIRYTYPE_FIELD_NUMBER: _ClassVar[int]
    CAPICREATEDGROUP_FIELD_NUMBER: _ClassVar[int]
    SUPPORTPAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TEEBOTMETADATA_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATEDPRIMARYIDENTITYKEY_FIELD_NUMBER: _ClassVar[int]
    deviceListMetadata: DeviceListMetadata
    deviceListMetadataVersion: int
    messageSecret: bytes
    paddingBytes: bytes
    messageAddOnDurationInSecs: int
    botMessageSecret: bytes
    reportingTokenVersion: int
    messageAddOnExpiryType: MessageContextInfo.MessageAddonExpiryType
    capiCreatedGroup: bool
    supportPayload: str
    teeBotMetadata: bytes
    associatedPrimaryIdentityKey: bytes
    def __init__(self, deviceListMetadata: _Optional[_Union[DeviceListMetadata, _Mapping]] = ..., deviceListMetadataVersion: _Optional[int] = ..., messageSecret: _Optional[bytes] = ..., paddingBytes: _Optional[bytes] = ..., messageAddOnDurationInSecs: _Optional[int] = ..., botMessageSecret: _Optional[bytes] = ..., reportingTokenVersion: _Optional[int] = ..., messageAddOnExpiryType: _Optional[_Union[MessageContextInfo.MessageAddonExpiryType, str]] = ..., capiCreatedGroup: _Optional[bool] = ..., supportPayload: _Optional[str] = ..., teeBotMetadata: _Optional[bytes] = ..., associatedPrimaryIdentityKey: _Optional[bytes] = ...) -> None: ...

class DeviceListMetadata(_message.Message):
    __slots__ = ("senderKeyHash", "senderTimestamp", "senderKeyIndexes", "senderAccountType", "receiverAccountType", "recipientKeyHash", "recipientTimestamp", "recipientKeyIndexes")
    SENDERKEYHASH_FIELD_NUMBER: _ClassVar[int]
    SENDERTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SENDERKEYINDEXES_FIELD_NUMBER: _ClassVar[int]
    SENDERACCOUNTTYPE_FIELD_NUMBER: _ClassVar[int]
    RECEIVERACCOUNTTYPE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTKEYHASH_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTKEYINDEXES_FIELD_NUMBER: _ClassVar[int]
    senderKeyHash: bytes
    senderTimestamp: int
    senderKeyIndexes: _containers.RepeatedScalarFieldContainer[int]
    senderAccountType: _adv_pb2.ADVEncryptionType
    receiverAccountType: _adv_pb2.ADVEncryptionType
    recipientKeyHash: bytes
    recipientTimestamp: int
    recipientKeyIndexes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, senderKeyHash: _Optional[bytes] = ..., senderTimestamp: _Optional[int] = ..., senderKeyIndexes: _Optional[_Iterable[int]] = ..., senderAccountType: _Optional[_Union[_adv_pb2.ADVEncryptionType, str]] = ..., receiverAccountType: _Optional[_Union[_adv_pb2.ADVEncryptionType, str]] = ..., recipientKeyHash: _Optional[bytes] = ..., recipientTimestamp: _Optional[int] = ..., recipientKeyIndexes: _Optional[_Iterable[int]] = ...) -> None: ...

class DisappearingMode(_message.Message):
    __slots__ = ("initiator", "trigger", "initiatorDeviceJid", "initiatedByMe")
    class Initiator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CHANGED_IN_CHAT: _ClassVar[DisappearingMode.Initiator]
        INITIATED_BY_ME: _ClassVar[DisappearingMode.Initiator]
        INITIATED_BY_OTHER: _ClassVar[DisappearingMode.Initiator]
        BIZ_UPGRADE_FB_HOSTING: _ClassVar[DisappearingMode.Initiator]
    CHANGED_IN_CHAT: DisappearingMode.Initiator
    INITIATED_BY_ME: DisappearingMode.Initiator
    INITIATED_BY_OTHER: DisappearingMode.Initiator
    BIZ_UPGRADE_FB_HOSTING: DisappearingMode.Initiator
    class Trigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UNKNOWN: _ClassVar[DisappearingMode.Trigger]
        CHAT_SETTING: _ClassVar[DisappearingMode.Trigger]
        ACCOUNT_SETTING: _ClassVar[DisappearingMode.Trigger]
        BULK_CHANGE: _ClassVar[DisappearingMode.Trigger]
        BIZ_SUPPORTS_FB_HOSTING: _ClassVar[DisappearingMode.Trigger]
        UNKNOWN_GROUPS: _ClassVar[DisappearingMode.Trigger]
    UNKNOWN: DisappearingMode.Trigger
    CHAT_SETTING: DisappearingMode.Trigger
    ACCOUNT_SETTING: DisappearingMode.Trigger
    BULK_CHANGE: DisappearingMode.Trigger
    BIZ_SUPPORTS_FB_HOSTING: DisappearingMode.Trigger
    UNKNOWN_GROUPS: DisappearingMode.Trigger
    INITIATOR_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    INITIATORDEVICEJID_FIELD_NUMBER: _ClassVar[int]
    INITIATEDBYME_FIELD_NUMBER: _ClassVar[int]
    initiator: DisappearingMode.Initiator
    trigger: DisappearingMode.Trigger
    initiatorDeviceJid: str
    initiatedByMe: bool
    def __init__(self, initiator: _Optional[_Union[DisappearingMode.Initiator, str]] = ..., trigger: _Optional[_Union[DisappearingMode.Trigger, str]] = ..., initiatorDeviceJid: _Optional[str] = ..., initiatedByMe: _Optional[bool] = ...) -> None: ...

class ServerErrorReceipt(_message.Message):
    __slots__ = ("stanzaId",)
    STANZAID_FIELD_NUMBER: _ClassVar[int]
    stanzaId: str
    def __init__(self, stanzaId: _Optional[str] = ...) -> None: ...

class MediaRetryNotification(_message.Message):
    __slots__ = ("stanzaId", "directPath", "result", "messageSecret")
    class ResultType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        GENERAL_ERROR: _ClassVar[MediaRetryNotification.ResultType]
        SUCCESS: _ClassVar[MediaRetryNotification.ResultType]
        NOT_FOUND: _ClassVar[MediaRetryNotification.ResultType]
        DECRYPTION_ERROR: _ClassVar[MediaRetryNotification.ResultType]
    GENERAL_ERROR: MediaRetryNotification.ResultType
    SUCCESS: MediaRetryNotification.ResultType
    NOT_FOUND: MediaRetryNotification.ResultType
    DECRYPTION_ERROR: MediaRetryNotification.ResultType
    STANZAID_FIELD_NUMBER: _ClassVar[int]
    DIRECTPATH_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    MESSAGESECRET_FIELD_NUMBER: _ClassVar[int]
    stanzaId: str
    directPath: str
    result: MediaRetryNotification.ResultType
    messageSecret: bytes
    def __init__(self, stanzaId: _Optional[str] = ..., directPath: _Optional[str] = ..., result: _Optional[_Union[MediaRetryNotification.ResultType, str]] = ..., messageSecret: _Optional[bytes] = ...) -> None: ...
