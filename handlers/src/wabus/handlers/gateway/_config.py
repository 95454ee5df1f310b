"""The gateway's configuration and its errors."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from wabus.core import WabusError

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ENV_HOST",
    "ENV_PORT",
    "ENV_TOKEN",
    "NAMESPACE",
    "GatewayConfig",
    "GatewayConfigError",
    "GatewayError",
]

PAGE_PATHS: Final = frozenset({"/", "/logout", "/qr.svg", "/page.js", "/page.css"})
"""The HTTP paths of the gateway's web page (`wabus.handlers.gateway._page`)."""
NAMESPACE: Final = "/api/events"
"""The socket.io namespace clients connect to: ``io('http://host:3000/api/events', …)``."""
DEFAULT_HOST: Final = "127.0.0.1"
"""The default address to listen on (loopback: expose it deliberately)."""
DEFAULT_PORT: Final = 3000
"""The default port, as in the convention's examples."""
ENV_HOST: Final = "WABUS_GATEWAY_HOST"
"""The environment variable `GatewayConfig.from_env` reads the host from."""
ENV_PORT: Final = "WABUS_GATEWAY_PORT"
"""The environment variable `GatewayConfig.from_env` reads the port from."""
ENV_TOKEN: Final = "WABUS_GATEWAY_TOKEN"  # noqa: S105 - a variable name, not a secret
"""The environment variable `GatewayConfig.from_env` reads the token(s) from (comma-separated)."""


class GatewayError(WabusError):
    """Root of the errors of the socket.io gateway (`wabus.handlers.gateway`)."""


class GatewayConfigError(GatewayError, ValueError):
    """The gateway's configuration is invalid; `problems` lists every problem found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid gateway configuration: " + "; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """How the gateway listens and whom it lets in. Validated on construction.

    Tokens are secrets: prefer the environment (`from_env`) to command-line flags, which other
    users of the machine can read.
    """

    tokens: tuple[str, ...]
    """The accepted tokens (at least one; each non-empty)."""
    host: str = DEFAULT_HOST
    """The address to listen on."""
    port: int = DEFAULT_PORT
    """The port to listen on (0: any free port; `EventGateway.port` tells which)."""
    namespace: str = NAMESPACE
    """The socket.io namespace."""
    queue_size: int = 1024
    """How many events may wait for one client; a client that lets more pile up is
    disconnected (a slow consumer never slows the bus or the other clients)."""
    max_clients: int | None = None
    """Refuse connections beyond this many (None: no limit)."""
    health_path: str = "/health"
    """The HTTP path of the health endpoint."""
    cors_origins: str | tuple[str, ...] | None = None
    """Origins allowed for browser clients (None: same origin only; ``"*"``: any)."""
    ping_interval: float = 25.0
    """Seconds between the engine.io pings the gateway sends each client."""
    ping_timeout: float = 20.0
    """Seconds a client has to answer a ping before it is disconnected. A client that reads
    its events in bursts (a busy process, a loaded machine) answers late: raise both then."""
    shutdown_timeout: float = 2.0
    """Seconds to let connections close when the gateway stops."""
    extra_uvicorn: Mapping[str, Any] = field(default_factory=dict)
    """More keyword arguments for ``uvicorn.Config`` (e.g. TLS files)."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        tokens: object = self.tokens
        if not isinstance(tokens, tuple):
            problems.append("tokens must be a tuple of strings")
        elif not tokens:
            problems.append("at least one token is needed (the gateway never runs open)")
        elif any(not isinstance(t, str) or not t.strip() for t in tokens):
            problems.append("every token must be a non-empty string")
        if not isinstance(self.host, str) or not self.host:
            problems.append(f"host must be a non-empty string, got {self.host!r}")
        if not isinstance(self.port, int) or isinstance(self.port, bool):
            problems.append(f"port must be an int, got {self.port!r}")
        elif not 0 <= self.port <= 65535:
            problems.append(f"port must be within 0..65535, got {self.port}")
        if not isinstance(self.namespace, str) or not self.namespace.startswith("/"):
            problems.append(f"namespace must start with '/', got {self.namespace!r}")
        if not isinstance(self.queue_size, int) or self.queue_size < 1:
            problems.append(f"queue_size must be a positive int, got {self.queue_size!r}")
        if self.max_clients is not None and (
            not isinstance(self.max_clients, int) or self.max_clients < 1
        ):
            problems.append(f"max_clients must be a positive int, got {self.max_clients!r}")
        if not isinstance(self.health_path, str) or not self.health_path.startswith("/"):
            problems.append(f"health_path must start with '/', got {self.health_path!r}")
        elif self.health_path.startswith("/socket.io"):
            problems.append("health_path must not be under /socket.io")
        elif self.health_path in PAGE_PATHS:
            problems.append(f"health_path must not be one of the page's paths ({self.health_path})")
        for name in ("ping_interval", "ping_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                problems.append(f"{name} must be a positive number of seconds, got {value!r}")
        if problems:
            raise GatewayConfigError(problems)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> GatewayConfig:
        """A configuration from ``WABUS_GATEWAY_HOST``, ``_PORT`` and ``_TOKEN`` (several
        tokens comma-separated), with `overrides` (e.g. from flags) taking precedence.
        Overrides that are None are ignored, so unset flags fall back to the environment.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems: list[str] = []
        if env.get(ENV_HOST):
            values["host"] = env[ENV_HOST]
        if env.get(ENV_PORT):
            try:
                values["port"] = int(env[ENV_PORT])
            except ValueError:
                problems.append(f"{ENV_PORT} must be an integer, got {env[ENV_PORT]!r}")
        if env.get(ENV_TOKEN):
            values["tokens"] = tuple(t.strip() for t in env[ENV_TOKEN].split(",") if t.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "tokens" in values and not isinstance(values["tokens"], tuple):
            values["tokens"] = tuple(values["tokens"])
        values.setdefault("tokens", ())
        if problems:
            raise GatewayConfigError(problems)
        return cls(**values)

    def with_port(self, port: int) -> GatewayConfig:
        """The same configuration on another port."""
        return replace(self, port=port)
