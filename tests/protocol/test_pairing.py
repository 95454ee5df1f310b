"""Pairing: the phone's proof, our device signature, and the login payloads."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from wabus.core import Jid, Node, Server
from wabus.core.events import PairError, PairSuccess
from wabus.proto.adv_pb2 import ADVSignedDeviceIdentity, ADVSignedDeviceIdentityHMAC
from wabus.proto.client_pb2 import ClientPayload, DeviceProps
from wabus.protocol import (
    QR_URL_PREFIX,
    AdvVerifier,
    DeviceKeys,
    KeyPair,
    PairingVerificationFailed,
    Router,
    decode_node,
    encode_node,
    login_payload,
    registration_payload,
    xeddsa_verify,
)
from wabus.protocol.server import sign_device_identity, verify_device_signature

ME = Jid("15550000001", Server.USER, device=7)
ME_LID = Jid("100000000000001", Server.LID, device=7)


@pytest.fixture(scope="module")
def keys() -> DeviceKeys:
    return DeviceKeys.generate()


def test_a_genuine_pair_success_verifies_and_we_sign_it(keys: DeviceKeys) -> None:
    account = KeyPair.generate()
    proof = sign_device_identity(account, keys.identity.public, keys.adv_secret, key_index=4)
    verifier = AdvVerifier(keys.identity, keys.adv_secret)
    verifier.verify(proof, ME, ME_LID)
    result = verifier.result
    assert result is not None and result.key_index == 4
    sent = ADVSignedDeviceIdentity.FromString(result.signed_identity)
    assert not sent.accountSignatureKey  # left out of what we send back
    assert ADVSignedDeviceIdentity.FromString(result.account_identity).accountSignatureKey == (
        account.public
    )
    assert verify_device_signature(result.signed_identity, keys.identity.public, account.public)
    assert not verify_device_signature(
        result.signed_identity, keys.identity.public, KeyPair.generate().public
    )


def test_a_proof_for_another_secret_or_device_is_refused(keys: DeviceKeys) -> None:
    account = KeyPair.generate()
    verifier = AdvVerifier(keys.identity, keys.adv_secret)
    with pytest.raises(PairingVerificationFailed, match="HMAC does not match"):
        verifier.verify(sign_device_identity(account, keys.identity.public, bytes(32)), ME, None)
    other = KeyPair.generate()
    with pytest.raises(PairingVerificationFailed, match="account signature"):
        verifier.verify(sign_device_identity(account, other.public, keys.adv_secret), ME, None)
    with pytest.raises(PairingVerificationFailed, match="does not parse"):
        verifier.verify(b"\xff\xff", ME, None)
    assert verifier.result is None


def test_a_forged_account_signature_with_a_valid_hmac_is_refused(keys: DeviceKeys) -> None:
    account = KeyPair.generate()
    container = ADVSignedDeviceIdentityHMAC.FromString(
        sign_device_identity(account, keys.identity.public, keys.adv_secret)
    )
    signed = ADVSignedDeviceIdentity.FromString(container.details)
    signed.accountSignature = bytes(64)
    container.details = signed.SerializeToString()
    container.hmac = hmac.new(keys.adv_secret, container.details, hashlib.sha256).digest()
    with pytest.raises(PairingVerificationFailed, match="account signature"):
        AdvVerifier(keys.identity, keys.adv_secret).verify(container.SerializeToString(), ME, None)


def test_the_router_reports_pair_success_and_pair_error(keys: DeviceKeys) -> None:
    account = KeyPair.generate()

    def pair_success(identity: bytes) -> Node:
        return Node(
            "iq",
            {"from": Jid("", Server.USER), "type": "set", "id": "p"},
            [
                Node(
                    "pair-success",
                    None,
                    [
                        Node("device-identity", None, identity),
                        Node("platform", {"name": "android"}),
                        Node("device", {"jid": ME, "lid": ME_LID}),
                    ],
                )
            ],
        )

    router = Router(pairing_verifier=AdvVerifier(keys.identity, keys.adv_secret))
    good = sign_device_identity(account, keys.identity.public, keys.adv_secret)
    [event] = router.route(decode_node(encode_node(pair_success(good))))
    assert event == PairSuccess(id=ME, lid=ME_LID, platform="android")
    bad = sign_device_identity(account, keys.identity.public, bytes(32))
    [failed] = Router(pairing_verifier=AdvVerifier(keys.identity, keys.adv_secret)).route(
        decode_node(encode_node(pair_success(bad)))
    )
    assert isinstance(failed, PairError) and "HMAC" in failed.error


def test_device_keys(keys: DeviceKeys) -> None:
    assert xeddsa_verify(
        keys.identity.public, b"\x05" + keys.signed_prekey.public, keys.signed_prekey_signature
    )
    assert 0 < keys.registration_id < 2**14
    code = keys.pairing.qr_code("2@ref")
    assert code.startswith(QR_URL_PREFIX + "2@ref,") and code.count(",") == 4
    assert code.endswith(",7")  # a desktop companion
    AdvVerifier(KeyPair(private=bytes(32)), bytes(32))  # a raw private key signs too now


def test_registration_payload(keys: DeviceKeys) -> None:
    payload = ClientPayload.FromString(registration_payload(keys, push_name="Bot"))
    assert not payload.passive and payload.pushName == "Bot"
    data = payload.devicePairingData
    assert data.eIdent == keys.identity.public
    assert data.eSkeyVal == keys.signed_prekey.public
    assert int.from_bytes(data.eRegid, "big") == keys.registration_id
    assert data.eKeytype == b"\x05"
    assert DeviceProps.FromString(data.deviceProps).os == "wabus"
    assert payload.userAgent.platform == ClientPayload.UserAgent.WEB


def test_login_payload() -> None:
    payload = ClientPayload.FromString(login_payload(ME))
    assert (payload.username, payload.device, payload.passive) == (15550000001, 7, True)
    assert not payload.HasField("devicePairingData")
    with pytest.raises(ValueError, match="phone-number device"):
        login_payload(Jid("120363000000000001", Server.GROUP))
    with pytest.raises(ValueError, match="phone-number device"):
        login_payload(ME_LID)
