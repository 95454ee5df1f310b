"""App-state sync keys: reading a key share from our phone, asking it for missing keys.

Our primary device shares the keys that app-state records are encrypted with inside a
decrypted message to ourselves: ``protocolMessage`` of type ``APP_STATE_SYNC_KEY_SHARE`` (6)
with ``appStateSyncKeyShare.keys[]``, each a key id and its key data (with a timestamp and a
fingerprint). `keys_from_share` reads them into `AppStateKey` values for the store. When a
record names a key we lack (`wabus.protocol.AppStateKeyMissing`), `app_state_key_request` is
the message that asks the phone for it (type ``APP_STATE_SYNC_KEY_REQUEST``, 7), sent as a peer
message to our own phone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wabus.proto.e2e_pb2 import Message as WAMessage

__all__ = ["AppStateKey", "app_state_key_request", "keys_from_share", "newest_key"]

_ProtocolMessage = WAMessage.ProtocolMessage


@dataclass(frozen=True, slots=True)
class AppStateKey:
    """One app-state sync key."""

    key_id: bytes
    key_data: bytes
    timestamp: int | None = None
    """When the phone made it (its own clock), when given."""


def keys_from_share(message: WAMessage.ProtocolMessage) -> tuple[AppStateKey, ...]:
    """The keys of an ``APP_STATE_SYNC_KEY_SHARE`` protocol message (none for another type,
    and none of those without an id or key data)."""
    if message.type != _ProtocolMessage.APP_STATE_SYNC_KEY_SHARE:
        return ()
    keys = []
    for key in message.appStateSyncKeyShare.keys:
        key_id, data = key.keyId.keyId, key.keyData.keyData
        if key_id and data:
            stamp = key.keyData.timestamp if key.keyData.HasField("timestamp") else None
            keys.append(AppStateKey(key_id, data, stamp))
    return tuple(keys)


def newest_key(keys: Sequence[AppStateKey]) -> AppStateKey | None:
    """The key to encode our own patches with: the one with the newest timestamp (the last one
    shared among equals), or None when there is none."""
    best: AppStateKey | None = None
    for key in keys:
        if best is None or (key.timestamp or 0) >= (best.timestamp or 0):
            best = key
    return best


def app_state_key_request(key_ids: Iterable[bytes]) -> WAMessage:
    """The message that asks our phone for the app-state keys `key_ids`."""
    request = _ProtocolMessage(type=_ProtocolMessage.APP_STATE_SYNC_KEY_REQUEST)
    for key_id in key_ids:
        request.appStateSyncKeyRequest.keyIds.add(keyId=key_id)
    if not request.appStateSyncKeyRequest.keyIds:
        raise ValueError("a key request names at least one key id")
    return WAMessage(protocolMessage=request)
