"""App-state sync (syncd), sans-IO: collection state, verified decoding, our own patches.

Theory of operation. The server keeps five *collections* per account (`Collection`). Each is a
set of encrypted records, keyed by index MAC, at a version. A client keeps, per collection, a
small `CollectionState`: the version it reached, the collection's LTHash and the value MAC of
every live record (index MAC -> value MAC). It reaches a new state in one of two ways:

- `decode_snapshot`: the whole collection at one version (a ``SyncdSnapshot``, downloaded as an
  ``md-app-state`` media blob). It starts from nothing.
- `decode_patch`: the change from version *v* to *v + 1* (a ``SyncdPatch``), applied to the
  state at *v*.

Both verify everything before any mutation is handed out: every record's value MAC (before
decrypting), its padding and protobuf, its index MAC (after decrypting); for a patch its patch
MAC (before applying); and the snapshot MAC against the LTHash the records give. Whatever fails
raises an `AppStateError` whose `recovery` says what the caller does next: `Recovery.SNAPSHOT`
(drop the collection's state and fetch a snapshot) or `Recovery.KEYS` (ask our phone for the
app-state key `key_id`, then fetch again). A failed decode yields no mutation at all, so it can
never produce an event.

Laziness. A snapshot of thousands of records is read straight from its bytes, one record at a
time: the first pass verifies (and keeps only the state, 64 bytes per record), and
`SnapshotDecode.mutations` reads the same bytes a second time to hand out the decoded mutations
one by one. Nothing holds the whole decoded collection.

Nothing here does I/O. The caller stores each new `CollectionState` (`to_bytes` / `from_bytes`)
in the same transaction as whatever it did with the mutations, and sends the requests of
`wabus.protocol._appstate_iq`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Protocol, TypeVar

from google.protobuf.message import DecodeError

from wabus.proto.scan import LENGTH_DELIMITED, ScanError, scan_fields
from wabus.proto.syncd_pb2 import (
    KeyId,
    SyncActionData,
    SyncActionValue,
    SyncdIndex,
    SyncdMutation,
    SyncdMutations,
    SyncdPatch,
    SyncdRecord,
    SyncdSnapshot,
    SyncdValue,
    SyncdVersion,
)
from wabus.protocol._appstate_crypto import (
    LTHASH_SIZE,
    MAC_SIZE,
    MutationKeys,
    Operation,
    ValueDecryptor,
    encrypt_value,
    index_mac,
    lthash_update,
    patch_mac,
    snapshot_mac,
    value_mac,
)
from wabus.protocol._errors import (
    AppStateKeyMissing,
    AppStateMacMismatch,
    AppStateVersionMismatch,
    LocalAppStateError,
    MalformedAppState,
    ValueDecryptError,
)

__all__ = [
    "COLLECTIONS",
    "Collection",
    "CollectionState",
    "DecodedMutation",
    "EncodedPatch",
    "KeyLookup",
    "PatchDecode",
    "SnapshotDecode",
    "decode_patch",
    "decode_snapshot",
    "encode_mutation",
    "encode_patch",
    "encode_snapshot",
]


class KeyLookup(Protocol):
    """Finds an app-state sync key's key data by its key id (None when we do not have it);
    a dict's ``get`` is one."""

    def __call__(self, key_id: bytes, /) -> bytes | None:
        """The key data of `key_id`, or None."""


class Collection(StrEnum):
    """The five app-state collections, by what they hold."""

    CRITICAL_BLOCK = "critical_block"
    """Settings: our push name, locale."""
    CRITICAL_UNBLOCK_LOW = "critical_unblock_low"
    """Contacts."""
    REGULAR_HIGH = "regular_high"
    """Mute, delete for me, clear chat, delete chat, star (some clients)."""
    REGULAR_LOW = "regular_low"
    """Pin, archive, mark as read, star (some clients), the unarchive setting."""
    REGULAR = "regular"
    """Labels, quick replies, other settings."""


COLLECTIONS: Final = tuple(Collection)
"""All five collections, in the order clients sync them."""


# Collection state -------------------------------------------------------------------------

_JSON: Final = json.JSONDecoder()
_STATE_MAGIC: Final = b"WAS1"
_STATE_HEAD: Final = struct.Struct(">4sQ128sHI")


@dataclass(frozen=True, slots=True)
class CollectionState:
    """What a client keeps of one collection: its version, its LTHash and, for every live
    record, index MAC -> value MAC. Immutable; the decoders return new states."""

    name: str
    version: int = 0
    lthash: bytes = bytes(LTHASH_SIZE)
    values: Mapping[bytes, bytes] = field(default_factory=lambda: MappingProxyType({}))
    """Index MAC -> value MAC of each live record (read-only)."""

    def __post_init__(self) -> None:
        if len(self.lthash) != LTHASH_SIZE:
            raise LocalAppStateError(f"an LTHash has {LTHASH_SIZE} bytes, got {len(self.lthash)}")
        if not isinstance(self.values, MappingProxyType):
            object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def to_bytes(self) -> bytes:
        """A compact serialisation (`from_bytes` reads it back)."""
        name = self.name.encode()
        if len(name) > 0xFFFF or not 0 <= self.version < 2**64:
            raise LocalAppStateError("a collection state needs a short name and a 64-bit version")
        head = _STATE_HEAD.pack(
            _STATE_MAGIC, self.version, self.lthash, len(name), len(self.values)
        )
        return b"".join([head, name, *(k + v for k, v in self.values.items())])

    @classmethod
    def from_bytes(cls, data: bytes) -> CollectionState:
        """The state `to_bytes` wrote; `LocalAppStateError` when `data` is not one."""
        if len(data) < _STATE_HEAD.size:
            raise LocalAppStateError(f"a stored collection state needs {_STATE_HEAD.size} bytes")
        magic, version, lthash, name_len, count = _STATE_HEAD.unpack_from(data)
        if magic != _STATE_MAGIC:
            raise LocalAppStateError("not a stored collection state (bad magic)")
        start = _STATE_HEAD.size + name_len
        if len(data) != start + count * 2 * MAC_SIZE:
            raise LocalAppStateError("a stored collection state has the wrong length")
        try:
            name = data[_STATE_HEAD.size : start].decode()
        except UnicodeDecodeError as err:
            raise LocalAppStateError("a stored collection state has a bad name") from err
        pair = 2 * MAC_SIZE
        values = {
            data[at : at + MAC_SIZE]: data[at + MAC_SIZE : at + pair]
            for at in range(start, len(data), pair)
        }
        return cls(name, version, lthash, MappingProxyType(values))


# Decoding ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecodedMutation:
    """One verified, decrypted mutation."""

    collection: str
    version: int
    """The collection version it came with."""
    operation: Operation
    index: tuple[str, ...]
    """The index, e.g. ``("pin_v1", "123@s.whatsapp.net")``."""
    value: SyncActionValue
    """The action (exactly one of its action fields is normally set)."""
    action_version: int | None
    """The action's API version (``SyncActionData.version``)."""
    index_mac: bytes
    value_mac: bytes
    from_full_sync: bool
    """True when it came from a snapshot."""


class _Keys:
    """Expanded keys by key id, looked up once per decode."""

    __slots__ = ("_cache", "_lookup", "collection", "found")

    def __init__(self, lookup: KeyLookup, collection: str) -> None:
        self._lookup = lookup
        self._cache: dict[bytes, tuple[MutationKeys, ValueDecryptor]] = {}
        self.collection = collection
        self.found: dict[bytes, bytes] = {}
        """The key data looked up so far, by key id."""

    def get(self, key_id: bytes, version: int | None) -> MutationKeys:
        return self.with_decryptor(key_id, version)[0]

    def with_decryptor(
        self, key_id: bytes, version: int | None
    ) -> tuple[MutationKeys, ValueDecryptor]:
        found = self._cache.get(key_id)
        if found is None:
            data = self._lookup(key_id)
            if data is None:
                raise AppStateKeyMissing(self.collection, version, key_id)
            keys = MutationKeys.expand(data)
            found = self._cache[key_id] = (keys, ValueDecryptor(keys))
            self.found[key_id] = data
        return found


_M = TypeVar("_M", SyncdRecord, SyncdPatch, SyncdMutations, SyncdVersion, SyncActionData, KeyId)


def _parse(
    cls: type[_M], data: bytes | memoryview, collection: str, version: int | None, what: str
) -> _M:
    message = cls()
    try:
        message.ParseFromString(bytes(data))
    except (DecodeError, RuntimeError, ValueError) as err:  # RuntimeError: recursion limit
        raise MalformedAppState(collection, version, f"{what} is not a protobuf") from err
    return message


def _open_record(
    keys: _Keys,
    operation: Operation,
    record: SyncdRecord,
    version: int,
    where: str,
    *,
    verify: bool = True,
) -> tuple[bytes, bytes, SyncActionData]:
    """Verify and decrypt one record: (index MAC, value MAC, SyncActionData).

    `verify` is False only on the second pass over a snapshot's bytes, which the first pass
    verified with the very keys the second one uses."""
    collection = keys.collection
    if not record.HasField("keyId") or not record.HasField("index"):
        raise MalformedAppState(collection, version, f"{where} has no key id or index")
    blob = record.value.blob
    if len(blob) < MAC_SIZE + 32:
        raise MalformedAppState(collection, version, f"{where}'s value has {len(blob)} bytes")
    the_index_mac = record.index.blob
    if len(the_index_mac) != MAC_SIZE:
        raise MalformedAppState(collection, version, f"{where}'s index MAC is not 32 bytes")
    key_id = record.keyId.id
    mkeys, decryptor = keys.with_decryptor(key_id, version)
    encrypted, the_value_mac = blob[:-MAC_SIZE], blob[-MAC_SIZE:]
    if verify and value_mac(mkeys, operation, encrypted, key_id) != the_value_mac:
        raise AppStateMacMismatch(collection, version, "value", f" in {where}")
    try:
        plaintext = decryptor.decrypt(encrypted)
    except ValueDecryptError as err:
        raise MalformedAppState(collection, version, f"{where}: {err}") from err
    data = _parse(SyncActionData, plaintext, collection, version, f"{where}'s value")
    if verify and index_mac(mkeys, data.index) != the_index_mac:
        raise AppStateMacMismatch(collection, version, "index", f" in {where}")
    return the_index_mac, the_value_mac, data


def _index_of(data: SyncActionData, collection: str, version: int, where: str) -> tuple[str, ...]:
    try:
        index = _JSON.decode(data.index.decode())
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise MalformedAppState(collection, version, f"{where}'s index is not JSON") from err
    if not isinstance(index, list) or not index or not all(isinstance(i, str) for i in index):
        raise MalformedAppState(
            collection, version, f"{where}'s index is not a JSON array of strings"
        )
    return tuple(index)


def _mutation(
    keys: _Keys,
    operation: Operation,
    record: SyncdRecord,
    version: int,
    where: str,
    full: bool,
    *,
    verify: bool = True,
) -> DecodedMutation:
    imac, vmac, data = _open_record(keys, operation, record, version, where, verify=verify)
    return DecodedMutation(
        collection=keys.collection,
        version=version,
        operation=operation,
        index=_index_of(data, keys.collection, version, where),
        value=data.value,
        action_version=data.version if data.HasField("version") else None,
        index_mac=imac,
        value_mac=vmac,
        from_full_sync=full,
    )


_SNAPSHOT_VERSION: Final = 1
_SNAPSHOT_RECORDS: Final = 2
_SNAPSHOT_MAC: Final = 3
_SNAPSHOT_KEY_ID: Final = 4


@dataclass(frozen=True, slots=True)
class _SnapshotHead:
    version: int
    mac: bytes
    key_id: bytes


def _scan_snapshot(name: str, data: bytes) -> Iterator[tuple[int, memoryview]]:
    """The length-delimited top-level fields of a snapshot, checked for shape."""
    try:
        for number, wire_type, value in scan_fields(data):
            if number in (_SNAPSHOT_VERSION, _SNAPSHOT_RECORDS, _SNAPSHOT_MAC, _SNAPSHOT_KEY_ID):
                if wire_type != LENGTH_DELIMITED or not isinstance(value, memoryview):
                    raise MalformedAppState(
                        name, None, f"snapshot field {number} has wire type {wire_type}"
                    )
                yield number, value
    except ScanError as err:
        raise MalformedAppState(name, None, f"snapshot is not a protobuf: {err}") from err


def _snapshot_head(name: str, data: bytes) -> _SnapshotHead:
    version: int | None = None
    mac = key_id = b""
    for number, value in _scan_snapshot(name, data):
        if number == _SNAPSHOT_VERSION:
            version = _parse(SyncdVersion, value, name, None, "the snapshot's version").version
        elif number == _SNAPSHOT_MAC:
            mac = bytes(value)
        elif number == _SNAPSHOT_KEY_ID:
            key_id = _parse(KeyId, value, name, version, "the snapshot's key id").id
    if version is None:
        raise MalformedAppState(name, None, "snapshot has no version")
    if not key_id:
        raise MalformedAppState(name, version, "snapshot has no key id")
    return _SnapshotHead(version, mac, key_id)


def _lthash_of(values: Mapping[bytes, bytes]) -> bytes:
    return lthash_update(bytes(LTHASH_SIZE), add=values.values())


@dataclass(frozen=True, slots=True)
class SnapshotDecode:
    """A verified snapshot: the collection's new `state`, and its records (`mutations`)."""

    state: CollectionState
    _data: bytes
    _keys: Mapping[bytes, bytes]
    """The key data the verifying pass used, by key id: the second pass uses no other."""

    def mutations(self) -> Iterator[DecodedMutation]:
        """The snapshot's records, decoded one at a time from its bytes (every one a SET).

        The first pass verified these very bytes with these very keys, so this one decrypts
        and parses without checking the MACs again.
        """
        keys = _Keys(self._keys.get, self.state.name)
        number = 0
        for field_number, value in _scan_snapshot(self.state.name, self._data):
            if field_number != _SNAPSHOT_RECORDS:
                continue
            where = f"record {number}"
            record = _parse(SyncdRecord, value, self.state.name, self.state.version, where)
            yield _mutation(
                keys, Operation.SET, record, self.state.version, where, True, verify=False
            )
            number += 1


def decode_snapshot(name: str, data: bytes, keys: KeyLookup) -> SnapshotDecode:
    """Verify a serialised ``SyncdSnapshot`` of collection `name` (the downloaded, decrypted
    blob) and return the state it gives, with a lazy reader of its records.

    Every record's value MAC and index MAC is checked, and the snapshot MAC against the LTHash
    of all records. Raises an `AppStateError` (see `Recovery`); nothing is handed out then.
    """
    data = bytes(data)  # the second pass reads the same bytes: no one may change them between
    head = _snapshot_head(name, data)
    lookup = _Keys(keys, name)
    values: dict[bytes, bytes] = {}
    number = 0
    for field_number, value in _scan_snapshot(name, data):
        if field_number != _SNAPSHOT_RECORDS:
            continue
        where = f"record {number}"
        record = _parse(SyncdRecord, value, name, head.version, where)
        imac, vmac, data_ = _open_record(lookup, Operation.SET, record, head.version, where)
        _index_of(data_, name, head.version, where)
        values[imac] = vmac
        number += 1
    lthash = _lthash_of(values)
    expected = snapshot_mac(lookup.get(head.key_id, head.version), lthash, head.version, name)
    if expected != head.mac:
        raise AppStateMacMismatch(name, head.version, "snapshot")
    state = CollectionState(name, head.version, lthash, MappingProxyType(values))
    return SnapshotDecode(state, data, MappingProxyType(dict(lookup.found)))


@dataclass(frozen=True, slots=True)
class PatchDecode:
    """A verified patch: the collection's new `state` and the patch's `mutations`, in order."""

    state: CollectionState
    mutations: tuple[DecodedMutation, ...]


def _patch_version(patch: SyncdPatch, state: CollectionState) -> int:
    return patch.version.version if patch.HasField("version") else state.version + 1


def decode_patch(
    patch: bytes | SyncdPatch,
    state: CollectionState,
    keys: KeyLookup,
    *,
    external_mutations: bytes | None = None,
) -> PatchDecode:
    """Verify one ``SyncdPatch`` against `state` (the collection at the version before it) and
    return the state after it, with its mutations.

    A patch without a version is taken to be ``state.version + 1`` (as the server sends our own
    patches back). When the patch names external mutations (``externalMutations``), their
    downloaded, decrypted ``SyncdMutations`` blob must be given as `external_mutations`; its
    mutations follow the patch's own. Raises an `AppStateError` (see `Recovery`), and
    `LocalAppStateError` when external mutations are needed but not given.
    """
    name = state.name
    if not isinstance(patch, SyncdPatch):
        patch = _parse(SyncdPatch, patch, name, None, "the patch")
    version = _patch_version(patch, state)
    if version != state.version + 1:
        raise AppStateVersionMismatch(name, state.version + 1, version)
    mutations = list(patch.mutations)
    if patch.HasField("externalMutations"):
        if external_mutations is None:
            raise LocalAppStateError(
                f"the patch of {name} at version {version} has external mutations: download "
                "them and pass external_mutations"
            )
        extra = _parse(SyncdMutations, external_mutations, name, version, "external mutations")
        mutations.extend(extra.mutations)
    if not patch.HasField("keyId"):
        raise MalformedAppState(name, version, "patch has no key id")
    lookup = _Keys(keys, name)
    patch_keys = lookup.get(patch.keyId.id, version)
    blobs = [m.record.value.blob for m in mutations]
    if any(len(blob) < MAC_SIZE for blob in blobs):
        raise MalformedAppState(name, version, "a mutation's value is shorter than its MAC")
    expected = patch_mac(
        patch_keys, patch.snapshotMac, (b[-MAC_SIZE:] for b in blobs), version, name
    )
    if expected != patch.patchMac:
        raise AppStateMacMismatch(name, version, "patch")
    values = dict(state.values)
    added: list[bytes] = []
    removed: list[bytes] = []
    decoded: list[DecodedMutation] = []
    for number, mutation in enumerate(mutations):
        where = f"mutation {number}"
        if int(mutation.operation) not in (Operation.SET, Operation.REMOVE):
            raise MalformedAppState(name, version, f"{where} has operation {mutation.operation}")
        operation = Operation(mutation.operation)
        item = _mutation(lookup, operation, mutation.record, version, where, False)
        previous = values.pop(item.index_mac, None)
        if previous is not None:
            removed.append(previous)
        if operation is Operation.SET:
            values[item.index_mac] = item.value_mac
            added.append(item.value_mac)
        decoded.append(item)
    lthash = lthash_update(state.lthash, add=added, subtract=removed)
    if snapshot_mac(patch_keys, lthash, version, name) != patch.snapshotMac:
        raise AppStateMacMismatch(name, version, "snapshot")
    return PatchDecode(
        CollectionState(name, version, lthash, MappingProxyType(values)), tuple(decoded)
    )


# Encoding ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EncodedPatch:
    """Our own patch, ready to send (`wabus.protocol.app_state_patch_request`)."""

    collection: str
    patch: SyncdPatch
    """The patch (without a version, as clients send it)."""
    state: CollectionState
    """The collection's state once the server accepts the patch."""
    base_version: int
    """The version the patch applies to (the request's ``version`` attribute)."""

    def to_bytes(self) -> bytes:
        """The serialised ``SyncdPatch``."""
        return self.patch.SerializeToString()


def encode_mutation(
    index: tuple[str, ...] | list[str],
    value: SyncActionValue,
    action_version: int,
    *,
    key_id: bytes,
    key_data: bytes,
    operation: Operation = Operation.SET,
    iv: bytes | None = None,
) -> SyncdMutation:
    """One sealed mutation: the index MAC, ``IV ‖ AES-256-CBC(SyncActionData) ‖ value MAC``
    and the key id. `iv` is for known-answer tests only (a random one otherwise)."""
    if not key_id or not key_data:
        raise LocalAppStateError("an app-state key id and key data are needed to encode")
    keys = MutationKeys.expand(key_data)
    index_json = json.dumps(list(index), separators=(",", ":"), ensure_ascii=False).encode()
    data = SyncActionData(index=index_json, value=value, padding=b"", version=action_version)
    encrypted = encrypt_value(keys, data.SerializeToString(), iv)
    vmac = value_mac(keys, operation, encrypted, key_id)
    return SyncdMutation(
        operation=operation.name,
        record=SyncdRecord(
            index=SyncdIndex(blob=index_mac(keys, index_json)),
            value=SyncdValue(blob=encrypted + vmac),
            keyId=KeyId(id=key_id),
        ),
    )


def encode_snapshot(
    name: str, version: int, records: Iterable[SyncdRecord], *, key_id: bytes, key_data: bytes
) -> bytes:
    """A serialised ``SyncdSnapshot`` of sealed `records` (see `encode_mutation`) at
    `version`, with the snapshot MAC of their LTHash: what a phone's collection looks like to a
    newly linked device. (A server, which has no keys, serves the snapshot MAC of the last
    patch it applied instead.)"""
    snapshot = SyncdSnapshot(version=SyncdVersion(version=version), keyId=KeyId(id=key_id))
    values: dict[bytes, bytes] = {}
    for record in records:
        snapshot.records.append(record)
        values[record.index.blob] = record.value.blob[-MAC_SIZE:]
    snapshot.mac = snapshot_mac(MutationKeys.expand(key_data), _lthash_of(values), version, name)
    return snapshot.SerializeToString()


def encode_patch(
    state: CollectionState,
    index: tuple[str, ...] | list[str],
    value: SyncActionValue,
    action_version: int,
    *,
    key_id: bytes,
    key_data: bytes,
    operation: Operation = Operation.SET,
    iv: bytes | None = None,
) -> EncodedPatch:
    """One mutation of ours as a ``SyncdPatch`` on top of `state`, with its value MAC, index
    MAC, the updated LTHash, the snapshot MAC at ``state.version + 1`` and the patch MAC.

    `key_id` / `key_data` are the app-state key to use (our newest); `iv` is for known-answer
    tests only (a random one otherwise).
    """
    mutation = encode_mutation(
        index, value, action_version, key_id=key_id, key_data=key_data, operation=operation, iv=iv
    )
    keys = MutationKeys.expand(key_data)
    imac = mutation.record.index.blob
    vmac = mutation.record.value.blob[-MAC_SIZE:]
    values = dict(state.values)
    previous = values.pop(imac, None)
    if operation is Operation.SET:
        values[imac] = vmac
    lthash = lthash_update(
        state.lthash,
        add=[vmac] if operation is Operation.SET else [],
        subtract=[previous] if previous is not None else [],
    )
    version = state.version + 1
    smac = snapshot_mac(keys, lthash, version, state.name)
    patch = SyncdPatch(
        mutations=[mutation],
        snapshotMac=smac,
        patchMac=patch_mac(keys, smac, [vmac], version, state.name),
        keyId=KeyId(id=key_id),
    )
    new_state = CollectionState(state.name, version, lthash, MappingProxyType(values))
    return EncodedPatch(state.name, patch, new_state, state.version)
