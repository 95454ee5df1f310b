"""App-state sync in the client: the phone's keys kept, the collections fetched and verified,
their mutations published as typed events.

- A decrypted message from our own account carrying an ``appStateSyncKeyShare`` gives keys:
  `AppSync.take_key_share` keeps them in the store (`AppStateStore.save_app_state`) and the
  client syncs every collection again (what was waiting for a key can now be read).
- `AppSync.sync` fetches the named collections from their stored versions (a snapshot for a
  collection at version 0), downloads snapshot blobs and external mutations from the media
  servers, has `wabus.protocol.apply_sync_reply` verify everything, stores each collection's
  new version and LTHash in one save, then publishes the mutations' events
  (`wabus.protocol.mutation_event`). It asks again while the server has more patches.
- A collection that does not verify (a MAC, the LTHash, a version out of order) publishes
  nothing of that reply: it is logged and fetched again from a snapshot, once per sync. A
  record made with a key we lack sends our phone an ``appStateSyncKeyRequest`` and leaves the
  collection where it was, until the key share comes.

The client runs `sync` at every login (all five collections) and on each ``server_sync``
notification (the collections it names), one sync at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence

import anyio
import structlog

from wabus.client._errors import ClientError
from wabus.client._store import AppState, AppStateStore, Store
from wabus.core import BaseEvent, Node
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.proto.syncd_pb2 import ExternalBlobReference
from wabus.protocol import (
    COLLECTIONS,
    AppStateAction,
    AppStateError,
    AppStateKey,
    AppStateKeyMissing,
    AppStateRefused,
    CollectionReply,
    CollectionState,
    Recovery,
    app_state_key_request,
    app_state_patch_request,
    app_state_sync_request,
    apply_sync_reply,
    keys_from_share,
    mutation_event,
    newest_key,
    parse_sync_reply,
)

__all__ = ["AppStateSendFailed", "AppSync", "key_share_of"]

_log = structlog.get_logger("wabus.client.appstate")

Request = Callable[[Node], Awaitable[Node]]
Download = Callable[[ExternalBlobReference], Awaitable[bytes]]
Publish = Callable[[BaseEvent], Awaitable[object]]
AskKeys = Callable[[WAMessage], Awaitable[object]]

_MAX_ROUNDS = 100
"""At most this many fetches in one sync (a server that always has more patches)."""
_MAX_CONFLICTS = 5
"""How many times a mutation of ours is refetched and reapplied after a ``409``."""


class AppStateSendFailed(ClientError):
    """A mutation of ours could not be applied: no app-state key yet, the server refused it
    (`code`), or it kept conflicting with other devices' changes."""

    def __init__(self, collection: str, reason: str, code: int | None = None) -> None:
        super().__init__(f"app state {collection}: {reason}")
        self.collection = collection
        self.code = code


def key_share_of(body: bytes) -> tuple[AppStateKey, ...]:
    """The app-state keys a decrypted message body shares (none for any other body, or one
    that does not parse)."""
    message = WAMessage()
    try:
        message.ParseFromString(body)
    except Exception:  # protobuf raises DecodeError or RuntimeError: not a key share
        return ()
    if not message.HasField("protocolMessage"):
        return ()
    return keys_from_share(message.protocolMessage)


class AppSync:
    """One client's app-state sync (see the module doc)."""

    def __init__(self, store: Store) -> None:
        self._store = store if isinstance(store, AppStateStore) else None
        self._lock = anyio.Lock()
        self._asked: set[bytes] = set()
        """Key ids already asked of the phone (asked once per run)."""

    @property
    def enabled(self) -> bool:
        """Whether the store keeps app state (every store wabus ships does)."""
        return self._store is not None

    async def _load(self) -> AppState:
        assert self._store is not None
        return await anyio.to_thread.run_sync(self._store.load_app_state)

    async def take_key_share(self, keys: Sequence[AppStateKey]) -> None:
        """Keep the keys our phone shared."""
        store = self._store
        if store is None or not keys:
            return
        await anyio.to_thread.run_sync(lambda: store.save_app_state(keys=keys))
        _log.info("app-state keys stored", count=len(keys))

    async def sync(
        self,
        names: Iterable[str],
        request: Request,
        download: Download,
        publish: Publish,
        ask_keys: AskKeys,
    ) -> int:
        """Fetch, verify, store and publish the collections `names` (see the module doc);
        returns how many events were published."""
        store = self._store
        if store is None:
            return 0
        known = {str(c) for c in COLLECTIONS}
        wanted = [str(name) for name in dict.fromkeys(names) if str(name) in known]
        published = 0
        async with self._lock:
            stored = await self._load()
            keys = {key_id: key.key_data for key_id, key in stored.keys.items()}
            states = {n: stored.collections.get(n) or CollectionState(n) for n in wanted}
            fresh: set[str] = set()  # refetched from a snapshot in this sync: once only
            pending = list(wanted)
            for _ in range(_MAX_ROUNDS):
                if not pending:
                    break
                asked = [states[n] for n in pending]
                reply = await request(app_state_sync_request(asked, snapshot=fresh & set(pending)))
                pending = []
                for collection in parse_sync_reply(reply):
                    if collection.name not in states:
                        continue
                    outcome = await self._apply(states[collection.name], collection, keys, download)
                    if isinstance(outcome, AppStateError):
                        await self._recover(outcome, states, fresh, pending, ask_keys)
                        continue
                    state, events, again = outcome
                    save = functools.partial(store.save_app_state, collections=[state])
                    await anyio.to_thread.run_sync(save)
                    states[collection.name] = state
                    for event in events:
                        await publish(event)
                    published += len(events)
                    if again:
                        pending.append(collection.name)
        return published

    async def send(
        self,
        action: AppStateAction,
        request: Request,
        download: Download,
        publish: Publish,
        ask_keys: AskKeys,
    ) -> CollectionState:
        """Encode `action` on the stored state of its collection (MACs, LTHash, with the
        newest key), send the patch and store the state it makes; on a ``409`` the other
        devices' patches are fetched (and published) and the action is encoded again on top.
        Returns the collection's new state. Raises `AppStateSendFailed`."""
        store = self._store
        name = str(action.collection)
        if store is None:
            raise AppStateSendFailed(name, "this store keeps no app state")
        for _ in range(_MAX_CONFLICTS):
            async with self._lock:
                stored = await self._load()
                key = newest_key(list(stored.keys.values()))
                if key is None:
                    raise AppStateSendFailed(name, "no app-state key from our phone yet")
                state = stored.collections.get(name) or CollectionState(name)
                encoded = action.encode(state, key_id=key.key_id, key_data=key.key_data)
                reply = await request(app_state_patch_request(encoded))
                answers = [c for c in parse_sync_reply(reply) if c.name == name]
                code = answers[0].error_code if answers else None
                if answers and code is None:
                    save = functools.partial(store.save_app_state, collections=[encoded.state])
                    await anyio.to_thread.run_sync(save)
                    return encoded.state
            if code != 409:
                raise AppStateSendFailed(name, "the server refused the patch", code)
            _log.info("app-state conflict: fetching, then applying again", collection=name)
            await self.sync([name], request, download, publish, ask_keys)
        raise AppStateSendFailed(name, "it kept conflicting with other devices", 409)

    async def _apply(
        self,
        state: CollectionState,
        reply: CollectionReply,
        keys: dict[bytes, bytes],
        download: Download,
    ) -> tuple[CollectionState, list[BaseEvent], bool] | AppStateError:
        """Everything of one collection's reply, verified, or the error that stops it."""
        if reply.error_code == 404:  # no such collection on the server yet: nothing to do
            return state, [], False
        try:
            snapshot = await download(reply.snapshot) if reply.snapshot is not None else None
            external: dict[int, bytes] = {}
            version = state.version
            for patch in reply.patches:
                version = patch.version.version if patch.HasField("version") else version + 1
                if patch.HasField("externalMutations"):
                    external[version] = await download(patch.externalMutations)

            def decode() -> tuple[CollectionState, list[BaseEvent], bool]:
                step = apply_sync_reply(
                    state, reply, keys.get, snapshot=snapshot, external_mutations=external
                )
                events = [mutation_event(m) for m in step.mutations]
                return step.state, events, step.fetch_again

            return await anyio.to_thread.run_sync(decode)
        except AppStateError as err:
            return err
        except Exception as err:  # a blob that does not download or decrypt
            _log.warning("app-state blob failed", collection=reply.name, error=str(err))
            return AppStateError(reply.name, reply.version, f"blob: {err}")

    async def _recover(
        self,
        error: AppStateError,
        states: dict[str, CollectionState],
        fresh: set[str],
        pending: list[str],
        ask_keys: AskKeys,
    ) -> None:
        name = error.collection
        if isinstance(error, AppStateKeyMissing) or error.recovery is Recovery.KEYS:
            key_id = getattr(error, "key_id", b"")
            _log.warning("app-state key missing", collection=name, key_id=key_id.hex())
            if key_id and key_id not in self._asked:
                self._asked.add(key_id)
                try:
                    await ask_keys(app_state_key_request([key_id]))
                except Exception as err:  # not connected, refused: asked again next login
                    self._asked.discard(key_id)
                    _log.warning("app-state key request failed", error=str(err))
            return
        if isinstance(error, AppStateRefused):
            _log.warning("app-state fetch refused", collection=name, code=error.code)
            return
        _log.warning("app-state does not verify", collection=name, error=str(error))
        if name in fresh or name not in states:
            return  # already refetched from a snapshot in this sync: next sync tries again
        fresh.add(name)
        states[name] = CollectionState(name)
        pending.append(name)
