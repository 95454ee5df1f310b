"""Curve25519 key pairs that can both agree (X25519) and sign (XEdDSA, as Signal verifies it).

Theory of operation
-------------------

WhatsApp's identity keys are Curve25519 (Montgomery) keys, yet they sign: certificates, ADV
device identities, signed prekeys, group messages. The verification is Signal's
``curve25519_verify``: map the Montgomery public key ``u`` to the Edwards ``y = (u - 1) / (u +
1)``, take the Edwards sign bit from bit 255 of the signature (and clear it there), and check an
ordinary Ed25519 signature. `xeddsa_verify` does exactly that, with `cryptography`'s Ed25519 for
the curve work. It is strict: `cryptography` refuses a non-canonical ``s`` (at or above the group
order), which some peers' verifiers let through.

Signing has two paths.

- A key pair born from an Ed25519 seed (`KeyPair.generate`, ``KeyPair(seed=...)``): Ed25519 and
  X25519 clamp the same 32 bytes of ``SHA-512(seed)`` into the same scalar, so the X25519 public
  key is the Montgomery form of the Ed25519 public key, and a signature is `cryptography`'s
  (constant-time) Ed25519 signature with the public key's sign bit stored in bit 255.
- Any other Curve25519 private key (``KeyPair(private=...)``: a key imported from another
  library, a Baileys ``creds.json``, a libsignal prekey) signs by XEdDSA proper. Its clamped
  scalar ``k`` is replaced by ``a = ±k`` so that ``A = aB`` has Edwards sign bit 0 (``A`` is then
  the point `xeddsa_verify` rebuilds from ``u`` alone), and the signature is ``R || s`` with
  ``s = r + SHA-512(R || A || M) * a (mod q)`` and bit 255 clear.

Why not the PyPI ``xeddsa`` package (the binding of libxeddsa over libsodium)? It was evaluated:
MIT, maintained (1.2.0, January 2026), with a CPython 3.11 manylinux x86_64 wheel (cffi, and a
libsodium of its own inside the wheel). It would be a second native crypto library beside
`cryptography`, and platforms without a wheel would need a C tool chain. The construction here
needs no point arithmetic of its own: every multiplication by the base point is done by
OpenSSL, in constant time, through `cryptography`.

- The nonce point. Ed25519 signing by a throwaway key ``t`` (seed derived from ``k``, 64 random
  bytes and a domain string) gives ``R = rB`` with ``r = SHA-512(prefix_t || M) mod q``, which is
  exactly XEdDSA's hedged nonce (it depends on the key, the message and fresh randomness).
  Knowing ``t``'s scalar, ``r`` itself is recovered from the throwaway signature:
  ``r = s_t - SHA-512(R || A_t || M) * a_t (mod q)``. The throwaway signature is never shown.
- The sign of ``kB`` (which decides ``a = k`` or ``a = -k``) is public information: it is the
  sign bit an Ed25519 public key carries. It is found by verifying the first signature with
  ``a = k`` and, if that fails, using ``-k``; a bounded module-level memo keyed by the public
  key remembers it, so a key rebuilt from storage for each message pays that check once.
- What is left in Python is the arithmetic modulo ``q`` on 256-bit integers, which CPython
  does not do in constant time. The leak is the running time of a few big-integer operations
  whose operand lengths are fixed by the clamping; accepted and documented here. Seed-born keys
  (the ones wabus generates) never take this path.

Signatures are randomised on this path, so they are compared by verifying, never byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
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
_Q: Final = 2**252 + 27742317777372353535851937790883648493  # the order of the base point
_NONCE_DOMAIN: Final = b"wabus XEdDSA nonce key\x00"
# Public key -> whether its scalar is negated (the sign bit of kB, public information): a memo
# so that a key rebuilt from storage for every message does not pay a verification each time.
_NEGATED: dict[bytes, bool] = {}
_NEGATED_MAX: Final = 4096


def _edwards_y(montgomery_u: bytes) -> bytes | None:
    """The Edwards y (little endian, sign bit clear) for a Montgomery u; None if it has none."""
    u = int.from_bytes(montgomery_u, "little") & ((1 << 255) - 1)
    if u >= _P or (u + 1) % _P == 0:
        return None
    y = (u - 1) * pow(u + 1, -1, _P) % _P
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


def _clamped(private: bytes) -> int:
    """The X25519 scalar of a private key (clamped as X25519 and Ed25519 clamp it)."""
    scalar = int.from_bytes(private, "little")
    scalar &= ~7
    scalar &= (1 << 254) - 1
    return scalar | (1 << 254)


def _reduced_hash(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % _Q


def _nonce(scalar: int, message: bytes) -> tuple[bytes, int]:
    """A hedged XEdDSA nonce ``r`` and its point ``R = rB``, the point made by OpenSSL."""
    seed = hashlib.sha512(_NONCE_DOMAIN + scalar.to_bytes(32, "little") + os.urandom(64)).digest()[
        :KEY_SIZE
    ]
    throwaway = Ed25519PrivateKey.from_private_bytes(seed)
    signature = throwaway.sign(message)
    point = signature[:32]
    throwaway_public = throwaway.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    throwaway_scalar = _clamped(hashlib.sha512(seed).digest()[:32])
    challenge = _reduced_hash(point, throwaway_public, message)
    r = (int.from_bytes(signature[32:], "little") - challenge * throwaway_scalar) % _Q
    return point, r


@final
class KeyPair:
    """A Curve25519 key pair: X25519 agreement and XEdDSA signing."""

    __slots__ = ("_agree", "_edwards", "_seed", "private", "public")

    def __init__(self, *, seed: bytes | None = None, private: bytes | None = None) -> None:
        """From a 32-byte Ed25519 `seed`, or any raw 32-byte Curve25519 `private` key.

        Both can sign; see the module documentation for how.
        """
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
        """A fresh key pair from a random seed."""
        return cls(seed=os.urandom(KEY_SIZE))

    @property
    def seed(self) -> bytes | None:
        """The Ed25519 seed, when the pair was made from one (storing `private` is enough too)."""
        return self._seed

    @property
    def can_sign(self) -> bool:
        """Whether `sign` works: always, since raw private keys sign by XEdDSA too."""
        return True

    def agree(self, peer_public: bytes) -> bytes:
        """The X25519 shared secret with `peer_public`. Raises `ValueError` for a bad key."""
        if len(peer_public) != KEY_SIZE:
            raise ValueError(f"a public key has {KEY_SIZE} bytes, got {len(peer_public)}")
        return self._agree.exchange(X25519PublicKey.from_public_bytes(peer_public))

    def sign(self, message: bytes) -> bytes:
        """An XEdDSA signature that `xeddsa_verify(self.public, message, ...)` accepts."""
        if self._edwards is not None:
            signature = bytearray(self._edwards.sign(message))
            edwards_public = self._edwards.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            signature[63] = (signature[63] & 0x7F) | (edwards_public[31] & 0x80)
            return bytes(signature)
        return self._xeddsa_sign(message)

    def _xeddsa_sign(self, message: bytes) -> bytes:
        y = _edwards_y(self.public)
        if y is None:  # cannot happen for the public key of a clamped scalar
            raise LocalWireError("this private key has no Edwards form; it cannot sign")
        scalar = _clamped(self.private)
        point, r = _nonce(scalar, message)
        challenge = _reduced_hash(point, y, message)
        known = _NEGATED.get(self.public)
        if known is not None:
            a = (-scalar if known else scalar) % _Q
            return point + ((r + challenge * a) % _Q).to_bytes(32, "little")
        for negate in (False, True):
            a = (-scalar if negate else scalar) % _Q
            signature = point + ((r + challenge * a) % _Q).to_bytes(32, "little")
            if xeddsa_verify(self.public, message, signature):
                if len(_NEGATED) >= _NEGATED_MAX:
                    _NEGATED.clear()
                _NEGATED[self.public] = negate
                return signature
        raise LocalWireError("an XEdDSA signature did not verify (a fault while signing?)")

    def __eq__(self, other: object) -> bool:
        """Two key pairs are equal when their private keys are (compared in constant time)."""
        if not isinstance(other, KeyPair):
            return NotImplemented
        return hmac.compare_digest(self.private, other.private)

    def __hash__(self) -> int:
        return hash(self.public)

    def __repr__(self) -> str:
        return f"<KeyPair public={self.public.hex()[:16]}…>"
