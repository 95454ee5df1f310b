"""TLS for the simulator's media host: a certificate authority made at start, and a leaf it signs.

Real clients (Baileys among them) reach media servers over ``https://`` only. With
``Simulator(media_tls=True)`` the media host serves TLS with a leaf certificate for
``127.0.0.1`` (an IP SAN) and ``localhost``, signed by a fresh self-signed CA. `MediaTls`
holds both: `ca_pem` (and `ca_path`, the same PEM in a file, for ``NODE_EXTRA_CA_CERTS``),
`server_context` (what the host serves with) and `client_context` (one that trusts only this
CA, for ``Client(media_ssl=…)``). Keys are P-256; the files live in a temporary directory
removed with the object (or by `close`).
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import ssl
import tempfile
import weakref
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["MediaTls"]

_VALIDITY: Final = datetime.timedelta(days=2)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wabus simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class MediaTls:
    """A CA and a leaf for ``127.0.0.1``/``localhost`` it signed (see the module doc)."""

    def __init__(self) -> None:
        now = datetime.datetime.now(datetime.UTC)
        start, end = now - datetime.timedelta(hours=1), now + _VALIDITY
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("wabus simulator media CA")
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(_name("localhost"))
            .issuer_name(ca_name)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                        x509.DNSName("localhost"),
                    ]
                ),
                critical=False,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_pem = ca.public_bytes(serialization.Encoding.PEM)
        """The CA certificate (PEM): the one root a client must trust."""
        directory = Path(tempfile.mkdtemp(prefix="wabus-media-tls-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, directory, ignore_errors=True)
        self.ca_path = directory / "ca.pem"
        """`ca_pem` in a file (for ``NODE_EXTRA_CA_CERTS`` or ``cafile=``)."""
        self.ca_path.write_bytes(self.ca_pem)
        self._chain = directory / "leaf.pem"
        self._chain.write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + self.ca_pem)
        self._key = directory / "leaf.key"
        self._key.touch(mode=0o600)
        self._key.write_bytes(
            leaf_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    def server_context(self) -> ssl.SSLContext:
        """A server context presenting the leaf (and the CA after it)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._chain, self._key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA only (hostname checked, as by default)."""
        return ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))

    def close(self) -> None:
        """Remove the files (`ca_path` among them)."""
        self._cleanup()
