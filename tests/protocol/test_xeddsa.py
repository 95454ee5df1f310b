"""XEdDSA with any Curve25519 private key, checked against curve25519-js's known answers.

The vectors were made by curve25519-js 0.0.4 (the curve under libsignal-node 6.0.0), whose
signatures are deterministic: `sign(private, message)`. The first key's Edwards point has sign
bit 0, the second's sign bit 1, so both halves of the verification's sign handling are covered.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wabus.protocol import KeyPair, xeddsa_verify

MESSAGE = b"\x05" + hashlib.sha256(b"wabus").digest()
VECTORS = [
    (
        "a8abababababababababababababababababababababababababababababab6b",
        "e3712d851a0e5d79b831c5e34ab22b41a198171de209b8b8faca23a11c624859",
        (
            "21d714e5ceeedf41a40c1babf103cc459b33bd907990bbe0d2da52b677ef23ee"
            "a4c9532adeffda0f7fd6ca27c57be7b81290db18b26608bc72e143b05ba8aa00"
        ),
    ),
    (
        "58fdf4e3c5b3b1b8b7b6b5b4b3b2b1b0afaeadacabaaa9a8a7a6a5a4a3a2a140",
        "8a6507df6aaced659a32be5002650b3d198ce7773f2be80f7d95024fd8e85b23",
        (
            "2c0f0d56b7db777049bdd576c891f85c574a586574d52d75c0c2b0418a500d2b"
            "6afe99e6c49f4304b528622bb5fbe670c17766b771f34b0c28cd9bf7616a9480"
        ),
    ),
]


@pytest.mark.parametrize(("private", "public", "signature"), VECTORS)
def test_curve25519_js_signatures_verify(private: str, public: str, signature: str) -> None:
    key = KeyPair(private=bytes.fromhex(private))
    assert key.public.hex() == public
    assert xeddsa_verify(key.public, MESSAGE, bytes.fromhex(signature))
    assert not xeddsa_verify(key.public, MESSAGE[:-1], bytes.fromhex(signature))


@pytest.mark.parametrize(("private", "public", "signature"), VECTORS)
def test_the_same_raw_keys_sign_for_wabus(private: str, public: str, signature: str) -> None:
    key = KeyPair(private=bytes.fromhex(private))
    ours = key.sign(MESSAGE)
    assert xeddsa_verify(bytes.fromhex(public), MESSAGE, ours)
    assert ours[63] & 0x80 == 0  # XEdDSA proper: the scalar is negated instead
    assert ours != bytes.fromhex(signature)  # randomised: compare by verifying only
    assert KeyPair(private=key.private).sign(MESSAGE) != ours


def test_a_non_canonical_s_is_refused() -> None:
    """curve25519-js accepts s + q (it never checks s < q); wabus does not."""
    _, public, signature = VECTORS[0]
    q = 2**252 + 27742317777372353535851937790883648493
    raw = bytes.fromhex(signature)
    s = int.from_bytes(raw[32:], "little")
    assert s + q < 2**255
    forged = raw[:32] + (s + q).to_bytes(32, "little")
    assert not xeddsa_verify(bytes.fromhex(public), MESSAGE, forged)


@given(st.binary(min_size=32, max_size=32), st.binary(max_size=300))
def test_any_raw_private_key_signs(private: bytes, message: bytes) -> None:
    key = KeyPair(private=private)
    signature = key.sign(message)
    assert xeddsa_verify(key.public, message, signature)
    assert not xeddsa_verify(key.public, message + b"\x00", signature)
    tampered = bytearray(signature)
    tampered[5] ^= 1
    assert not xeddsa_verify(key.public, message, bytes(tampered))


def test_seed_born_keys_keep_their_signatures() -> None:
    """The seed path is unchanged: deterministic Ed25519 with the sign bit in bit 255."""
    key = KeyPair(seed=bytes(range(32)))
    assert key.sign(b"m") == key.sign(b"m")
    assert xeddsa_verify(key.public, b"m", key.sign(b"m"))
    raw = KeyPair(private=key.private)
    assert raw.public == key.public
    assert xeddsa_verify(key.public, b"m", raw.sign(b"m"))
