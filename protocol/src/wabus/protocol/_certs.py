"""The server's certificate chain: checked by the client, issued by the simulator.

The Noise payload of the server's hello is a ``CertChain``: an intermediate certificate signed
by a root, and a leaf signed by the intermediate, each a ``NoiseCertificate`` (serialised
``Details`` and an XEdDSA signature over them). `CertificateVerifier` checks, and refuses with
`CertificateInvalid` saying which check failed:

1. both certificates are present and their details parse;
2. the intermediate names a trusted root as its issuer, and that root's key signed it;
3. the intermediate's key is 32 bytes, and it signed the leaf, which names it as issuer;
4. the leaf's key is the static key the server used in the handshake;
5. now lies within both certificates' validity windows (when they have one).

Which roots are trusted is configuration: `WHATSAPP_ROOT` (the real one) by default; a client
talking to the simulator trusts the simulator's root instead. `issue_chain` builds a chain
(for the simulator and for tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, final

from google.protobuf.message import DecodeError

from wabus.proto.cert_pb2 import CertChain
from wabus.protocol._clock import utc_now
from wabus.protocol._errors import CertificateInvalid
from wabus.protocol._keys import KEY_SIZE, KeyPair, xeddsa_verify

__all__ = [
    "WHATSAPP_ROOT",
    "CertificateVerifier",
    "TrustedRoot",
    "issue_chain",
]

Details = CertChain.NoiseCertificate.Details


@dataclass(frozen=True, slots=True)
class TrustedRoot:
    """A root key that may sign intermediate certificates, and its serial number."""

    serial: int
    key: bytes


WHATSAPP_ROOT: Final = TrustedRoot(
    serial=0,
    key=bytes.fromhex("142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b"),
)
"""WhatsApp's production root (issuer "WhatsAppLongTerm1", serial 0)."""


def _within(details: Details, now: int, which: str) -> None:
    if details.notBefore and now < details.notBefore:
        raise CertificateInvalid(f"the {which} certificate is not valid yet")
    if details.notAfter and now > details.notAfter:
        raise CertificateInvalid(f"the {which} certificate has expired")


@final
class CertificateVerifier:
    """Checks a server's certificate chain against trusted roots (see the module doc).

    Call it as ``verifier(server_static, chain_bytes)``; it returns if the chain is good and
    raises `CertificateInvalid` otherwise. `clock` gives the time to check validity against.
    """

    __slots__ = ("_clock", "_roots")

    def __init__(
        self,
        roots: Iterable[TrustedRoot] = (WHATSAPP_ROOT,),
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._roots = {root.serial: root.key for root in roots}
        if not self._roots:
            raise ValueError("trust at least one root")
        self._clock = clock

    def __call__(self, server_static: bytes, chain: bytes) -> None:
        try:
            parsed = CertChain.FromString(chain)
            if not parsed.HasField("leaf") or not parsed.HasField("intermediate"):
                raise CertificateInvalid("the chain needs a leaf and an intermediate")
            intermediate = Details.FromString(parsed.intermediate.details)
            leaf = Details.FromString(parsed.leaf.details)
        except DecodeError as err:
            raise CertificateInvalid(f"the chain does not parse ({err})") from None
        root_key = self._roots.get(intermediate.issuerSerial)
        if root_key is None:
            raise CertificateInvalid(
                f"the intermediate is issued by root {intermediate.issuerSerial}, not a trusted one"
            )
        if not xeddsa_verify(root_key, parsed.intermediate.details, parsed.intermediate.signature):
            raise CertificateInvalid("the intermediate's signature does not verify")
        if len(intermediate.key) != KEY_SIZE:
            raise CertificateInvalid("the intermediate's key is not 32 bytes")
        if leaf.issuerSerial != intermediate.serial:
            raise CertificateInvalid("the leaf is not issued by the intermediate")
        if not xeddsa_verify(intermediate.key, parsed.leaf.details, parsed.leaf.signature):
            raise CertificateInvalid("the leaf's signature does not verify")
        if leaf.key != server_static:
            raise CertificateInvalid("the leaf's key is not the server's static key")
        now = int(self._clock().timestamp())
        _within(intermediate, now, "intermediate")
        _within(leaf, now, "leaf")


def issue_chain(
    root: KeyPair,
    intermediate: KeyPair,
    server_static: bytes,
    *,
    root_serial: int = 0,
    intermediate_serial: int = 1,
    leaf_serial: int = 2,
    not_before: int = 0,
    not_after: int = 0,
) -> bytes:
    """A serialised ``CertChain`` for `server_static`, signed root → intermediate → leaf."""
    chain = CertChain()
    chain.intermediate.details = Details(
        serial=intermediate_serial,
        issuerSerial=root_serial,
        key=intermediate.public,
        notBefore=not_before,
        notAfter=not_after,
    ).SerializeToString()
    chain.intermediate.signature = root.sign(chain.intermediate.details)
    chain.leaf.details = Details(
        serial=leaf_serial,
        issuerSerial=intermediate_serial,
        key=server_static,
        notBefore=not_before,
        notAfter=not_after,
    ).SerializeToString()
    chain.leaf.signature = intermediate.sign(chain.leaf.details)
    return chain.SerializeToString()
