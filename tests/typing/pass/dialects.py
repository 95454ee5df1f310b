"""`Bot.dialect(name)` is typed by name when wabus-handlers is installed."""

from __future__ import annotations

from typing import assert_type

from wabus.core import Bot, Subscription
from wabus.core.events import Connected
from wabus.handlers.dialects import (
    BaileysDialect,
    Dialect,
    DialectEvent,
    LiveChatDialect,
    WechatyDialect,
)

bot = Bot.builder().build()
assert_type(bot.dialect("wechaty"), WechatyDialect)
assert_type(bot.dialect("baileys"), BaileysDialect)
assert_type(bot.dialect("livechat"), LiveChatDialect)
name: str = "wechaty"
the_dialect = bot.dialect(name)
assert isinstance(the_dialect, Dialect)

wechaty = bot.dialect("wechaty")
wechaty.on("scan", lambda qrcode, status: print(qrcode)).once("login", print)
assert_type(wechaty.listeners("scan"), tuple[Subscription, ...])
assert_type(WechatyDialect.event_class("scan"), type[DialectEvent])
assert_type(wechaty.emission("scan", ("qr",), Connected()), DialectEvent)
