"""The cryptography of app-state sync (syncd): key expansion, the LTHash and the four MACs.

Theory of operation. An app-state sync key (32 bytes of key data shared by our phone, named by
a key id) expands with HKDF-SHA256 (no salt, info ``"WhatsApp Mutation Keys"``, 160 bytes)
into five 32-byte keys, in this order: the index key, the value encryption key, the value MAC
key, the snapshot MAC key and the patch MAC key (`MutationKeys`).

One mutation is a record of a collection:

- its **index** is a JSON array of strings (``["pin_v1","123@s.whatsapp.net"]``); the record
  carries only the **index MAC**, HMAC-SHA256(index key, index JSON), so the server never sees
  which chat a record is about;
- its **value** is a ``SyncActionData`` protobuf, encrypted with AES-256-CBC under the value
  encryption key with a random IV and PKCS#7 padding, stored as ``IV ‖ ciphertext``;
- its **value MAC** is the first 32 bytes of HMAC-SHA512(value MAC key, ``op ‖ key id ‖ IV ‖
  ciphertext ‖ len``), where ``op`` is 0x01 for SET and 0x02 for REMOVE and ``len`` is the
  length of ``op ‖ key id`` as an 8-byte big-endian integer. The record's value blob is
  ``IV ‖ ciphertext ‖ value MAC``.

A collection's integrity is an **LTHash**: 128 bytes read as 64 little-endian 16-bit lanes.
Each live record's value MAC expands (HKDF-SHA256, info ``"WhatsApp Patch Integrity"``, 128
bytes) to a vector that is added lane-wise, modulo 2**16, when the record is set and
subtracted when it is overwritten or removed; so the hash depends only on the set of live
records, not on the order they arrived in.

- **snapshot MAC** = HMAC-SHA256(snapshot MAC key, ``LTHash ‖ version (8 bytes BE) ‖ name``);
- **patch MAC** = HMAC-SHA256(patch MAC key, ``snapshot MAC ‖ each value MAC in order ‖
  version (8 bytes BE) ‖ name``).

Everything here is a pure function of bytes; nothing keeps state.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.padding import PKCS7

from wabus.protocol._errors import ValueDecryptError

__all__ = [
    "LTHASH_SIZE",
    "MAC_SIZE",
    "MUTATION_KEYS_INFO",
    "PATCH_INTEGRITY_INFO",
    "MutationKeys",
    "Operation",
    "ValueDecryptor",
    "decrypt_value",
    "encrypt_value",
    "index_mac",
    "lthash_update",
    "patch_mac",
    "snapshot_mac",
    "value_mac",
]

MUTATION_KEYS_INFO: Final = b"WhatsApp Mutation Keys"
"""The HKDF info string that expands an app-state sync key."""
PATCH_INTEGRITY_INFO: Final = b"WhatsApp Patch Integrity"
"""The HKDF info string that expands a value MAC for the LTHash."""
LTHASH_SIZE: Final = 128
"""Bytes of a collection's LTHash (64 lanes of 16 bits)."""
MAC_SIZE: Final = 32
"""Bytes of an index MAC, a value MAC, a snapshot MAC and a patch MAC."""
_IV_SIZE: Final = 16
_LANES: Final = struct.Struct("<64H")
_WIDE: Final = struct.Struct("<64I")
_FLUSH_EVERY: Final = 65_536  # 65,536 lanes of at most 0xFFFF still fit in 32 bits


class Operation(IntEnum):
    """What a mutation does to its record (``SyncdMutation.SyncdOperation``)."""

    SET = 0
    REMOVE = 1

    @property
    def mac_byte(self) -> int:
        """The byte that starts this operation's value-MAC input (0x01 SET, 0x02 REMOVE)."""
        return self.value + 1


@dataclass(frozen=True, slots=True)
class MutationKeys:
    """The five keys one app-state sync key expands to (`expand`)."""

    index_key: bytes
    value_encryption_key: bytes
    value_mac_key: bytes
    snapshot_mac_key: bytes
    patch_mac_key: bytes

    @classmethod
    def expand(cls, key_data: bytes) -> MutationKeys:
        """HKDF-SHA256 of `key_data` (no salt, info ``"WhatsApp Mutation Keys"``), split."""
        material = HKDF(
            algorithm=hashes.SHA256(), length=160, salt=None, info=MUTATION_KEYS_INFO
        ).derive(key_data)
        return cls(
            index_key=material[0:32],
            value_encryption_key=material[32:64],
            value_mac_key=material[64:96],
            snapshot_mac_key=material[96:128],
            patch_mac_key=material[128:160],
        )


def index_mac(keys: MutationKeys, index: bytes) -> bytes:
    """HMAC-SHA256 of a record's index JSON under the index key."""
    return hmac.digest(keys.index_key, index, "sha256")


def value_mac(keys: MutationKeys, operation: Operation, encrypted: bytes, key_id: bytes) -> bytes:
    """The 32-byte value MAC of ``IV ‖ ciphertext`` (`encrypted`) for `operation`."""
    prefix = bytes((operation.mac_byte,)) + key_id
    message = prefix + encrypted + len(prefix).to_bytes(8, "big")
    return hmac.digest(keys.value_mac_key, message, "sha512")[:MAC_SIZE]


def snapshot_mac(keys: MutationKeys, lthash: bytes, version: int, name: str) -> bytes:
    """The MAC of a collection's state: its LTHash at `version`."""
    message = lthash + version.to_bytes(8, "big") + name.encode()
    return hmac.digest(keys.snapshot_mac_key, message, "sha256")


def patch_mac(
    keys: MutationKeys, snapshot: bytes, value_macs: Iterable[bytes], version: int, name: str
) -> bytes:
    """The MAC of a patch: its snapshot MAC and its mutations' value MACs, in order."""
    mac = hmac.new(keys.patch_mac_key, snapshot, hashlib.sha256)
    for item in value_macs:
        mac.update(item)
    mac.update(version.to_bytes(8, "big") + name.encode())
    return mac.digest()


def encrypt_value(keys: MutationKeys, plaintext: bytes, iv: bytes | None = None) -> bytes:
    """``IV ‖ AES-256-CBC(plaintext)`` under the value encryption key (a random IV unless
    one is given)."""
    iv = os.urandom(_IV_SIZE) if iv is None else iv
    if len(iv) != _IV_SIZE:
        raise ValueError(f"an IV has {_IV_SIZE} bytes, got {len(iv)}")
    padder = PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(keys.value_encryption_key), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(padded) + encryptor.finalize()


def decrypt_value(keys: MutationKeys, encrypted: bytes) -> bytes:
    """The plaintext of ``IV ‖ ciphertext``; `ValueDecryptError` when it is not one."""
    return ValueDecryptor(keys).decrypt(encrypted)


class ValueDecryptor:
    """Decrypts many record values under one key (what a snapshot of thousands needs).

    CBC decryption is one AES-ECB pass over the ciphertext blocks, XORed with the blocks before
    them (the IV first); the ECB context is made once per key and reused, and the padding is
    checked by hand, so a record costs no cipher object of its own.
    """

    __slots__ = ("_ecb",)

    def __init__(self, keys: MutationKeys) -> None:
        # ECB here is the block primitive of a CBC decryption (chained by hand below), not a mode
        # anything is encrypted in.
        key = algorithms.AES(keys.value_encryption_key)
        self._ecb = Cipher(key, modes.ECB()).decryptor()  # noqa: S305

    def decrypt(self, encrypted: bytes) -> bytes:
        """The plaintext of ``IV ‖ ciphertext``; `ValueDecryptError` when it is not one."""
        size = len(encrypted) - _IV_SIZE
        if size <= 0 or size % 16:
            raise ValueDecryptError(f"{len(encrypted)} bytes is not an IV and AES-CBC blocks")
        blocks = self._ecb.update(encrypted[_IV_SIZE:])
        chained = int.from_bytes(blocks, "big") ^ int.from_bytes(encrypted[:-_IV_SIZE], "big")
        padded = chained.to_bytes(size, "big")
        pad = padded[-1]
        if not 1 <= pad <= 16 or padded[-pad:] != bytes((pad,)) * pad:
            raise ValueDecryptError("bad padding")
        return padded[:-pad]


def _expand_mac(mac: bytes) -> int:
    """The LTHash vector of a value MAC, spread out: lane i in bits 32i..32i+31 of an int."""
    material = HKDF(
        algorithm=hashes.SHA256(), length=LTHASH_SIZE, salt=None, info=PATCH_INTEGRITY_INFO
    ).derive(mac)
    return int.from_bytes(_WIDE.pack(*_LANES.unpack(material)), "little")


def _spread_sum(macs: Iterable[bytes]) -> list[int]:
    """The lane-wise sum of the vectors of `macs`, modulo 2**16."""
    total = [0] * 64
    acc = count = 0
    for mac in macs:
        acc += _expand_mac(mac)
        count += 1
        if count == _FLUSH_EVERY:
            total = [(a + b) & 0xFFFF for a, b in zip(total, _unspread(acc), strict=True)]
            acc = count = 0
    return [(a + b) & 0xFFFF for a, b in zip(total, _unspread(acc), strict=True)]


def _unspread(acc: int) -> tuple[int, ...]:
    return _WIDE.unpack(acc.to_bytes(_WIDE.size, "little"))


def lthash_update(
    lthash: bytes, *, add: Iterable[bytes] = (), subtract: Iterable[bytes] = ()
) -> bytes:
    """`lthash` with each value MAC of `subtract` taken out and each of `add` put in.

    Each value MAC's vector is added to a wide integer in which every lane has 32 bits, so a
    whole batch is summed with one big-integer addition per MAC, and the lanes are reduced
    modulo 2**16 once at the end (the same result as wrapping after every step).
    """
    if len(lthash) != LTHASH_SIZE:
        raise ValueError(f"an LTHash has {LTHASH_SIZE} bytes, got {len(lthash)}")
    plus = _spread_sum(add)
    minus = _spread_sum(subtract)
    lanes = _LANES.unpack(lthash)
    return _LANES.pack(
        *((lane + p - m) & 0xFFFF for lane, p, m in zip(lanes, plus, minus, strict=True))
    )
