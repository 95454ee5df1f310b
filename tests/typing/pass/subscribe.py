"""User code that must type-check under ``mypy --strict``: callbacks that fit what they take."""

from __future__ import annotations

from wabus.core import BaseEvent, Bot, CoreEventBus, Event
from wabus.core.events import Message, MessageEvent, Receipt


def on_message(event: Message) -> None:
    print(event.info.id)


async def on_message_async(event: Message) -> None:
    print(event.info.id)


def on_either(event: Message | Receipt) -> None:
    print(event.type)


def on_anything(event: BaseEvent) -> None:
    print(event.type)


def on_category(event: MessageEvent) -> None:
    print(event.type)


bus = CoreEventBus()
bus.subscribe(Message, on_message)
bus.subscribe(Message, on_message_async, queue_size=16)
bus.subscribe(Message, on_anything)  # a callback that takes more than it is given is fine
bus.subscribe(MessageEvent, on_category)
bus.subscribe((Message, Receipt), on_either)
bus.subscribe((Message, Receipt), on_anything)
bus.subscribe(Message | Receipt, on_either)
bus.subscribe(Event, on_anything)
bus.subscribe(Message, lambda event: print(event.info.chat))  # the lambda's parameter is a Message

bot = (
    Bot.builder()
    .on(Message, on_message)
    .on((Message, Receipt), on_either)
    .on(BaseEvent, on_anything)
    .build()
)

once = bus.subscribe(Message, on_message, once=True)  # a handle like any other
spent: bool = once.once and not once.active
handles = bus.subscriptions(Message)
for handle in handles:
    handle.close()
