"""The router: stanzas to events, and what laziness saves.

1. Router throughput on the wire benchmark's corpus (identical bytes): decode + route, and
   route alone, as stanzas/s and events/s, with the router's share of the decode+route time.
2. A `Message` dispatched to 10 handlers that read only ``info``: the protobuf parses it costs
   (counted: it must be zero), next to the same with one handler reading ``text`` (one parse).
3. A `HistorySync` dispatched to handlers that read only its metadata, for blobs of 5, 50 and
   200 MB: dispatch time and peak traced memory, which must stay flat as the blob grows; next to
   the cost of fully parsing the 5 MB blob with ``get()``, to show what is saved.
"""

from __future__ import annotations

import functools
import gc
import os
import time
import tracemalloc
from datetime import UTC, datetime
from typing import Any

from benches.bench_wire import best_ns, corpus
from wabus.core import CoreEventBus, Jid, Server, payloads
from wabus.core.events import HistorySync, HistorySyncType, Message, MessageInfo, MessageSource
from wabus.proto import common_pb2, e2e_pb2, history_pb2, web_pb2
from wabus.proto.codec import ProtoPayloadCodec
from wabus.protocol import Router, decode_node

ME = Jid("15550000001", Server.USER)
EPOCH = datetime.fromtimestamp(0, UTC)


def router_throughput(iterations: int, rounds: int) -> list[str]:
    router = Router(own_pn=ME.with_device(7))
    lines = [
        f"  {'stanza':<22}{'decode+route':>14}{'route only':>14}{'events':>8}{'router share':>14}"
    ]
    for name, payload in corpus().items():
        node = decode_node(payload)
        events = len(router.route(node))

        def decode_and_route(p: bytes = payload) -> object:
            return router.route(decode_node(p))

        both = best_ns(decode_and_route, iterations, rounds)
        alone = best_ns(functools.partial(router.route, node), iterations, rounds)
        lines.append(
            f"  {name:<22}{1e9 / both / 1e3:10.1f} k/s{1e9 / alone / 1e3:10.1f} k/s"
            f"{events:>8}{alone / both:13.0%}"
        )
    return lines


class _CountingCodec(ProtoPayloadCodec):
    def __init__(self) -> None:
        self.parses = 0

    def parse_message(self, raw: bytes) -> Any:
        self.parses += 1
        return super().parse_message(raw)


def lazy_messages(iterations: int) -> list[str]:
    codec = _CountingCodec()
    payloads.set_payload_codec(codec)
    try:
        source = MessageSource(chat=ME, sender=ME)
        body = e2e_pb2.Message(conversation="hello").SerializeToString()
        events = [
            Message(info=MessageInfo(source=source, id=f"M{n}", timestamp=EPOCH), raw=body)
            for n in range(iterations)
        ]
        info_only = CoreEventBus()
        ids: list[str] = []
        for _ in range(10):
            info_only.subscribe(Message, lambda e: ids.append(e.info.id))
        start = time.perf_counter()
        for event in events:
            info_only.dispatch(event)
        info_time = time.perf_counter() - start
        info_parses = codec.parses
        reader = CoreEventBus()
        for _ in range(9):
            reader.subscribe(Message, lambda e: ids.append(e.info.id))
        reader.subscribe(Message, lambda e: ids.append(e.text or ""))
        start = time.perf_counter()
        for event in events:
            reader.dispatch(event)
        text_time = time.perf_counter() - start
        text_parses = codec.parses - info_parses
    finally:
        payloads.set_payload_codec(None)
    return [
        (
            f"  10 handlers reading info: {iterations / info_time / 1e3:8.1f} k messages/s,"
            f" {info_parses} protobuf parses"
        ),
        (
            f"  9 reading info + 1 text:  {iterations / text_time / 1e3:8.1f} k messages/s,"
            f" {text_parses} protobuf parses (one per message)"
        ),
    ]


def _history_blob(megabytes: int) -> bytes:
    conversation = history_pb2.Conversation(
        id="15550000002@s.whatsapp.net",
        messages=[
            history_pb2.HistorySyncMsg(
                message=web_pb2.WebMessageInfo(
                    key=common_pb2.MessageKey(remoteJid="15550000002@s.whatsapp.net", id=f"I{n}"),
                    message=e2e_pb2.Message(conversation="x" * 200),
                ),
                msgOrderId=n,
            )
            for n in range(50)
        ],
    ).SerializeToString()
    record = b"\x12" + _varint(len(conversation)) + conversation
    return b"\x08\x03" + record * (megabytes * 1024 * 1024 // len(record))


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


def lazy_history(sizes: tuple[int, ...]) -> list[str]:
    lines: list[str] = []
    bus = CoreEventBus()
    seen: list[object] = []
    for _ in range(3):
        bus.subscribe(HistorySync, lambda e: seen.append((e.sync_type, e.chunk_order, e.progress)))
    parse_5mb = ""
    for megabytes in sizes:
        blob = _history_blob(megabytes)
        event = HistorySync(sync_type=HistorySyncType.RECENT, chunk_order=1, progress=50, raw=blob)
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter_ns()
        for _ in range(100):
            bus.dispatch(event)
        elapsed = (time.perf_counter_ns() - start) / 100
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        lines.append(
            f"  {megabytes:>4} MB blob, 3 handlers reading metadata: {elapsed / 1e3:7.2f} us per"
            f" dispatch, peak {peak / 1024:7.1f} KiB"
        )
        if megabytes == sizes[0]:
            gc.collect()
            before = _rss()
            start = time.perf_counter_ns()
            event.get()
            parse_time = (time.perf_counter_ns() - start) / 1e6
            grown = _rss() - before
            parse_5mb = (
                f"  for comparison, get() on the {megabytes} MB blob: {parse_time:8.1f} ms,"
                f" resident memory +{grown / 1024 / 1024:.1f} MiB (protobuf allocates outside"
                " Python, so tracemalloc cannot see it)"
            )
        del blob, event
    lines.append(parse_5mb)
    return lines


def main(quick: bool = False) -> None:
    iterations, rounds = (200, 1) if quick else (5_000, 5)
    print("router: stanzas to events (the wire benchmark's corpus)")
    print("\n".join(router_throughput(iterations, rounds)))
    print()
    print("laziness: message bodies")
    print("\n".join(lazy_messages(2_000 if quick else 100_000)))
    print()
    print("laziness: history-sync blobs")
    print("\n".join(lazy_history((1, 2) if quick else (5, 50, 200))))


if __name__ == "__main__":
    main()
