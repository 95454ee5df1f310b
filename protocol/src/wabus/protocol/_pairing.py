"""Pairing and login: the device's keys, the ADV proof of a pair-success, the ClientPayload.

Theory of operation
-------------------

A companion device (wabus) is linked to a phone by QR code. The code carries a server ``ref``,
our Noise public key, our identity public key and a random 32-byte *ADV secret*. The phone
scans it, and the server sends us ``<pair-success>`` with a *device identity* that the phone
built and signed:

- ``ADVSignedDeviceIdentityHMAC`` {details, hmac, accountType}: ``hmac`` is HMAC-SHA256 under the
  ADV secret (which only the phone and we know) of ``details`` (prefixed with 6,5 for hosted
  accounts). It proves the pair-success comes from the phone that scanned our code.
- its ``details`` are an ``ADVSignedDeviceIdentity`` {details, accountSignatureKey,
  accountSignature}: ``accountSignature`` is the phone's account key's XEdDSA signature of
  6,0 + details + our identity public key (6,5 for hosted). It binds the account to our key.
- we add ``deviceSignature``, our identity key's signature of 6,1 + details + our identity key
  + the account key (6,6 for hosted), and send the result back (without the account key) in
  ``<pair-device-sign>``.

`AdvVerifier` runs those checks for the router (it is a `PairingVerifier`) and keeps what the
client must send and store; `sign_device_identity` is the phone's side, for the simulator and
the tests. `registration_payload` and `login_payload` build the ``ClientPayload`` of the
handshake's last message: registration data before pairing, our identity after it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Final, final

from google.protobuf.message import DecodeError

from wabus.core import Jid, Server
from wabus.proto.adv_pb2 import (
    ADVDeviceIdentity,
    ADVEncryptionType,
    ADVSignedDeviceIdentity,
    ADVSignedDeviceIdentityHMAC,
)
from wabus.proto.client_pb2 import ClientPayload, DeviceProps
from wabus.protocol._errors import PairingVerificationFailed
from wabus.protocol._keys import KeyPair, xeddsa_verify
from wabus.protocol._router import PairingKeys

__all__ = [
    "AdvVerifier",
    "ClientVersion",
    "DeviceKeys",
    "PairedDevice",
    "login_payload",
    "registration_payload",
    "sign_device_identity",
    "verify_device_signature",
]

_ACCOUNT_PREFIX: Final = bytes([6, 0])
_DEVICE_PREFIX: Final = bytes([6, 1])
_HOSTED_ACCOUNT_PREFIX: Final = bytes([6, 5])
_HOSTED_DEVICE_PREFIX: Final = bytes([6, 6])
_DJB_TYPE: Final = bytes([5])  # Signal's key-type byte, prefixed to keys that get signed


@dataclass(frozen=True, slots=True)
class ClientVersion:
    """The WhatsApp Web version we present (it decides whether the server lets us in)."""

    primary: int = 2
    secondary: int = 3000
    tertiary: int = 1023223821

    def __str__(self) -> str:
        return f"{self.primary}.{self.secondary}.{self.tertiary}"


@final
@dataclass(frozen=True, slots=True)
class DeviceKeys:
    """Everything a device generates once and keeps for life (store it; see ``wabus.client``)."""

    noise: KeyPair
    """The Noise static key pair."""
    identity: KeyPair
    """The Signal identity key pair (signs our device identity; must be able to sign)."""
    signed_prekey: KeyPair
    """The signed prekey pair."""
    signed_prekey_id: int
    """Its id (24 bits)."""
    signed_prekey_signature: bytes
    """The identity key's signature of 5 + the signed prekey's public key."""
    registration_id: int
    """The Signal registration id (14 bits)."""
    adv_secret: bytes
    """The 32-byte secret the QR code shares with the phone."""

    @classmethod
    def generate(cls) -> DeviceKeys:
        """Fresh keys for a new device."""
        identity = KeyPair.generate()
        prekey = KeyPair.generate()
        return cls(
            noise=KeyPair.generate(),
            identity=identity,
            signed_prekey=prekey,
            signed_prekey_id=1,
            signed_prekey_signature=identity.sign(_DJB_TYPE + prekey.public),
            registration_id=int.from_bytes(os.urandom(2), "big") & 0x3FFF or 1,
            adv_secret=os.urandom(32),
        )

    @property
    def pairing(self) -> PairingKeys:
        """What a pairing QR code carries."""
        return PairingKeys(
            noise_public=self.noise.public,
            identity_public=self.identity.public,
            adv_secret=self.adv_secret,
        )


@dataclass(frozen=True, slots=True)
class PairedDevice:
    """The outcome of a verified pair-success: what to send back and what to keep."""

    signed_identity: bytes
    """The ``ADVSignedDeviceIdentity`` to send in ``<pair-device-sign>`` (account key left out)."""
    account_identity: bytes
    """The full ``ADVSignedDeviceIdentity`` (with the account key), to store."""
    key_index: int
    """The key index of the device identity."""


def _prefixes(account_type: int) -> tuple[bytes, bytes, bytes | None]:
    """(account-signature prefix, device-signature prefix, HMAC prefix) for an account type."""
    if account_type == ADVEncryptionType.HOSTED:
        return _HOSTED_ACCOUNT_PREFIX, _HOSTED_DEVICE_PREFIX, _HOSTED_ACCOUNT_PREFIX
    return _ACCOUNT_PREFIX, _DEVICE_PREFIX, None


@final
class AdvVerifier:
    """The router's `PairingVerifier`: checks a pair-success and signs our device identity.

    After a successful `verify`, `result` holds the `PairedDevice` for the client to send back
    and store.
    """

    __slots__ = ("_identity", "_secret", "result")

    def __init__(self, identity: KeyPair, adv_secret: bytes) -> None:
        if not identity.can_sign:
            raise ValueError("the identity key pair must be able to sign")
        self._identity = identity
        self._secret = adv_secret
        self.result: PairedDevice | None = None

    def use_secret(self, adv_secret: bytes) -> None:
        """Verify with this ADV secret from now on: the one a pair-code login derives, in
        place of the random one a QR code carries."""
        if len(adv_secret) != 32:
            raise ValueError(f"an ADV secret has 32 bytes, got {len(adv_secret)}")
        self._secret = adv_secret

    def verify(self, device_identity: bytes, device: Jid, lid: Jid | None) -> None:
        """Check the phone's proof (HMAC, account signature); raise `PairingVerificationFailed`."""
        try:
            container = ADVSignedDeviceIdentityHMAC.FromString(device_identity)
            signed = ADVSignedDeviceIdentity.FromString(container.details)
            details = ADVDeviceIdentity.FromString(signed.details)
        except DecodeError as err:
            raise PairingVerificationFailed(f"the device identity does not parse ({err})") from None
        account_prefix, device_prefix, hmac_prefix = _prefixes(container.accountType)
        expected = hmac.new(
            self._secret, (hmac_prefix or b"") + container.details, hashlib.sha256
        ).digest()
        if not container.hmac or not hmac.compare_digest(expected, container.hmac):
            raise PairingVerificationFailed("the HMAC does not match our ADV secret")
        if not xeddsa_verify(
            signed.accountSignatureKey,
            account_prefix + signed.details + self._identity.public,
            signed.accountSignature,
        ):
            raise PairingVerificationFailed("the account signature does not verify")
        signed.deviceSignature = self._identity.sign(
            device_prefix + signed.details + self._identity.public + signed.accountSignatureKey
        )
        account_identity = signed.SerializeToString()
        signed.ClearField("accountSignatureKey")
        self.result = PairedDevice(
            signed_identity=signed.SerializeToString(),
            account_identity=account_identity,
            key_index=details.keyIndex,
        )


def sign_device_identity(
    account: KeyPair,
    companion_identity: bytes,
    adv_secret: bytes,
    *,
    key_index: int = 1,
    timestamp: int = 0,
) -> bytes:
    """The phone's side: a signed ``ADVSignedDeviceIdentityHMAC`` for a companion's identity."""
    details = ADVDeviceIdentity(
        rawId=int.from_bytes(os.urandom(4), "big"),
        timestamp=timestamp,
        keyIndex=key_index,
        accountType=ADVEncryptionType.E2EE,
        deviceType=ADVEncryptionType.E2EE,
    ).SerializeToString()
    signed = ADVSignedDeviceIdentity(
        details=details,
        accountSignatureKey=account.public,
        accountSignature=account.sign(_ACCOUNT_PREFIX + details + companion_identity),
    ).SerializeToString()
    return ADVSignedDeviceIdentityHMAC(
        details=signed,
        hmac=hmac.new(adv_secret, signed, hashlib.sha256).digest(),
        accountType=ADVEncryptionType.E2EE,
    ).SerializeToString()


def verify_device_signature(
    signed_identity: bytes, companion_identity: bytes, account_key: bytes
) -> bool:
    """The server's check of ``<pair-device-sign>``: the companion's device signature."""
    try:
        signed = ADVSignedDeviceIdentity.FromString(signed_identity)
    except DecodeError:
        return False
    return xeddsa_verify(
        companion_identity,
        _DEVICE_PREFIX + signed.details + companion_identity + account_key,
        signed.deviceSignature,
    )


def _base_payload(version: ClientVersion, passive: bool) -> ClientPayload:
    payload = ClientPayload()
    payload.passive = passive
    agent = payload.userAgent
    agent.platform = ClientPayload.UserAgent.WEB
    agent.appVersion.primary = version.primary
    agent.appVersion.secondary = version.secondary
    agent.appVersion.tertiary = version.tertiary
    agent.mcc = "000"
    agent.mnc = "000"
    agent.osVersion = "0.1"
    agent.manufacturer = ""
    agent.device = "Desktop"
    agent.osBuildNumber = "0.1"
    agent.releaseChannel = ClientPayload.UserAgent.RELEASE
    agent.localeLanguageIso6391 = "en"
    agent.localeCountryIso31661Alpha2 = "US"
    payload.webInfo.webSubPlatform = ClientPayload.WebInfo.WEB_BROWSER
    payload.connectType = ClientPayload.WIFI_UNKNOWN
    payload.connectReason = ClientPayload.USER_ACTIVATED
    return payload


def registration_payload(
    keys: DeviceKeys,
    *,
    version: ClientVersion = ClientVersion(),
    os_name: str = "wabus",
    push_name: str = "",
) -> bytes:
    """The ClientPayload of a device that is not paired yet (it asks to register)."""
    payload = _base_payload(version, passive=False)
    payload.pull = False
    if push_name:
        payload.pushName = push_name
    props = DeviceProps(os=os_name, platformType=DeviceProps.DESKTOP, requireFullSync=False)
    props.version.primary = 0
    props.version.secondary = 1
    data = payload.devicePairingData
    data.eRegid = keys.registration_id.to_bytes(4, "big")
    data.eKeytype = _DJB_TYPE
    data.eIdent = keys.identity.public
    data.eSkeyId = keys.signed_prekey_id.to_bytes(3, "big")
    data.eSkeyVal = keys.signed_prekey.public
    data.eSkeySig = keys.signed_prekey_signature
    data.buildHash = hashlib.md5(str(version).encode(), usedforsecurity=False).digest()
    data.deviceProps = props.SerializeToString()
    return payload.SerializeToString()


def login_payload(device: Jid, *, version: ClientVersion = ClientVersion()) -> bytes:
    """The ClientPayload of a paired device logging in as `device` (a PN device JID)."""
    if device.server is not Server.USER or not device.user.isdigit():
        raise ValueError(f"log in with a phone-number device JID, got {device}")
    payload = _base_payload(version, passive=True)
    payload.username = int(device.user)
    payload.device = device.device
    payload.pull = True
    return payload.SerializeToString()
