"""`Bot.dialect(name)` is typed by name when wabus-handlers is installed."""

from __future__ import annotations

from typing import assert_type

from wabus.core import Bot
from wabus.handlers.dialects import BaileysDialect, Dialect, LiveChatDialect, WechatyDialect

bot = Bot.builder().build()
assert_type(bot.dialect("wechaty"), WechatyDialect)
assert_type(bot.dialect("baileys"), BaileysDialect)
assert_type(bot.dialect("livechat"), LiveChatDialect)
name: str = "wechaty"
the_dialect = bot.dialect(name)
assert isinstance(the_dialect, Dialect)
