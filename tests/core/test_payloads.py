"""Lazy payloads: parsed on first access, exactly once, shared, and never by accident."""

from __future__ import annotations

import gc
import os
import threading
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from tests.core.events_fixtures import ALICE, NOW
from wabus.core import CoreEventBus, payloads
from wabus.core.events import (
    HistorySync,
    HistorySyncType,
    Message,
    MessageInfo,
    MessageSource,
)
from wabus.core.payloads import PayloadDecodeError, PayloadUnavailable
from wabus.handlers import LoggingHandler
from wabus.proto import common_pb2, e2e_pb2, history_pb2, web_pb2
from wabus.proto.codec import ProtoPayloadCodec

WA = e2e_pb2.Message


class CountingCodec(ProtoPayloadCodec):
    """The real codec, counting its calls (and slowing parses down a little on request)."""

    def __init__(self, gate: threading.Barrier | None = None) -> None:
        self.calls: dict[str, int] = {}
        self.gate = gate
        self.lock = threading.Lock()

    def _count(self, name: str) -> None:
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1

    def parse_message(self, raw: bytes) -> Any:
        self._count("parse_message")
        return super().parse_message(raw)

    def parse_history_sync(self, raw: bytes) -> Any:
        self._count("parse_history_sync")
        return super().parse_history_sync(raw)

    def iter_conversations(self, raw: bytes) -> Iterator[Any]:
        self._count("iter_conversations")
        return super().iter_conversations(raw)


@pytest.fixture
def codec() -> Iterator[CountingCodec]:
    counting = CountingCodec()
    payloads.set_payload_codec(counting)
    yield counting
    payloads.set_payload_codec(None)


def _message(body: WA | bytes) -> Message:
    raw = body if isinstance(body, bytes) else body.SerializeToString()
    info = MessageInfo(source=MessageSource(chat=ALICE, sender=ALICE), id="M", timestamp=NOW)
    return Message(info=info, raw=raw)


def test_the_body_is_parsed_on_first_access_and_shared(codec: CountingCodec) -> None:
    event = _message(WA(conversation="hello"))
    assert codec.calls == {}
    first = event.message
    assert first.conversation == "hello"
    assert event.message is first
    assert event.text == "hello"
    assert codec.calls == {"parse_message": 1}


def test_exactly_one_parse_when_many_threads_ask_at_once(codec: CountingCodec) -> None:
    for _ in range(20):
        event = _message(WA(conversation="race"))
        barrier = threading.Barrier(8)
        seen: list[object] = []

        def read(
            ev: Message = event, b: threading.Barrier = barrier, out: list[object] = seen
        ) -> None:
            b.wait()
            out.append(ev.message)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seen) == 8
        assert all(parsed is seen[0] for parsed in seen)
    assert codec.calls == {"parse_message": 20}


def test_handlers_that_read_only_info_cost_no_parse(codec: CountingCodec) -> None:
    bus = CoreEventBus()
    ids: list[str] = []
    for _ in range(10):
        bus.subscribe(Message, lambda e: ids.append(e.info.id))
    event = _message(WA(conversation="x"))
    bus.dispatch(event)
    assert len(ids) == 10
    assert codec.calls == {}
    texts: list[str | None] = []
    for _ in range(5):
        bus.subscribe(Message, lambda e: texts.append(e.text))
    bus.dispatch(event)
    assert texts == ["x"] * 5
    assert codec.calls == {"parse_message": 1}


def test_repr_json_equality_and_logging_never_parse(codec: CountingCodec) -> None:
    event = _message(WA(conversation="quiet"))
    repr(event)
    str(event)
    event.model_dump_json()
    event.model_dump()
    hash(event)
    assert event == _message(WA(conversation="quiet"))
    bus = CoreEventBus()
    bus.add_handler(LoggingHandler())
    with structlog.testing.capture_logs():
        bus.dispatch(event)
    assert codec.calls == {}
    # A parsed event still equals, hashes like and serialises like an unparsed one.
    twin = _message(WA(conversation="quiet"))
    assert event.text == "quiet"
    assert event == twin
    assert hash(event) == hash(twin)
    assert event.model_dump_json() == twin.model_dump_json()


def test_a_body_that_fails_to_parse_fails_every_time_without_parsing_again(
    codec: CountingCodec,
) -> None:
    event = _message(b"\xff\xff\xff")
    for _ in range(3):
        with pytest.raises(PayloadDecodeError) as caught:
            _ = event.message
        assert caught.value.what == "the message body"
        assert "DecodeError" in caught.value.reason
        with pytest.raises(PayloadDecodeError):
            _ = event.text
    assert codec.calls == {"parse_message": 1}


def test_a_failing_body_does_not_disturb_other_handlers(codec: CountingCodec) -> None:
    bus = CoreEventBus()
    infos: list[str] = []
    bus.subscribe(Message, lambda e: e.text)
    bus.subscribe(Message, lambda e: infos.append(e.info.id))
    failures = bus.dispatch(_message(b"\x0a\x05hi"))  # field 1 claims 5 bytes, has 2
    assert infos == ["M"]
    assert [type(f.error) for f in failures] == [PayloadDecodeError]


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (WA(conversation="plain"), "plain"),
        (WA(extendedTextMessage=WA.ExtendedTextMessage(text="with a link")), "with a link"),
        (WA(imageMessage=WA.ImageMessage(caption="a picture")), "a picture"),
        (WA(videoMessage=WA.VideoMessage(caption="a film")), "a film"),
        (
            WA(ephemeralMessage=WA.FutureProofMessage(message=WA(conversation="gone soon"))),
            "gone soon",
        ),
        (
            WA(
                viewOnceMessage=WA.FutureProofMessage(
                    message=WA(imageMessage=WA.ImageMessage(caption="once"))
                )
            ),
            "once",
        ),
        (
            WA(
                deviceSentMessage=WA.DeviceSentMessage(
                    destinationJid="1@s.whatsapp.net", message=WA(conversation="from my phone")
                )
            ),
            "from my phone",
        ),
        (
            WA(
                ephemeralMessage=WA.FutureProofMessage(
                    message=WA(
                        viewOnceMessageV2=WA.FutureProofMessage(
                            message=WA(extendedTextMessage=WA.ExtendedTextMessage(text="nested"))
                        )
                    )
                )
            ),
            "nested",
        ),
        (WA(reactionMessage=WA.ReactionMessage(text="👍")), None),
        (WA(protocolMessage=WA.ProtocolMessage(type=WA.ProtocolMessage.REVOKE)), None),
        (WA(imageMessage=WA.ImageMessage()), None),
    ],
)
def test_text_of_the_common_shapes(codec: CountingCodec, body: WA, text: str | None) -> None:
    assert _message(body).text == text


def test_a_device_sent_message_is_unwrapped(codec: CountingCodec) -> None:
    body = WA(
        deviceSentMessage=WA.DeviceSentMessage(
            destinationJid="15550000002@s.whatsapp.net", message=WA(conversation="hi")
        )
    )
    assert _message(body).message.conversation == "hi"


def test_without_a_codec_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    payloads.set_payload_codec(None)
    monkeypatch.setattr(payloads, "entry_points", lambda group: [])
    event = _message(WA(conversation="later"))
    with pytest.raises(PayloadUnavailable, match="install wabus-proto"):
        _ = event.message
    monkeypatch.undo()
    payloads.set_payload_codec(None)
    assert event.text == "later"  # not remembered as a failure of the body


def test_the_entry_point_supplies_the_codec() -> None:
    payloads.set_payload_codec(None)
    assert isinstance(payloads.payload_codec(), ProtoPayloadCodec)
    with pytest.raises(TypeError, match="does not implement"):
        payloads.set_payload_codec(object())  # type: ignore[arg-type]


# History sync ------------------------------------------------------------------------------


def _conversation(n: int, size: int = 200) -> history_pb2.Conversation:
    text = f"message {n} " + "x" * size
    msg = web_pb2.WebMessageInfo(
        key=common_pb2.MessageKey(remoteJid=f"{15550001000 + n}@s.whatsapp.net", id=f"ID{n}"),
        message=WA(conversation=text),
        messageTimestamp=1752000000 + n,
    )
    return history_pb2.Conversation(
        id=f"{15550001000 + n}@s.whatsapp.net",
        messages=[history_pb2.HistorySyncMsg(message=msg, msgOrderId=n)],
        name=f"Contact {n}",
    )


def _blob(conversations: int, size: int = 200) -> bytes:
    sync = history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.RECENT,
        conversations=[_conversation(n, size) for n in range(conversations)],
        pushnames=[
            history_pb2.Pushname(id=f"{n}@s.whatsapp.net", pushname=f"P{n}") for n in range(3)
        ],
        chunkOrder=2,
        progress=40,
    )
    return sync.SerializeToString()


def test_history_metadata_needs_no_parse(codec: CountingCodec) -> None:
    event = HistorySync(sync_type=HistorySyncType.RECENT, chunk_order=2, progress=40, raw=_blob(5))
    assert (event.sync_type, event.chunk_order, event.progress) == (HistorySyncType.RECENT, 2, 40)
    repr(event)
    event.model_dump_json()
    bus = CoreEventBus()
    kinds: list[object] = []
    bus.subscribe(HistorySync, lambda e: kinds.append(e.sync_type))
    bus.dispatch(event)
    assert codec.calls == {}


def test_history_get_parses_once_and_iterates_lazily(codec: CountingCodec) -> None:
    event = HistorySync(sync_type=HistorySyncType.RECENT, raw=_blob(5))
    parsed = event.get()
    assert len(parsed.conversations) == 5
    assert event.get() is parsed
    assert codec.calls == {"parse_history_sync": 1}
    ids = [c.id for c in event.iter_conversations()]
    assert ids == [f"{15550001000 + n}@s.whatsapp.net" for n in range(5)]
    assert [p.pushname for p in event.pushnames()] == ["P0", "P1", "P2"]


def test_a_corrupt_history_blob_raises_typed_errors(codec: CountingCodec) -> None:
    blob = _blob(3)
    event = HistorySync(sync_type=HistorySyncType.FULL, raw=blob[: len(blob) // 2])
    with pytest.raises(PayloadDecodeError, match="history"):
        list(event.iter_conversations())
    with pytest.raises(PayloadDecodeError, match="history-sync blob"):
        event.get()


def test_iterating_a_50_mb_history_keeps_memory_bounded() -> None:
    one = _conversation(1, size=20_000).SerializeToString()  # ~20 KB per conversation
    record = b"\x12" + _varint(len(one)) + one  # HistorySync field 2, length-delimited
    count = 50 * 1024 * 1024 // len(record) + 1
    header = b"\x08\x03"  # syncType = RECENT
    blob = header + record * count
    assert len(blob) >= 50 * 1024 * 1024
    event = HistorySync(sync_type=HistorySyncType.RECENT, raw=blob)
    del record
    gc.collect()
    # Two measures: tracemalloc sees Python's allocations, and the resident set size also sees
    # protobuf's own arenas (upb allocates outside Python, where tracemalloc cannot look).
    base_rss = peak_rss = _rss()
    tracemalloc.start()
    try:
        seen = 0
        for conversation in event.iter_conversations():
            seen += len(conversation.messages)
            peak_rss = max(peak_rss, _rss())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    # Bounded by a few conversations, not by the 50 MB blob (a full parse grows RSS by ~65 MB).
    assert peak < 20 * len(one), f"peak {peak} bytes while iterating {len(blob)} bytes"
    if base_rss:
        assert peak_rss - base_rss < 16 * 1024 * 1024, f"RSS grew by {peak_rss - base_rss} bytes"


def _rss() -> int:
    """The resident set size in bytes (Linux), or 0 where /proc is not available."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
