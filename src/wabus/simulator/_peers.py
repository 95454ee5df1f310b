"""The simulated phones and contacts as Signal peers: they encrypt and decrypt for real.

Every simulated device (an account's phone, a contact) owns a Signal identity
(`SimulatedKeys`) and a `SignalCipher` over its own in-memory store. To write to a companion
it starts a session from the bundle the companion uploaded, exactly as a real phone would
after fetching it from the server, and encrypts (``pkmsg`` first, ``msg`` once the companion
answered). What companions send to it, it decrypts; tests read the plaintext (`Simulator`'s
`expect_sent` and `received_messages`). The server part of the simulator never sees any of
this: it routes ``<enc>`` nodes it cannot read, as WhatsApp's servers do.

Groups: each simulated sender has a sender key per group; its distribution message goes to
each companion device pairwise (inside the same stanza's ``<participants>``) until that device
has it, and the group message itself is one ``skmsg``.
"""

from __future__ import annotations

from typing import Final

from wabus.core import Jid, Node
from wabus.protocol import (
    MemorySignalStore,
    PreKeyBundle,
    ProtocolAddress,
    SenderKeyName,
    SignalCipher,
    enc_node,
    pad,
    read_enc,
    unpad_for_version,
)
from wabus.simulator._accounts import Device

__all__ = ["Peers"]

_SKDM_FIELD: Final = 2  # wa.Message.senderKeyDistributionMessage


class Peers:
    """The Signal side of every simulated device, created when first needed."""

    def __init__(self) -> None:
        self._ciphers: dict[int, SignalCipher] = {}
        self._distributed: dict[tuple[int, Jid], set[Jid]] = {}

    def cipher(self, device: Device) -> SignalCipher:
        """The device's cipher (its store holds its identity, signed prekey and prekeys)."""
        cipher = self._ciphers.get(id(device))
        if cipher is None:
            keys = device.simulated
            if keys is None:
                raise ValueError(f"{device.jid} is a companion, not a simulated device")
            store = MemorySignalStore(keys.identity, keys.signed)
            store.put_prekeys(keys.prekeys.values())
            cipher = SignalCipher(store)
            self._ciphers[id(device)] = cipher
        return cipher

    def encrypt(self, sender: Device, recipient: Device, address: Jid, plaintext: bytes) -> Node:
        """An ``<enc>`` of `plaintext` (padded) from `sender` to the companion `recipient`,
        addressed as `address` (its phone-number or LID device JID)."""
        cipher = self.cipher(sender)
        target = ProtocolAddress.from_jid(address)
        if not cipher.has_session(target):
            keys = recipient.bundle_keys
            if keys is None:
                raise ValueError(f"{recipient.jid} has uploaded no keys")
            one_time = keys.take_prekey()
            cipher.start_session(
                target,
                PreKeyBundle(
                    registration_id=keys.registration_id,
                    identity_key=keys.identity,
                    signed_prekey_id=keys.signed_prekey_id,
                    signed_prekey=keys.signed_prekey,
                    signed_prekey_signature=keys.signed_prekey_signature,
                    prekey_id=None if one_time is None else one_time[0],
                    prekey=None if one_time is None else one_time[1],
                ),
            )
        encrypted = cipher.encrypt(target, pad(plaintext))
        return enc_node(encrypted.kind, encrypted.body)

    def restart(self, sender: Device, address: Jid, bundle: PreKeyBundle) -> None:
        """Start a new session from `sender` to the companion at `address` from `bundle` (the
        keys a companion sends with a retry receipt); its signature is checked."""
        self.cipher(sender).start_session(ProtocolAddress.from_jid(address), bundle)

    def forget(self, sender: Device, address: Jid) -> None:
        """Drop `sender`'s session with `address`: the next message starts a new one from the
        companion's published bundle (what a phone does on a repeated retry)."""
        self.cipher(sender).store.put_session(ProtocolAddress.from_jid(address), None)

    def decrypt(self, recipient: Device, sender: Jid, enc: Node) -> bytes:
        """The plaintext (unpadded) of an ``<enc>`` a companion `sender` sent to `recipient`."""
        payload = read_enc(enc)
        cipher = self.cipher(recipient)
        if payload.kind == "skmsg":
            raise ValueError("a group message is decrypted with decrypt_group")
        decrypted = cipher.decrypt(ProtocolAddress.from_jid(sender), payload.kind, payload.body)
        return unpad_for_version(decrypted.plaintext, payload.version)

    def decrypt_group(self, recipient: Device, group: Jid, sender: Jid, enc: Node) -> bytes:
        """The plaintext of a companion's ``skmsg`` in `group`, by `recipient`'s sender keys."""
        payload = read_enc(enc)
        name = SenderKeyName(str(group), ProtocolAddress.from_jid(sender))
        decrypted = self.cipher(recipient).group_decrypt(name, payload.body)
        return unpad_for_version(decrypted.plaintext, payload.version)

    def take_sender_key(
        self, recipient: Device, group: Jid, sender: Jid, distribution: bytes
    ) -> None:
        """Store a member's sender key (from a decrypted ``senderKeyDistributionMessage``)."""
        name = SenderKeyName(str(group), ProtocolAddress.from_jid(sender))
        self.cipher(recipient).process_group_key(name, distribution)

    def group_key(self, sender: Device, sender_jid: Jid, group: Jid) -> bytes:
        """`sender`'s sender key distribution message for `group` (made on first use)."""
        name = SenderKeyName(str(group), ProtocolAddress.from_jid(sender_jid))
        distribution, _ = self.cipher(sender).group_key(name)
        return distribution

    def needs_sender_key(self, sender: Device, group: Jid, device: Jid) -> bool:
        """Whether `device` has not been given `sender`'s key for `group` yet (and note that it
        now will be)."""
        given = self._distributed.setdefault((id(sender), group), set())
        if device in given:
            return False
        given.add(device)
        return True

    def encrypt_group(self, sender: Device, sender_jid: Jid, group: Jid, plaintext: bytes) -> Node:
        """The ``skmsg`` of `plaintext` (padded) from `sender` in `group`."""
        name = SenderKeyName(str(group), ProtocolAddress.from_jid(sender_jid))
        encrypted = self.cipher(sender).group_encrypt(name, pad(plaintext))
        return enc_node(encrypted.kind, encrypted.body)
