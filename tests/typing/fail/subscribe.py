"""User code that mypy --strict must reject; an `E:` comment names the error on its line."""

from __future__ import annotations

from wabus.core import BaseEvent, Bot, CoreEventBus
from wabus.core.events import Message, Receipt


def on_receipt(event: Receipt) -> None:
    print(event.message_ids)


def on_message(event: Message) -> None:
    print(event.info.id)


bus = CoreEventBus()
bus.subscribe(Message, on_receipt)  # E: expected "Callable[[Message], object]"
bus.subscribe(BaseEvent, on_message)  # E: expected "Callable[[BaseEvent], object]"
bus.subscribe((Message, Receipt), on_message)  # E: "Callable[[Message | Receipt], object]"
bus.subscribe(Message, lambda event: event.message_ids)  # E: has no attribute "message_ids"
bus.subscribe(int, print)  # E: cannot be "int"
Bot.builder().on(Message, on_receipt)  # E: expected "Callable[[Message], object]"
