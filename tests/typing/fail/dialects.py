"""A dialect's type follows its name: using the wrong dialect's API is an error."""

from __future__ import annotations

from wabus.core import Bot

bot = Bot.builder().build()
scan = bot.dialect("baileys").on_scan  # E: "BaileysDialect" has no attribute "on_scan"
