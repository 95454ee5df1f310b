"""Pair-code login: linking a companion by typing an eight-character code on the phone.

Theory of operation
-------------------

Instead of scanning a QR code, the person types on the phone a code the companion shows. The
code never crosses the network; it is the password that hides each side's ephemeral key from
the server:

1. *companion_hello* (an ``<iq xmlns="md">`` the companion sends while it is being offered QR
   refs): the phone number to link to, our Noise public key, the platform, and our *ephemeral*
   public key *wrapped* with the code: ``salt(32) ‖ iv(16) ‖ AES-256-CTR(key, iv)(public)``,
   the key being PBKDF2-HMAC-SHA256 of the code's ASCII under ``salt``, 131,072 iterations.
   The server answers with a ``ref``.
2. When the code is typed, the phone's side reaches us as ``<notification
   type="link_code_companion_reg">``: the ``ref``, the phone's identity public key and its
   own ephemeral public key, wrapped the same way.
3. *companion_finish*: with ``S_eph`` = X25519(our ephemeral, theirs) we encrypt a *key
   bundle* (our identity public key ‖ the phone's ‖ 32 random bytes ``R``) under
   HKDF(``S_eph``, random salt, ``"link_code_pairing_key_bundle_encryption_key"``) with
   AES-256-GCM, and send it with our identity key and the ``ref``. Both sides then derive the
   ADV secret as HKDF(``S_eph`` ‖ X25519(identity, their identity) ‖ ``R``, info
   ``"adv_secret"``): it replaces the random secret a QR code carries and verifies the
   ``<pair-success>`` that follows, exactly as after a scan.

`PairCodeCompanion` is our side, sans-IO: it builds the two IQs and turns the notification
into the finish and the ADV secret. `PairCodePrimary` is the phone's side, for the simulator
and the tests: it reads the hello, makes the notification, and checks the finish. The code's
alphabet leaves out 0, I, O and U; `new_pair_code` draws 40 random bits. Every malformed
input raises `PairCodeError` naming what is wrong.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Final, final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from wabus.core import Jid, Node, NodeAttributeError, Server
from wabus.protocol._connection import SERVER_JID
from wabus.protocol._errors import PairCodeError
from wabus.protocol._keys import KeyPair

__all__ = [
    "PAIR_CODE_ALPHABET",
    "PAIR_CODE_LIFETIME",
    "PAIR_CODE_NOTIFICATION",
    "PairCodeCompanion",
    "PairCodeHello",
    "PairCodePrimary",
    "new_pair_code",
    "phone_number_jid",
    "unwrap_key",
    "wrap_key",
]

PAIR_CODE_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"
"""The 32 characters of a pairing code (5 bits each; no 0, I, O or U)."""
PAIR_CODE_LIFETIME: Final = 180.0
"""Seconds a pairing code may be typed after it is shown."""
PAIR_CODE_NOTIFICATION: Final = "link_code_companion_reg"
"""The tag of the hello and finish IQs' child, and the ``type`` of the phone's notification."""

_CODE = re.compile(f"[{PAIR_CODE_ALPHABET}]{{8}}")
_ITERATIONS: Final = 2 << 16
_SALT: Final = 32
_IV: Final = 16
_KEY: Final = 32
_NONCE: Final = 12
_WRAPPED: Final = _SALT + _IV + _KEY
_BUNDLE_INFO: Final = b"link_code_pairing_key_bundle_encryption_key"
_ADV_INFO: Final = b"adv_secret"


def new_pair_code() -> str:
    """A fresh random pairing code: eight characters of `PAIR_CODE_ALPHABET` (40 bits)."""
    value = int.from_bytes(os.urandom(5), "big")
    return "".join(PAIR_CODE_ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5))


def _checked_code(code: str) -> str:
    normal = code.replace("-", "").upper()
    if not _CODE.fullmatch(normal):
        raise PairCodeError(
            f"a pairing code is 8 characters of {PAIR_CODE_ALPHABET} (a dash may split it),"
            f" got {code!r}"
        )
    return normal


def phone_number_jid(number: str) -> Jid:
    """The account JID of a phone number given in international form (``+`` and spaces, dots,
    dashes and brackets allowed): more than 6 digits, no leading 0."""
    digits = re.sub(r"[\s().+-]", "", number)
    if not digits.isascii() or not digits.isdigit():
        raise PairCodeError(f"a phone number has digits only, got {number!r}")
    if len(digits) <= 6 or digits.startswith("0"):
        raise PairCodeError(
            f"a phone number is in international form, more than 6 digits and no leading 0"
            f" (country code first), got {number!r}"
        )
    return Jid(digits, Server.USER)


def _code_key(code: str, salt: bytes) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=_KEY, salt=salt, iterations=_ITERATIONS)
    return kdf.derive(code.encode("ascii"))


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    coder = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return coder.update(data) + coder.finalize()


def wrap_key(code: str, public: bytes) -> bytes:
    """A 32-byte public key hidden with the pairing code: ``salt ‖ iv ‖ AES-CTR(public)``."""
    if len(public) != _KEY:
        raise PairCodeError(f"a public key has {_KEY} bytes, got {len(public)}")
    salt, iv = os.urandom(_SALT), os.urandom(_IV)
    return salt + iv + _ctr(_code_key(_checked_code(code), salt), iv, public)


def unwrap_key(code: str, wrapped: bytes) -> bytes:
    """The public key `wrap_key` hid. A wrong code gives a wrong key, not an error (nothing in
    the wrapping can tell): the key bundle's authentication catches it later."""
    if len(wrapped) != _WRAPPED:
        raise PairCodeError(f"a wrapped key has {_WRAPPED} bytes, got {len(wrapped)}")
    salt, iv, body = wrapped[:_SALT], wrapped[_SALT : _SALT + _IV], wrapped[_SALT + _IV :]
    return _ctr(_code_key(_checked_code(code), salt), iv, body)


def _hkdf(material: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=_KEY, salt=salt, info=info).derive(material)


def _child(parent: Node, tag: str, size: int | None = None) -> bytes:
    child = parent.child(tag)
    if child is None or not isinstance(child.content, bytes):
        raise PairCodeError(f"<{parent.tag}> has no <{tag}> with bytes")
    if size is not None and len(child.content) != size:
        raise PairCodeError(f"<{tag}> has {len(child.content)} bytes, expected {size}")
    return child.content


def _registration(node: Node, stage: str | None = None) -> Node:
    reg = node.child(PAIR_CODE_NOTIFICATION)
    if reg is None:
        raise PairCodeError(f"<{node.tag}> has no <{PAIR_CODE_NOTIFICATION}>")
    if stage is not None and reg.opt_attr("stage") != stage:
        raise PairCodeError(f"expected stage {stage!r}, got {reg.opt_attr('stage')!r}")
    return reg


def _bundle_key(shared: bytes, salt: bytes) -> bytes:
    return _hkdf(shared, _BUNDLE_INFO, salt)


def _agree(pair: KeyPair, public: bytes, what: str) -> bytes:
    try:
        return pair.agree(public)
    except ValueError as err:  # a low-order point: no shared secret
        raise PairCodeError(f"{what} is not a usable public key ({err})") from None


@final
class PairCodeCompanion:
    """Our side of a pair-code login (see the module doc); one per attempt.

    `phone` is the account to link to (`phone_number_jid`), `code` the code to show (a fresh
    one by default), `noise_public` our Noise static key, `identity` our identity key pair.
    """

    def __init__(
        self,
        phone: Jid,
        *,
        noise_public: bytes,
        identity: KeyPair,
        code: str | None = None,
        platform_id: str = "1",
        platform_display: str = "Chrome (Linux)",
    ) -> None:
        self.phone = phone.to_non_ad()
        self.code: Final = _checked_code(code) if code is not None else new_pair_code()
        """The code to show, normalised (upper case, no dash)."""
        self._noise_public = noise_public
        self._identity = identity
        self._ephemeral = KeyPair.generate()
        self._platform = (platform_id, platform_display)
        self.ref: bytes | None = None
        """The server's ref for this attempt, once the hello's reply is read."""

    def hello(self) -> Node:
        """The ``companion_hello`` IQ (send it with a request id; `accept_hello_reply` reads
        the answer). The key wrapping runs PBKDF2: about a tenth of a second of CPU."""
        platform_id, platform_display = self._platform
        return Node(
            "iq",
            {"to": SERVER_JID, "type": "set", "xmlns": "md"},
            [
                Node(
                    PAIR_CODE_NOTIFICATION,
                    {
                        "jid": self.phone,
                        "stage": "companion_hello",
                        "should_show_push_notification": "true",
                    },
                    [
                        Node(
                            "link_code_pairing_wrapped_companion_ephemeral_pub",
                            None,
                            wrap_key(self.code, self._ephemeral.public),
                        ),
                        Node("companion_server_auth_key_pub", None, self._noise_public),
                        Node("companion_platform_id", None, platform_id),
                        Node("companion_platform_display", None, platform_display),
                        Node("link_code_pairing_nonce", None, "0"),
                    ],
                )
            ],
        )

    def accept_hello_reply(self, reply: Node) -> bytes:
        """Keep the ``ref`` the server's result carries; returns it."""
        if reply.opt_attr("type") != "result":
            error = reply.child("error")
            detail = f" {error.opt_attr('code')} {error.opt_attr('text')}" if error else ""
            raise PairCodeError(f"the server refused the pairing code request:{detail}")
        self.ref = _child(_registration(reply), "link_code_pairing_ref")
        return self.ref

    def finish(self, notification: Node) -> tuple[Node, bytes]:
        """From the phone's notification: the ``companion_finish`` IQ and the ADV secret that
        will verify the pair-success."""
        reg = _registration(notification)
        ref = _child(reg, "link_code_pairing_ref")
        if self.ref is not None and ref != self.ref:
            raise PairCodeError("the notification's ref is not the one the server gave us")
        primary_identity = _child(reg, "primary_identity_pub", _KEY)
        wrapped = _child(reg, "link_code_pairing_wrapped_primary_ephemeral_pub", _WRAPPED)
        primary_ephemeral = unwrap_key(self.code, wrapped)
        shared = _agree(self._ephemeral, primary_ephemeral, "the phone's ephemeral key")
        secret = os.urandom(_KEY)
        salt, nonce = os.urandom(_SALT), os.urandom(_NONCE)
        bundle = self._identity.public + primary_identity + secret
        sealed = AESGCM(_bundle_key(shared, salt)).encrypt(nonce, bundle, None)
        identity_shared = _agree(self._identity, primary_identity, "the phone's identity key")
        adv_secret = _hkdf(shared + identity_shared + secret, _ADV_INFO)
        node = Node(
            "iq",
            {"to": SERVER_JID, "type": "set", "xmlns": "md"},
            [
                Node(
                    PAIR_CODE_NOTIFICATION,
                    {"jid": self.phone, "stage": "companion_finish"},
                    [
                        Node("link_code_pairing_wrapped_key_bundle", None, salt + nonce + sealed),
                        Node("companion_identity_public", None, self._identity.public),
                        Node("link_code_pairing_ref", None, ref),
                    ],
                )
            ],
        )
        return node, adv_secret


@dataclass(frozen=True, slots=True)
class PairCodeHello:
    """What a ``companion_hello`` says (the phone's side reads it)."""

    phone: Jid
    """The account the companion asks to be linked to."""
    wrapped_ephemeral: bytes
    noise_public: bytes
    """The companion's Noise static key (its connection's)."""
    platform_id: str
    platform_display: str

    @classmethod
    def parse(cls, iq: Node) -> PairCodeHello:
        """Read a hello IQ; raises `PairCodeError`."""
        reg = _registration(iq, "companion_hello")
        try:
            phone = reg.jid("jid")
        except NodeAttributeError as err:
            raise PairCodeError(f"the hello names no account: {err}") from None
        if phone.server is not Server.USER or phone.device:
            raise PairCodeError(f"the hello names no phone-number account: {phone}")
        platform = reg.child("companion_platform_id")
        display = reg.child("companion_platform_display")
        return cls(
            phone=phone,
            wrapped_ephemeral=_child(
                reg, "link_code_pairing_wrapped_companion_ephemeral_pub", _WRAPPED
            ),
            noise_public=_child(reg, "companion_server_auth_key_pub", _KEY),
            platform_id=_text(platform),
            platform_display=_text(display),
        )


def _text(node: Node | None) -> str:
    if node is None:
        return ""
    content = node.content
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


@final
class PairCodePrimary:
    """The phone's side of a pair-code login, for the simulator and the tests.

    Made from the companion's hello and a ``ref``; `enter` is the person typing `code` on the
    phone (it returns the notification to send); `finish` checks the companion's finish and
    returns the ADV secret both sides now share.
    """

    def __init__(self, hello: PairCodeHello, ref: bytes, identity: KeyPair) -> None:
        self.hello = hello
        self.ref = ref
        self._identity = identity
        self._ephemeral = KeyPair.generate()
        self._companion_ephemeral: bytes | None = None

    def enter(self, code: str) -> Node:
        """The ``link_code_companion_reg`` notification the server sends once `code` is typed
        (a wrong code is found out only at `finish`, as on a real phone)."""
        self._companion_ephemeral = unwrap_key(code, self.hello.wrapped_ephemeral)
        return Node(
            "notification",
            {"from": SERVER_JID, "type": PAIR_CODE_NOTIFICATION},
            [
                Node(
                    PAIR_CODE_NOTIFICATION,
                    {"stage": "primary_hello"},
                    [
                        Node("link_code_pairing_ref", None, self.ref),
                        Node("primary_identity_pub", None, self._identity.public),
                        Node(
                            "link_code_pairing_wrapped_primary_ephemeral_pub",
                            None,
                            wrap_key(code, self._ephemeral.public),
                        ),
                    ],
                )
            ],
        )

    def finish(self, iq: Node) -> tuple[bytes, bytes]:
        """Check a ``companion_finish``: returns (the companion's identity key, the ADV
        secret); raises `PairCodeError` if the bundle does not open (a wrong code) or does not
        name both identities."""
        if self._companion_ephemeral is None:
            raise PairCodeError("no code was entered for this pairing")
        reg = _registration(iq, "companion_finish")
        if _child(reg, "link_code_pairing_ref") != self.ref:
            raise PairCodeError("the finish names another pairing's ref")
        identity = _child(reg, "companion_identity_public", _KEY)
        wrapped = _child(reg, "link_code_pairing_wrapped_key_bundle")
        if len(wrapped) < _SALT + _NONCE + 16:
            raise PairCodeError(f"the key bundle is too short ({len(wrapped)} bytes)")
        salt, nonce, sealed = (
            wrapped[:_SALT],
            wrapped[_SALT : _SALT + _NONCE],
            wrapped[_SALT + _NONCE :],
        )
        shared = _agree(self._ephemeral, self._companion_ephemeral, "the companion's key")
        try:
            bundle = AESGCM(_bundle_key(shared, salt)).decrypt(nonce, sealed, None)
        except InvalidTag:
            raise PairCodeError("the key bundle does not open: the code was wrong") from None
        if len(bundle) != 3 * _KEY:
            raise PairCodeError(f"the key bundle has {len(bundle)} bytes, expected {3 * _KEY}")
        if bundle[:_KEY] != identity or bundle[_KEY : 2 * _KEY] != self._identity.public:
            raise PairCodeError("the key bundle names other identity keys")
        identity_shared = _agree(self._identity, identity, "the companion's identity key")
        return identity, _hkdf(shared + identity_shared + bundle[2 * _KEY :], _ADV_INFO)
