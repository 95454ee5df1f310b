"""A bot on a live connection, offline: the simulator on loopback, a client paired with it,
and a handler that answers "ping" with "pong" through the connection, end-to-end encrypted
(the simulated contact encrypts the ping and decrypts the pong; the server sees neither)."""

import anyio

from wabus.client import Client, MemoryStore
from wabus.core import Bot, EventHandler, Jid, Server
from wabus.core.events import Connected, Message
from wabus.simulator import AutoScanner, Simulator

ALICE = Jid("15550000002", Server.USER)


class PingBot(EventHandler):
    def __init__(self, client: Client) -> None:
        self.client = client

    def on_connected(self, event: Connected) -> None:
        print("connected")

    async def on_message(self, event: Message) -> None:
        print(f"{event.info.push_name or event.info.sender} wrote: {event.text}")
        if event.text == "ping":
            await self.client.send_text(event.info.chat, "pong")


async def main() -> None:
    async with Simulator() as sim:  # a WhatsApp-protocol server on a loopback port
        client = Client(MemoryStore(), url=sim.url, trusted_roots=[sim.trusted_root])
        bot = (
            Bot.builder()
            .with_source(client)
            .with_handler(PingBot(client))
            .with_handler(AutoScanner(sim))  # the simulated phone scans the QR code
            .build()
        )
        async with bot:
            await sim.wait_ready()  # logged in, its keys published: others can write to it
            await sim.send_message(ALICE, "ping", push_name="Alice")
            reply = await sim.expect_message(lambda m: m.chat == ALICE)
            print(f"the bot answered {reply.chat}: {reply.text}")
            await client.stop()


if __name__ == "__main__":
    anyio.run(main)
