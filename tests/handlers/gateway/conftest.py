"""Gateway tests run on asyncio only: uvicorn and python-socketio's AsyncServer are asyncio-only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from wabus.core import CoreEventBus
from wabus.handlers.gateway import EventGateway, GatewayConfig

TOKEN = "test-token-0123456789"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def served() -> AsyncIterator[tuple[CoreEventBus, EventGateway]]:
    """A running bus with a gateway serving on a free loopback port."""
    bus = CoreEventBus()
    gateway = EventGateway(GatewayConfig(tokens=(TOKEN,), port=0))
    bus.add_handler(gateway)
    async with bus, gateway.running():
        yield bus, gateway
