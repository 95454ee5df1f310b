"""The simulated server's app-state collections (syncd), per account.

A WhatsApp server keeps, for each account, five collections of encrypted records, each at a
version, and the patches that brought it there. It cannot read them (only the account's devices
hold the keys). The simulator keeps the same (`AccountAppState`, one `ServerCollection` per
collection name) and is stricter than a real server in one way: since its simulated phone made
the account's app-state key, it verifies every patch a companion sends (every MAC, the version,
the LTHash) with `wabus.protocol.decode_patch` before applying it, and refuses what does not
check out.

- `AccountAppState.phone_mutation`: the simulated phone makes a mutation (pin, mute, …) with
  its own key, as a phone does on its screen;
- `AccountAppState.apply`: a patch a companion sent, at the version it was made on; a
  companion behind the server gets ``409`` with the patches it lacks (`PatchConflict`);
- `AccountAppState.answer`: the ``<sync>`` answer to a fetch: from version 0 with
  ``return_snapshot`` a snapshot (a ``SyncdSnapshot`` blob of type ``md-app-state`` on the
  media host, by ``ExternalBlobReference``) when a media host is given, otherwise the patches
  after the version asked for, at most `PATCH_PAGE` at a time with ``has_more_patches``.

A snapshot's MAC is the one of the last patch applied (the LTHash of the live records at that
version), with that patch's key id: what a server, which cannot compute MACs, serves.

Nothing here does I/O; `wabus.simulator._iq` answers the IQs with it and the server sends the
``server_sync`` notices (`server_sync_notice`) to the account's other companions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from google.protobuf.message import DecodeError

from wabus.core import Jid, Node, Server
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.proto.syncd_pb2 import (
    ExternalBlobReference,
    KeyId,
    SyncdPatch,
    SyncdRecord,
    SyncdSnapshot,
    SyncdVersion,
)
from wabus.protocol import (
    COLLECTIONS,
    AppStateAction,
    AppStateError,
    CollectionState,
    MediaType,
    Operation,
    decode_patch,
    encrypt_media,
)

__all__ = [
    "PATCH_PAGE",
    "AccountAppState",
    "PatchConflict",
    "PatchRefused",
    "ServerCollection",
    "server_sync_notice",
]

PATCH_PAGE: Final = 50
"""How many patches one fetch answer carries at most (the rest: ``has_more_patches``)."""

_SERVER: Final = Jid("", Server.USER)
_NAMES: Final = frozenset(str(c) for c in COLLECTIONS)

StoreMedia = Callable[[bytes, MediaType], str]
"""Keeps an encrypted file on the media host; returns its direct path."""


class PatchConflict(Exception):
    """A companion's patch was made on an older version than the server's (``409``)."""

    def __init__(self, collection: ServerCollection, base_version: int) -> None:
        super().__init__(f"{collection.name} is at {collection.version}, not {base_version}")
        self.collection = collection
        self.base_version = base_version


class PatchRefused(Exception):
    """A companion's patch that does not verify (``400``): `error` says why."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(eq=False)
class ServerCollection:
    """One collection as the server keeps it: the live records and every patch, in order."""

    name: str
    state: CollectionState = field(init=False)
    """The verified state (version, LTHash, index MAC -> value MAC)."""
    records: dict[bytes, SyncdRecord] = field(default_factory=dict)
    """The live records, by index MAC."""
    patches: list[SyncdPatch] = field(default_factory=list)
    """Every patch applied; ``patches[i]`` brought the collection to version ``i + 1``."""

    def __post_init__(self) -> None:
        self.state = CollectionState(self.name)

    @property
    def version(self) -> int:
        """The collection's current version."""
        return self.state.version

    def apply(self, patch: SyncdPatch, keys: dict[bytes, bytes]) -> SyncdPatch:
        """Verify `patch` as the next version and apply it; returns it with its version set.
        Raises `PatchRefused` when it does not verify."""
        try:
            decoded = decode_patch(patch, self.state, keys.get)
        except AppStateError as err:
            raise PatchRefused(err) from err
        stored = SyncdPatch()
        stored.CopyFrom(patch)
        stored.version.CopyFrom(SyncdVersion(version=decoded.state.version))
        for mutation in stored.mutations:
            index = mutation.record.index.blob
            if int(mutation.operation) == Operation.REMOVE:
                self.records.pop(index, None)
            else:
                self.records[index] = mutation.record
        self.patches.append(stored)
        self.state = decoded.state
        return stored

    def snapshot(self) -> bytes:
        """The serialised ``SyncdSnapshot`` of the live records at the current version."""
        last = self.patches[-1] if self.patches else None
        snapshot = SyncdSnapshot(
            version=SyncdVersion(version=self.version),
            records=list(self.records.values()),
            mac=last.snapshotMac if last is not None else b"",
            keyId=KeyId(id=last.keyId.id if last is not None else b""),
        )
        return snapshot.SerializeToString()

    def patches_after(self, version: int) -> list[SyncdPatch]:
        """The patches that bring version `version` to the current one."""
        return self.patches[max(version, 0) :]


@dataclass(eq=False)
class AccountAppState:
    """An account's collections and the app-state key its phone made (see the module doc)."""

    key_id: bytes = field(default_factory=lambda: bytes(4) + os.urandom(2))
    """The id of the key the phone made and shares with its companions."""
    key_data: bytes = field(default_factory=lambda: os.urandom(32))
    collections: dict[str, ServerCollection] = field(default_factory=dict)
    serve_snapshots: bool = True
    """Whether a fetch from version 0 with ``return_snapshot`` gets a snapshot blob (when a
    media host is there); off, it gets the patches (for a client, such as Baileys, that
    downloads blobs from a fixed host the simulator cannot be)."""

    @property
    def keys(self) -> dict[bytes, bytes]:
        """Key id -> key data of every app-state key of the account."""
        return {self.key_id: self.key_data}

    def collection(self, name: str) -> ServerCollection:
        """The collection `name` (created empty, at version 0, on first use)."""
        found = self.collections.get(name)
        if found is None:
            found = self.collections[name] = ServerCollection(name)
        return found

    def phone_mutation(self, action: AppStateAction) -> SyncdPatch:
        """The simulated phone makes `action` (one patch, with its key) and the server applies
        it; returns the stored patch (its collection is ``action.collection``)."""
        collection = self.collection(str(action.collection))
        encoded = action.encode(collection.state, key_id=self.key_id, key_data=self.key_data)
        return collection.apply(encoded.patch, self.keys)

    def apply(self, name: str, base_version: int, patch: SyncdPatch) -> SyncdPatch:
        """A companion's `patch`, made on `base_version`: applied and returned with its
        version, or `PatchConflict` (the server is ahead) or `PatchRefused`."""
        collection = self.collection(name)
        if base_version != collection.version:
            raise PatchConflict(collection, base_version)
        return collection.apply(patch, self.keys)

    def key_share(self) -> WAMessage:
        """The message in which the phone shares its app-state key with a companion."""
        pm = WAMessage.ProtocolMessage
        share = pm(type=pm.APP_STATE_SYNC_KEY_SHARE)
        key = share.appStateSyncKeyShare.keys.add()
        key.keyId.keyId = self.key_id
        key.keyData.keyData = self.key_data
        key.keyData.timestamp = 0
        return WAMessage(protocolMessage=share)

    def key_share_stanza(self, companion: Jid, now: int) -> Node:
        """The ``<message>`` (a plaintext body, sealed by the server for `companion`) in which
        the phone sends `key_share` to one of its companions."""
        return Node(
            "message",
            {
                "from": companion.with_device(0),
                "id": f"APPKEYS-{companion.device}-{self.key_id.hex()}",
                "t": str(now),
                "category": "peer",
            },
            [Node("plaintext", None, self.key_share().SerializeToString())],
        )

    def answer(self, request: Node, store_media: StoreMedia | None) -> Node:
        """The ``<sync>`` that answers a fetch or a patch upload (see the module doc)."""
        asked = request.require_child("sync").children("collection")
        return Node("sync", None, [self._answer_one(one, store_media) for one in asked])

    def _answer_one(self, asked: Node, store_media: StoreMedia | None) -> Node:
        name = asked.attr("name")
        if name not in _NAMES:
            return _error(name, 404, "item-not-found")
        version = asked.opt_int_attr("version", 0, minimum=0) or 0
        uploaded = [p.bytes_content for p in asked.children("patch")]
        if uploaded:
            return self._upload(name, version, uploaded)
        collection = self.collection(name)
        attrs: dict[str, str | Jid] = {"name": name, "version": str(collection.version)}
        wants = asked.opt_attr("return_snapshot") == "true" and self.serve_snapshots
        if wants and store_media and collection.version:
            reference = _store_snapshot(collection.snapshot(), store_media)
            return Node("collection", attrs, [Node("snapshot", None, reference)])
        pending = collection.patches_after(version)
        page = pending[:PATCH_PAGE]
        if len(pending) > len(page):
            attrs["has_more_patches"] = "true"
            attrs["version"] = str(page[-1].version.version)
        if not page:
            return Node("collection", attrs)
        patches = [Node("patch", None, p.SerializeToString()) for p in page]
        return Node("collection", attrs, [Node("patches", None, patches)])

    def _upload(self, name: str, version: int, uploaded: list[bytes | None]) -> Node:
        collection = self.collection(name)
        for data in uploaded:
            patch = SyncdPatch()
            try:
                patch.ParseFromString(data or b"")
                stored = self.apply(name, version, patch)
            except PatchConflict:
                missing = [
                    Node("patch", None, p.SerializeToString())
                    for p in collection.patches_after(version)
                ]
                return Node(
                    "collection",
                    {"name": name, "type": "error", "version": str(collection.version)},
                    [
                        Node("error", {"code": "409", "text": "conflict"}),
                        Node("patches", None, missing),
                    ],
                )
            except (PatchRefused, DecodeError, ValueError, RuntimeError):
                return _error(name, 400, "bad-request")
            version = stored.version.version
        return Node("collection", {"name": name, "version": str(collection.version)})


def _error(name: str, code: int, text: str) -> Node:
    return Node(
        "collection",
        {"name": name, "type": "error"},
        [Node("error", {"code": str(code), "text": text})],
    )


def _store_snapshot(snapshot: bytes, store_media: StoreMedia) -> bytes:
    sealed = encrypt_media(snapshot, MediaType.APP_STATE)
    path = store_media(sealed.data, MediaType.APP_STATE)
    return ExternalBlobReference(
        mediaKey=sealed.media_key,
        directPath=path,
        fileSizeBytes=sealed.file_length,
        fileSha256=sealed.file_sha256,
        fileEncSha256=sealed.file_enc_sha256,
    ).SerializeToString()


def server_sync_notice(collections: list[tuple[str, int]], stanza_id: str, now: int) -> Node:
    """The ``<notification type=server_sync>`` telling a device that collections changed."""
    return Node(
        "notification",
        {"from": _SERVER, "type": "server_sync", "id": stanza_id, "t": str(now)},
        [Node("collection", {"name": name, "version": str(v)}) for name, v in collections],
    )
