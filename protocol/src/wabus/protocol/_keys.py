"""Curve25519 key pairs that can both agree (X25519) and sign (XEdDSA, as Signal verifies it).

Theory of operation
-------------------

WhatsApp's identity keys are Curve25519 (Montgomery) keys, yet they sign: certificates, ADV
device identities. The verification is Signal's ``curve25519_verify``: map the Montgomery
public key ``u`` to the Edwards ``y = (u - 1) / (u + 1)``, take the Edwards sign bit from bit 255
of the signature (and clear it there), and check an ordinary Ed25519 signature. `xeddsa_verify`
does exactly that, with `cryptography`'s Ed25519 for the curve work.

Signing needs the Edwards form of the private key. Our key pairs are therefore born from an
Ed25519 seed: Ed25519 and X25519 clamp the same 32 bytes of ``SHA-512(seed)`` into the same
scalar, so the X25519 public key is exactly the Montgomery form of the Ed25519 public key. A
signature is then `cryptography`'s (constant-time) Ed25519 signature with the public key's sign
bit stored in bit 255, which `xeddsa_verify` undoes. A key pair given only a raw X25519 scalar
(not a seed) can agree but not sign.
"""

from __future__ import annotations

import hashlib
import os
from typing import Final, final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from wabus.protocol._errors import LocalWireError

__all__ = ["KEY_SIZE", "SIGNATURE_SIZE", "KeyPair", "xeddsa_verify"]

KEY_SIZE: Final = 32
SIGNATURE_SIZE: Final = 64
_P: Final = 2**255 - 19


def _edwards_y(montgomery_u: bytes) -> bytes | None:
    """The Edwards y (little endian, sign bit clear) for a Montgomery u; None if it has none."""
    u = int.from_bytes(montgomery_u, "little") & ((1 << 255) - 1)
    if u >= _P or (u + 1) % _P == 0:
        return None
    y = (u - 1) * pow(u + 1, _P - 2, _P) % _P
    return y.to_bytes(32, "little")


def xeddsa_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is a valid XEdDSA signature of `message` by Curve25519 `public_key`."""
    if len(public_key) != KEY_SIZE or len(signature) != SIGNATURE_SIZE:
        return False
    y = _edwards_y(public_key)
    if y is None:
        return False
    edwards = bytearray(y)
    edwards[31] = (edwards[31] & 0x7F) | (signature[63] & 0x80)
    plain = bytearray(signature)
    plain[63] &= 0x7F
    try:
        Ed25519PublicKey.from_public_bytes(bytes(edwards)).verify(bytes(plain), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@final
class KeyPair:
    """A Curve25519 key pair: X25519 agreement, and XEdDSA signing when made from a seed."""

    __slots__ = ("_agree", "_edwards", "_seed", "private", "public")

    def __init__(self, *, seed: bytes | None = None, private: bytes | None = None) -> None:
        """From a 32-byte Ed25519 `seed` (can sign), or a raw X25519 `private` key (cannot)."""
        if (seed is None) == (private is None):
            raise ValueError("give exactly one of seed or private")
        self._edwards: Ed25519PrivateKey | None = None
        if seed is not None:
            if len(seed) != KEY_SIZE:
                raise ValueError(f"a seed has {KEY_SIZE} bytes, got {len(seed)}")
            self._edwards = Ed25519PrivateKey.from_private_bytes(seed)
            private = hashlib.sha512(seed).digest()[:KEY_SIZE]
        assert private is not None
        if len(private) != KEY_SIZE:
            raise ValueError(f"a private key has {KEY_SIZE} bytes, got {len(private)}")
        self._seed = seed
        self._agree = X25519PrivateKey.from_private_bytes(private)
        self.private: Final[bytes] = private
        """The X25519 private key (32 bytes)."""
        self.public: Final[bytes] = self._agree.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw
        )
        """The Curve25519 public key (32 bytes, Montgomery u)."""

    @classmethod
    def generate(cls) -> KeyPair:
        """A fresh key pair from a random seed (it can sign)."""
        return cls(seed=os.urandom(KEY_SIZE))

    @property
    def seed(self) -> bytes | None:
        """The Ed25519 seed, when the pair was made from one (store this to keep signing)."""
        return self._seed

    @property
    def can_sign(self) -> bool:
        """Whether `sign` works (the pair was made from a seed)."""
        return self._edwards is not None

    def agree(self, peer_public: bytes) -> bytes:
        """The X25519 shared secret with `peer_public`. Raises `ValueError` for a bad key."""
        if len(peer_public) != KEY_SIZE:
            raise ValueError(f"a public key has {KEY_SIZE} bytes, got {len(peer_public)}")
        return self._agree.exchange(X25519PublicKey.from_public_bytes(peer_public))

    def sign(self, message: bytes) -> bytes:
        """An XEdDSA signature that `xeddsa_verify(self.public, message, ...)` accepts."""
        if self._edwards is None:
            raise LocalWireError("this key pair was made from a raw private key; it cannot sign")
        signature = bytearray(self._edwards.sign(message))
        edwards_public = self._edwards.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        signature[63] = (signature[63] & 0x7F) | (edwards_public[31] & 0x80)
        return bytes(signature)

    def __repr__(self) -> str:
        return f"<KeyPair public={self.public.hex()[:16]}…>"
