"""A bot that does more than answer: against the simulator, it marks what it reads, shows it is
typing, replies quoting the question, reacts to it, opens a group for the people in the chat,
runs a poll there and shares the menu as an image (uploaded encrypted to the simulator's media
host); the simulated contacts decrypt everything, the server sees none of it."""

import anyio

from wabus.client import Client, MemoryStore, image, poll, reaction, reply
from wabus.core import Bot, EventHandler, Jid, Server
from wabus.core.events import Message
from wabus.protocol import MediaType
from wabus.simulator import AutoScanner, Simulator

ALICE = Jid("15550000002", Server.USER)
BOB = Jid("15550000003", Server.USER)
MENU = bytes(range(256)) * 64  # stands in for a photo of the menu (16 KiB)


class LunchBot(EventHandler):
    def __init__(self, client: Client) -> None:
        self.client = client

    async def on_message(self, event: Message) -> None:
        if event.info.source.is_from_me or event.text != "lunch?":
            return
        chat = event.info.source.chat
        await self.client.mark_read([event])
        await self.client.send_chat_presence(chat, "composing")
        await self.client.send_message(chat, reply(event, "Let's ask everyone."))
        await self.client.send_message(chat, reaction(event, "🍕"))
        group = await self.client.groups.create("Lunch", [ALICE, BOB])
        await self.client.send_message(group.jid, poll("Where?", ["pizza", "sushi", "salad"]))
        menu = await self.client.media.upload(MENU, MediaType.IMAGE)
        await self.client.send_message(group.jid, image(menu, caption="today's menu"))


async def main() -> None:
    async with Simulator() as sim:
        client = Client(MemoryStore(), url=sim.url, trusted_roots=[sim.trusted_root])
        bot = (
            Bot.builder()
            .with_source(client)
            .with_handler(LunchBot(client))
            .with_handler(AutoScanner(sim))
            .build()
        )
        async with bot:
            await sim.wait_ready()
            await sim.send_message(ALICE, "lunch?", push_name="Alice")
            answer = await sim.expect_message(lambda m: m.text == "Let's ask everyone.")
            quoted = answer.message.extendedTextMessage.contextInfo.quotedMessage.conversation
            print(f"Alice got a reply quoting {quoted!r}")
            liked = await sim.expect_message(lambda m: m.message.HasField("reactionMessage"))
            print(f"Alice got a reaction: {liked.message.reactionMessage.text}")
            voted = await sim.expect_message(
                lambda m: m.chat.is_group and m.message.HasField("pollCreationMessageV3")
            )
            options = [o.optionName for o in voted.message.pollCreationMessageV3.options]
            print(f"the group {voted.chat.user} got a poll: {', '.join(options)}")
            photo = await sim.expect_message(lambda m: m.message.HasField("imageMessage"))
            shared = photo.message.imageMessage
            print(f"and an image: {shared.caption!r}, {shared.fileLength} bytes, {shared.mimetype}")
            await client.stop()


if __name__ == "__main__":
    anyio.run(main)
