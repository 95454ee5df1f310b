"""Media encryption a piece at a time: the same bytes as all at once, every check still made,
and the upload URL's shape."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wabus.protocol import (
    MediaDecryptor,
    MediaEncryptor,
    MediaError,
    MediaType,
    decrypt_media,
    encrypt_media,
    upload_url,
)

KEY = bytes(range(32))


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    """`data` cut at the (sorted, deduplicated) offsets in `cuts`."""
    offsets = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *offsets], [*offsets, len(data)], strict=True)]


@settings(max_examples=60)
@given(
    st.binary(max_size=5000),
    st.lists(st.integers(0, 5000), max_size=8),
    st.lists(st.integers(0, 6000), max_size=8),
    st.sampled_from(list(MediaType)),
)
def test_piece_by_piece_is_the_same_as_all_at_once(
    data: bytes, cuts: list[int], reads: list[int], kind: MediaType
) -> None:
    whole = encrypt_media(data, kind, KEY)
    encryptor = MediaEncryptor(kind, KEY)
    stored = b"".join(encryptor.update(p) for p in pieces(data, cuts)) + encryptor.finalize()
    assert stored == whole.data
    fields = encryptor.result
    assert (fields.file_sha256, fields.file_enc_sha256, fields.file_length) == (
        whole.file_sha256,
        whole.file_enc_sha256,
        whole.file_length,
    )
    decryptor = MediaDecryptor(
        KEY, kind, file_enc_sha256=fields.file_enc_sha256, file_sha256=fields.file_sha256
    )
    plain = b"".join(decryptor.update(p) for p in pieces(stored, reads)) + decryptor.finalize()
    assert plain == data == decrypt_media(stored, KEY, kind)


@settings(max_examples=60)
@given(st.binary(min_size=1, max_size=300), st.integers(0, 10_000), st.integers(1, 255))
def test_any_change_to_the_stored_file_is_found(data: bytes, where: int, flip: int) -> None:
    stored = bytearray(encrypt_media(data, MediaType.IMAGE, KEY).data)
    stored[where % len(stored)] ^= flip
    decryptor = MediaDecryptor(KEY, MediaType.IMAGE)
    decryptor.update(bytes(stored))  # unchecked until the end
    with pytest.raises(MediaError):
        decryptor.finalize()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda b: b[:-1], "not AES-CBC ciphertext plus a MAC"),
        (lambda b: b[:5], "not AES-CBC ciphertext plus a MAC"),
        (lambda b: b"", "not AES-CBC ciphertext plus a MAC"),
        (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "MAC does not match"),
    ],
)
def test_a_broken_file_names_what_is_wrong(change: object, reason: str) -> None:
    stored = encrypt_media(b"hello world" * 10, MediaType.DOCUMENT, KEY).data
    decryptor = MediaDecryptor(KEY, MediaType.DOCUMENT)
    assert callable(change)
    decryptor.update(change(stored))
    with pytest.raises(MediaError, match=reason):
        decryptor.finalize()


def test_the_hashes_are_checked_when_given() -> None:
    media = encrypt_media(b"payload", MediaType.AUDIO, KEY)
    wrong_enc = MediaDecryptor(KEY, MediaType.AUDIO, file_enc_sha256=bytes(32))
    wrong_enc.update(media.data)
    with pytest.raises(MediaError, match="encrypted file's SHA-256"):
        wrong_enc.finalize()
    wrong_plain = MediaDecryptor(KEY, MediaType.AUDIO, file_sha256=bytes(32))
    wrong_plain.update(media.data)
    with pytest.raises(MediaError, match="decrypted file's SHA-256"):
        wrong_plain.finalize()


def test_each_side_is_used_once() -> None:
    encryptor = MediaEncryptor(MediaType.VIDEO)
    with pytest.raises(MediaError, match="not finalized"):
        _ = encryptor.result
    encryptor.finalize()
    assert len(encryptor.result.media_key) == 32
    with pytest.raises(MediaError, match="finalized"):
        encryptor.update(b"more")
    decryptor = MediaDecryptor(KEY, MediaType.VIDEO)
    decryptor.update(encrypt_media(b"", MediaType.VIDEO, KEY).data)
    assert decryptor.finalize() == b""
    with pytest.raises(MediaError, match="finalized"):
        decryptor.update(b"")


def test_the_upload_url_names_the_kind_the_file_and_the_token() -> None:
    digest = bytes(range(32))
    token = base64.urlsafe_b64encode(digest).decode()
    url = upload_url("mmg.whatsapp.net", MediaType.STICKER, digest, "a/b+c")
    quoted = token.replace("=", "%3D")
    assert url == f"https://mmg.whatsapp.net/mms/image/{token}?auth=a%2Fb%2Bc&token={quoted}"
    assert upload_url("h:1", MediaType.AUDIO, digest, "x", scheme="http").startswith(
        "http://h:1/mms/audio/"
    )
