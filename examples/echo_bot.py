"""The README's example bot: react to a few kinds of events from a scripted session."""

import anyio

from wabus.core import Bot, EventHandler
from wabus.core.events import Connected, Message
from wabus.core.testing import ScriptedSource, sample_session


class EchoBot(EventHandler):
    def on_connected(self, event: Connected) -> None:
        print("connected")

    async def on_message(self, event: Message) -> None:
        print(f"{event.info.push_name} wrote in {event.info.chat}: {len(event.raw)} bytes")


bot = Bot.builder().with_handler(EchoBot()).with_source(ScriptedSource(sample_session())).build()

if __name__ == "__main__":
    anyio.run(bot.run)
