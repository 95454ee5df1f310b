"""The ``w:sync:app:state`` requests and their replies (sans-IO: nodes in, nodes out).

Fetching::

    <iq xmlns="w:sync:app:state" type="set" to="s.whatsapp.net">
      <sync>
        <collection name="regular_high" version="V" return_snapshot="false"/>   (one per collection)
      </sync>
    </iq>

``return_snapshot`` is ``true`` for a collection we have no state of (version 0) or whose state
failed to verify. The reply has one ``<collection name version [has_more_patches]>`` per
collection asked for, holding an optional ``<snapshot>`` (an ``ExternalBlobReference`` to a
media blob of type ``md-app-state``), ``<patches>`` with ``<patch>`` children (``SyncdPatch``
bytes; a bare ``<patch>`` directly under the collection is accepted too), or an ``<error code>``
(409: our version is behind, 404: no such collection yet). `parse_sync_reply` reads it into
`CollectionReply` values; the client downloads the snapshot (and any external mutations),
and `apply_sync_reply` verifies it all against the stored state and gives the `SyncStep`: the
new state, the mutations, and whether to ask again (``has_more_patches``).

A ``<notification type=server_sync>`` names collections another device changed:
`parse_server_sync` reads them, and the client fetches those.

Sending a patch of ours uses the same IQ with the patch inside the collection, at the version
the patch applies to (`app_state_patch_request`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from google.protobuf.message import DecodeError

from wabus.core import Jid, Node, NodeError, Server
from wabus.proto.syncd_pb2 import ExternalBlobReference, SyncdPatch
from wabus.protocol._appstate import (
    CollectionState,
    DecodedMutation,
    EncodedPatch,
    KeyLookup,
    decode_patch,
    decode_snapshot,
)
from wabus.protocol._errors import (
    AppStateRefused,
    LocalAppStateError,
    MalformedAppState,
)

__all__ = [
    "APP_STATE_XMLNS",
    "CollectionReply",
    "SyncStep",
    "app_state_patch_request",
    "app_state_sync_request",
    "apply_sync_reply",
    "parse_server_sync",
    "parse_sync_reply",
]

APP_STATE_XMLNS: Final = "w:sync:app:state"
"""The namespace of app-state sync requests."""

_SERVER: Final = Jid("", Server.USER)


def _iq(collections: list[Node]) -> Node:
    return Node(
        "iq",
        {"to": _SERVER, "type": "set", "xmlns": APP_STATE_XMLNS},
        [Node("sync", None, collections)],
    )


def app_state_sync_request(
    states: Iterable[CollectionState], *, snapshot: Iterable[str] = ()
) -> Node:
    """The IQ that fetches each collection from its stored version.

    A snapshot is asked for (``return_snapshot="true"``) for collections at version 0 and for
    those named in `snapshot` (whose state failed to verify; pass them at version 0).
    """
    want = set(snapshot)
    nodes = [
        Node(
            "collection",
            {
                "name": state.name,
                "version": str(state.version),
                "return_snapshot": "true" if state.version == 0 or state.name in want else "false",
            },
        )
        for state in states
    ]
    if not nodes:
        raise ValueError("an app-state sync request names at least one collection")
    return _iq(nodes)


def app_state_patch_request(patch: EncodedPatch) -> Node:
    """The IQ that sends one patch of ours, at the version it applies to."""
    collection = Node(
        "collection",
        {"name": patch.collection, "version": str(patch.base_version), "return_snapshot": "false"},
        [Node("patch", None, patch.to_bytes())],
    )
    return _iq([collection])


@dataclass(frozen=True, slots=True)
class CollectionReply:
    """One ``<collection>`` of a sync reply."""

    name: str
    version: int | None
    """The server's version of the collection, when it said."""
    snapshot: ExternalBlobReference | None
    """Where the collection's snapshot blob is, when one was sent."""
    patches: tuple[SyncdPatch, ...]
    """The patches, in order."""
    has_more_patches: bool
    """True when the client should ask again from the version the patches reach."""
    error_code: int | None
    """The ``<error code>``, when the server refused (409 conflict, 404 no collection, ...)."""
    error_text: str | None = None


_P = TypeVar("_P", SyncdPatch, ExternalBlobReference)


def _parse(cls: type[_P], data: bytes, name: str, what: str) -> _P:
    message = cls()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as err:
        raise MalformedAppState(name, None, f"{what} is not a protobuf") from err
    return message


def _collection(node: Node) -> CollectionReply:
    try:
        name = node.attr("name")
        version = node.opt_int_attr("version", minimum=0)
    except NodeError as err:
        raise MalformedAppState(
            node.opt_attr("name") or "?", None, f"bad collection: {err}"
        ) from err
    snapshot: ExternalBlobReference | None = None
    snapshot_node = node.child("snapshot")
    if snapshot_node is not None:
        data = snapshot_node.bytes_content
        if data:
            snapshot = _parse(ExternalBlobReference, data, name, "the snapshot reference")
    holder = node.child("patches") or node
    patches: list[SyncdPatch] = []
    for number, patch_node in enumerate(holder.children("patch")):
        data = patch_node.bytes_content
        if not data:
            continue
        patches.append(_parse(SyncdPatch, data, name, f"patch {number}"))
    error = node.child("error")
    error_code: int | None = None
    error_text: str | None = None
    if error is not None:
        try:
            error_code = error.opt_int_attr("code")
        except NodeError as err:
            raise MalformedAppState(name, version, f"bad error code: {err}") from err
        error_text = error.opt_attr("text")
    return CollectionReply(
        name=name,
        version=version,
        snapshot=snapshot,
        patches=tuple(patches),
        has_more_patches=node.opt_attr("has_more_patches") == "true",
        error_code=error_code,
        error_text=error_text,
    )


def parse_sync_reply(reply: Node) -> tuple[CollectionReply, ...]:
    """The collections of a ``w:sync:app:state`` reply (a ``result``, or an ``error`` whose
    collections carry their own errors). `MalformedAppState` when it is not one."""
    sync = reply.child("sync")
    if sync is None:
        raise MalformedAppState("?", None, f"the reply ({reply.opt_attr('type')}) has no <sync>")
    return tuple(_collection(node) for node in sync.children("collection"))


def parse_server_sync(notification: Node) -> tuple[tuple[str, int | None], ...]:
    """The collections a ``<notification type=server_sync>`` names, with the version each
    reached when the server says: the collections to fetch. `MalformedAppState` when it is
    not such a notification or a collection has no name or a bad version."""
    if notification.tag != "notification" or notification.opt_attr("type") != "server_sync":
        raise MalformedAppState("?", None, "not a server_sync notification")
    found = []
    for node in notification.children("collection"):
        try:
            found.append((node.attr("name"), node.opt_int_attr("version", minimum=0)))
        except NodeError as err:
            raise MalformedAppState("?", None, f"bad server_sync collection: {err}") from err
    return tuple(found)


@dataclass(frozen=True, slots=True)
class SyncStep:
    """What one collection of a sync reply does to the stored state (`apply_sync_reply`)."""

    state: CollectionState
    """The collection's state after the reply: store it with what the mutations did."""
    mutations: Iterator[DecodedMutation]
    """The verified mutations, in order: a snapshot's (read lazily) then the patches'."""
    fetch_again: bool
    """True when the server has more patches: fetch again from `state`."""


def apply_sync_reply(
    state: CollectionState,
    reply: CollectionReply,
    keys: KeyLookup,
    *,
    snapshot: bytes | None = None,
    external_mutations: Mapping[int, bytes] | None = None,
) -> SyncStep:
    """Verify and apply one `CollectionReply` to the stored `state` of its collection.

    When the reply carries a snapshot reference, its downloaded, decrypted blob must be given
    as `snapshot` (the collection then starts from it, whatever `state` was); a patch with
    external mutations needs its blob in `external_mutations`, by patch version. Everything is
    verified before the step is returned, so an `AppStateError` (see `Recovery`) means nothing
    of the reply is used; `AppStateRefused` when the server answered with an error.
    """
    if reply.error_code is not None:
        raise AppStateRefused(reply.name, reply.error_code, reply.error_text)
    if reply.name != state.name:
        raise LocalAppStateError(f"a reply for {reply.name} applied to {state.name}")
    parts: list[Iterator[DecodedMutation]] = []
    if reply.snapshot is not None:
        if snapshot is None:
            raise LocalAppStateError(
                f"the reply for {reply.name} has a snapshot: download it and pass snapshot"
            )
        decoded = decode_snapshot(reply.name, snapshot, keys)
        state = decoded.state
        parts.append(decoded.mutations())
    extra = external_mutations or {}
    applied: list[DecodedMutation] = []
    for patch in reply.patches:
        version = patch.version.version if patch.HasField("version") else state.version + 1
        step = decode_patch(patch, state, keys, external_mutations=extra.get(version))
        state = step.state
        applied.extend(step.mutations)
    parts.append(iter(applied))
    return SyncStep(state, itertools.chain.from_iterable(parts), reply.has_more_patches)
