"""Noise: the XX handshake (initiator and responder) and the transport ciphers, sans-IO.

Theory of operation
-------------------

WhatsApp runs ``Noise_XX_25519_AESGCM_SHA256`` with the prologue ``'W' 'A' 6 3``:

- ``h`` starts as the pattern name padded with zeros to 32 bytes, and so does the chaining
  key; MixHash is ``h = SHA-256(h || data)``.
- MixKey is HKDF-SHA256 with the chaining key as salt and the DH output as input, 64 bytes, no
  info: the chaining key, then a new cipher key (its counter back to 0).
- Handshake encryption is AES-256-GCM, nonce = 8 zero bytes + the 32-bit big-endian counter,
  additional data = ``h``; ``h`` then absorbs the ciphertext.
- Split: HKDF of the chaining key with no input, 64 bytes: the initiator's sending key, then
  its receiving key. Transport encryption uses the same nonce layout, no additional data, and
  one counter per direction; a counter that would pass 2**32 - 1 is an error.

Messages: 1 ``e`` (client → server), 2 ``e, ee, s, es`` + payload (the server's certificate
chain), 3 ``s, se`` + payload (the client's ``ClientPayload``). WhatsApp carries the pieces of
each message in ``HandshakeMessage`` protobuf fields instead of concatenating them, and differs
from standard Noise in one step: the first message has no payload at all, so ``h`` does not
absorb an empty one. With ``standard_noise=True`` both handshake classes hash it as standard
Noise does, which is how the tests interoperate with an independent implementation.

`ClientHandshake` and `ServerHandshake` are state machines over those messages: each step is
allowed in exactly one state (a table), a step out of order raises `NoiseStateError` and a bad
peer message a `HandshakeFailed` (or `NoiseDecryptError`, for a bad tag), after which the
handshake is dead. Both end in a `NoiseTransport`.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from typing import Final, final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from google.protobuf.message import DecodeError

from wabus.proto.handshake_pb2 import HandshakeMessage
from wabus.protocol._errors import (
    HandshakeFailed,
    NoiseDecryptError,
    NoiseStateError,
    RemoteWireError,
)
from wabus.protocol._frame import CONNECTION_HEADER
from wabus.protocol._keys import KEY_SIZE, KeyPair

__all__ = [
    "NOISE_PATTERN",
    "ClientHandshake",
    "NoiseTransport",
    "ServerHandshake",
    "SymmetricState",
]

NOISE_PATTERN: Final = b"Noise_XX_25519_AESGCM_SHA256\x00\x00\x00\x00"
"""The pattern name, padded to 32 bytes: the initial ``h`` and chaining key."""

_MAX_NONCE: Final = 2**32 - 1
_TAG: Final = 16


def _nonce(counter: int) -> bytes:
    return b"\x00" * 8 + counter.to_bytes(4, "big")


def _hkdf(salt: bytes, ikm: bytes) -> tuple[bytes, bytes]:
    out = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=b"").derive(ikm)
    return out[:32], out[32:]


@final
class SymmetricState:
    """Noise's symmetric state: chaining key, handshake hash and the current cipher key."""

    __slots__ = ("chaining_key", "counter", "hash", "key")

    def __init__(self, pattern: bytes = NOISE_PATTERN, prologue: bytes = CONNECTION_HEADER) -> None:
        if len(pattern) > 32:
            pattern = hashlib.sha256(pattern).digest()
        self.hash = pattern.ljust(32, b"\x00")
        self.chaining_key = self.hash
        self.key: AESGCM | None = None
        self.counter = 0
        self.mix_hash(prologue)

    def mix_hash(self, data: bytes) -> None:
        """``h = SHA-256(h || data)``."""
        self.hash = hashlib.sha256(self.hash + data).digest()

    def mix_key(self, input_key_material: bytes) -> None:
        """New chaining key and cipher key from a DH output; the counter starts again at 0."""
        self.chaining_key, key = _hkdf(self.chaining_key, input_key_material)
        self.key = AESGCM(key)
        self.counter = 0

    def _next_nonce(self) -> bytes:
        if self.counter > _MAX_NONCE:
            raise NoiseStateError("the handshake cipher's counter is exhausted")
        nonce = _nonce(self.counter)
        self.counter += 1
        return nonce

    def encrypt_and_hash(self, plaintext: bytes) -> bytes:
        """Encrypt with ``h`` as additional data (plaintext before the first MixKey)."""
        if self.key is None:
            ciphertext = plaintext
        else:
            ciphertext = self.key.encrypt(self._next_nonce(), plaintext, self.hash)
        self.mix_hash(ciphertext)
        return ciphertext

    def decrypt_and_hash(self, ciphertext: bytes) -> bytes:
        """Decrypt with ``h`` as additional data; raises `NoiseDecryptError` for a bad tag."""
        if self.key is None:
            plaintext = ciphertext
        else:
            counter = self.counter
            try:
                plaintext = self.key.decrypt(self._next_nonce(), ciphertext, self.hash)
            except InvalidTag:
                raise NoiseDecryptError(counter) from None
        self.mix_hash(ciphertext)
        return plaintext

    def split(self) -> tuple[bytes, bytes]:
        """The two transport keys: the initiator's sending key, then its receiving key."""
        return _hkdf(self.chaining_key, b"")


@final
class NoiseTransport:
    """Encrypts and decrypts transport messages, one counter per direction.

    Frames must be decrypted in the order they were sent: a replayed, dropped or reordered
    frame fails to authenticate (`NoiseDecryptError`), and so does every frame after it.
    """

    __slots__ = ("_read", "_read_counter", "_write", "_write_counter")

    def __init__(self, send_key: bytes, receive_key: bytes) -> None:
        self._write = AESGCM(send_key)
        self._read = AESGCM(receive_key)
        self._write_counter = 0
        self._read_counter = 0

    def encrypt(self, plaintext: bytes) -> bytes:
        """The ciphertext of one outgoing message."""
        if self._write_counter > _MAX_NONCE:
            raise NoiseStateError("the sending counter is exhausted; reconnect")
        ciphertext = self._write.encrypt(_nonce(self._write_counter), plaintext, None)
        self._write_counter += 1
        return ciphertext

    def decrypt(self, ciphertext: bytes) -> bytes:
        """The plaintext of the next incoming message; `NoiseDecryptError` if it is not it."""
        counter = self._read_counter
        if counter > _MAX_NONCE:
            raise NoiseStateError("the receiving counter is exhausted; reconnect")
        try:
            plaintext = self._read.decrypt(_nonce(counter), ciphertext, None)
        except InvalidTag:
            raise NoiseDecryptError(counter) from None
        self._read_counter = counter + 1
        return plaintext

    @property
    def counters(self) -> tuple[int, int]:
        """(messages sent, messages received) so far."""
        return self._write_counter, self._read_counter


class _Step(enum.Enum):
    START = "start"
    HELLO = "hello"  # client: ClientHello sent / server: ClientHello read
    SERVER_HELLO = "server_hello"  # client: ServerHello read / server: ServerHello sent
    DONE = "done"
    FAILED = "failed"


# Which step each operation needs, and where it leaves the handshake.
_CLIENT_TABLE: Final = {
    "client_hello": (_Step.START, _Step.HELLO),
    "receive_server_hello": (_Step.HELLO, _Step.SERVER_HELLO),
    "client_finish": (_Step.SERVER_HELLO, _Step.DONE),
}
_SERVER_TABLE: Final = {
    "receive_client_hello": (_Step.START, _Step.HELLO),
    "server_hello": (_Step.HELLO, _Step.SERVER_HELLO),
    "receive_client_finish": (_Step.SERVER_HELLO, _Step.DONE),
}


def _parse(data: bytes, field: str) -> HandshakeMessage:
    try:
        message = HandshakeMessage.FromString(data)
    except DecodeError as err:
        raise HandshakeFailed(f"not a HandshakeMessage ({err})") from None
    if not message.HasField(field):
        raise HandshakeFailed(f"the HandshakeMessage has no {field}")
    return message


class _Handshake:
    _table: dict[str, tuple[_Step, _Step]]

    def __init__(
        self, static: KeyPair, ephemeral: KeyPair | None, standard_noise: bool = False
    ) -> None:
        self._standard = standard_noise
        self._state = SymmetricState()
        self._static = static
        self._ephemeral = ephemeral or KeyPair.generate()
        self._step = _Step.START
        self._remote_static: bytes | None = None
        self._remote_ephemeral: bytes | None = None

    @property
    def hash(self) -> bytes:
        """The handshake hash ``h`` so far."""
        return self._state.hash

    @property
    def remote_static(self) -> bytes | None:
        """The peer's static public key, once learned."""
        return self._remote_static

    def _enter(self, operation: str) -> None:
        needed, _ = self._table[operation]
        if self._step is not needed:
            raise NoiseStateError(
                f"{operation} needs the handshake in state {needed.value}, it is {self._step.value}"
            )

    def _leave(self, operation: str) -> None:
        self._step = self._table[operation][1]

    def _run(self, operation: str, step: Callable[[], bytes]) -> bytes:
        self._enter(operation)
        try:
            out = step()
        except (HandshakeFailed, NoiseDecryptError, RemoteWireError):
            self._step = _Step.FAILED
            raise
        self._leave(operation)
        return out

    def _agree(self, local: KeyPair, remote: bytes | None) -> bytes:
        if remote is None or len(remote) != KEY_SIZE:
            raise HandshakeFailed("a key of the peer is missing or not 32 bytes")
        try:
            return local.agree(remote)
        except ValueError as err:  # e.g. a low-order point: an all-zero shared secret
            raise HandshakeFailed(f"key agreement failed ({err})") from None

    def _transport(self, initiator: bool) -> NoiseTransport:
        if self._step is not _Step.DONE:
            raise NoiseStateError("the handshake is not finished")
        first, second = self._state.split()
        return NoiseTransport(first, second) if initiator else NoiseTransport(second, first)


@final
class ClientHandshake(_Handshake):
    """The initiator's side: ``client_hello()``, ``receive_server_hello(data)``,
    ``client_finish(payload)``, then ``transport()``.

    `verify_certificate` is called with the server's static key and its decrypted
    certificate-chain payload; it must raise (a `RemoteWireError`, e.g. `CertificateInvalid`)
    to refuse the server. `standard_noise`: see the module doc.
    """

    _table = _CLIENT_TABLE

    def __init__(
        self,
        static: KeyPair,
        verify_certificate: Callable[[bytes, bytes], None],
        *,
        ephemeral: KeyPair | None = None,
        standard_noise: bool = False,
    ) -> None:
        super().__init__(static, ephemeral, standard_noise)
        self._verify = verify_certificate

    def client_hello(self) -> bytes:
        """The first message (a serialised ``HandshakeMessage`` with ``clientHello``)."""

        def step() -> bytes:
            self._state.mix_hash(self._ephemeral.public)
            if self._standard:
                self._state.mix_hash(b"")  # standard Noise hashes the (empty) payload
            hello = HandshakeMessage()
            hello.clientHello.ephemeral = self._ephemeral.public
            return hello.SerializeToString()

        return self._run("client_hello", step)

    def receive_server_hello(self, data: bytes) -> None:
        """Read the server's reply: its keys and certificate chain (checked here)."""

        def step() -> bytes:
            hello = _parse(data, "serverHello").serverHello
            if len(hello.ephemeral) != KEY_SIZE:
                raise HandshakeFailed("the server's ephemeral key is not 32 bytes")
            self._remote_ephemeral = hello.ephemeral
            self._state.mix_hash(hello.ephemeral)
            self._state.mix_key(self._agree(self._ephemeral, hello.ephemeral))
            static = self._state.decrypt_and_hash(hello.static)
            if len(static) != KEY_SIZE:
                raise HandshakeFailed("the server's static key is not 32 bytes")
            self._remote_static = static
            self._state.mix_key(self._agree(self._ephemeral, static))
            certificate = self._state.decrypt_and_hash(hello.payload)
            self._verify(static, certificate)
            return b""

        self._run("receive_server_hello", step)

    def client_finish(self, payload: bytes) -> bytes:
        """The third message, carrying `payload` (a serialised ``ClientPayload``)."""

        def step() -> bytes:
            finish = HandshakeMessage()
            finish.clientFinish.static = self._state.encrypt_and_hash(self._static.public)
            self._state.mix_key(self._agree(self._static, self._remote_ephemeral))
            finish.clientFinish.payload = self._state.encrypt_and_hash(payload)
            return finish.SerializeToString()

        return self._run("client_finish", step)

    def transport(self) -> NoiseTransport:
        """The transport ciphers, once the handshake is done."""
        return self._transport(initiator=True)


@final
class ServerHandshake(_Handshake):
    """The responder's side (the simulator's): ``receive_client_hello(data)``,
    ``server_hello(certificate)``, ``receive_client_finish(data)``, then ``transport()``.

    `standard_noise`: see the module doc.
    """

    _table = _SERVER_TABLE

    def __init__(
        self,
        static: KeyPair,
        *,
        ephemeral: KeyPair | None = None,
        standard_noise: bool = False,
    ) -> None:
        super().__init__(static, ephemeral, standard_noise)

    def receive_client_hello(self, data: bytes) -> None:
        """Read the client's ephemeral key."""

        def step() -> bytes:
            hello = _parse(data, "clientHello").clientHello
            if len(hello.ephemeral) != KEY_SIZE:
                raise HandshakeFailed("the client's ephemeral key is not 32 bytes")
            self._remote_ephemeral = hello.ephemeral
            self._state.mix_hash(hello.ephemeral)
            if self._standard:
                self._state.mix_hash(b"")  # standard Noise hashes the (empty) payload
            return b""

        self._run("receive_client_hello", step)

    def server_hello(self, certificate: bytes) -> bytes:
        """The second message: our keys and `certificate` (a serialised ``CertChain``)."""

        def step() -> bytes:
            reply = HandshakeMessage()
            reply.serverHello.ephemeral = self._ephemeral.public
            self._state.mix_hash(self._ephemeral.public)
            self._state.mix_key(self._agree(self._ephemeral, self._remote_ephemeral))
            reply.serverHello.static = self._state.encrypt_and_hash(self._static.public)
            self._state.mix_key(self._agree(self._static, self._remote_ephemeral))
            reply.serverHello.payload = self._state.encrypt_and_hash(certificate)
            return reply.SerializeToString()

        return self._run("server_hello", step)

    def receive_client_finish(self, data: bytes) -> bytes:
        """Read the client's static key and payload; returns the payload (a ``ClientPayload``)."""

        def step() -> bytes:
            finish = _parse(data, "clientFinish").clientFinish
            static = self._state.decrypt_and_hash(finish.static)
            if len(static) != KEY_SIZE:
                raise HandshakeFailed("the client's static key is not 32 bytes")
            self._remote_static = static
            self._state.mix_key(self._agree(self._ephemeral, static))
            return self._state.decrypt_and_hash(finish.payload)

        return self._run("receive_client_finish", step)

    def transport(self) -> NoiseTransport:
        """The transport ciphers, once the handshake is done."""
        return self._transport(initiator=False)
