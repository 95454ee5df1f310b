"""The server's and the phone's side of the protocol, for simulators and tests.

A client never calls anything here: `wabus.protocol` holds what a companion device needs, and
this module the other ends of the same exchanges, so that a simulator (`wabus.simulator`) or a
test can play the server or the account's phone with the very code the client is checked
against. Client-side code must not import it (``tests/test_layering.py`` enforces this).

- The Noise handshake's responder: `ServerHandshake` (the client's is
  `wabus.protocol.ClientHandshake`; `wabus.protocol.Connection` in the server role drives it).
- The server's certificate chain: `issue_chain` signs the intermediate and leaf certificates
  that `wabus.protocol.CertificateVerifier` checks.
- QR pairing, the phone's side: `sign_device_identity` builds the signed device identity of a
  pair-success (which `wabus.protocol.AdvVerifier` checks); `verify_device_signature` is the
  server's check of the companion's answer in ``<pair-device-sign>``.
- Pair-code login, the phone's side: `PairCodeHello` reads the companion's first message and
  `PairCodePrimary` answers it (the companion is `wabus.protocol.PairCodeCompanion`).
- Media retry, the phone's side: `parse_media_retry_receipt` reads a companion's request (a
  `MediaRetryRequest`), `open_media_retry_request` checks its sealed body, and
  `media_retry_notification` builds the answer the companion reads with
  `wabus.protocol.parse_media_retry_notification`.
- App-state sync, the phone's side: `encode_snapshot` seals a whole collection as a newly
  linked device receives it (records from `wabus.protocol.encode_mutation`).
"""

from wabus.core import publicize
from wabus.protocol._appstate import encode_snapshot
from wabus.protocol._certs import issue_chain
from wabus.protocol._media_retry import (
    MediaRetryRequest,
    media_retry_notification,
    open_media_retry_request,
    parse_media_retry_receipt,
)
from wabus.protocol._noise import ServerHandshake
from wabus.protocol._pair_code import PairCodeHello, PairCodePrimary
from wabus.protocol._pairing import sign_device_identity, verify_device_signature

__all__ = [
    "MediaRetryRequest",
    "PairCodeHello",
    "PairCodePrimary",
    "ServerHandshake",
    "encode_snapshot",
    "issue_chain",
    "media_retry_notification",
    "open_media_retry_request",
    "parse_media_retry_receipt",
    "sign_device_identity",
    "verify_device_signature",
]

publicize(globals(), source="wabus.protocol")
