"""Media throughput: a 50 MiB file encrypted and decrypted as a stream, then uploaded to the
simulator's media host by a real `Client` and downloaded back to a file.

wabus, in a fresh Python process (``--measure``):

- encrypt: `MediaEncryptor` over the file read `CHUNK` bytes at a time (the client's chunk),
  each piece written to the encrypted file as it comes; decrypt: `MediaDecryptor` the same
  way back, checking the MAC and both SHA-256s at the end;
- the ceiling: the same loops written directly on ``cryptography`` (AES-256-CBC, PKCS#7,
  HMAC-SHA256 and both SHA-256s, same chunks, same files): the work with no library around
  it;
- for contrast, `encrypt_media` on the whole file in memory (bytes in, bytes out), which holds
  the file more than twice;
- end to end: the simulator in another process (``benches._media_server``), a `Client` paired
  and logged in to it over loopback; `MediaClient.upload` of the file (encrypted into a spool
  file, POSTed from there) and `MediaClient.download_to` of it into another file (streamed,
  checked, moved into place).

Baileys 7.0.0-rc14 (``benches/peers/baileys_media.mjs``, in Node.js; npm installs it into
``tests/interop/js/node_modules`` on first use, as for ``bench_e2e_signal``; without Node.js or
npm it is skipped, saying why): ``encryptedStream`` on the same file;
``encryptedStream`` then ``uploadWithNodeHttp`` to the same simulator's media host; and
``downloadContentFromMessage`` piped into a file. Baileys' download does not check the MAC nor
either hash; wabus's does.

Time: the best of R rounds. Memory: before each round ``/proc/self/clear_refs`` resets the
process's peak RSS to its current RSS, and the figure is the peak above that (the most over
the rounds), the same on both sides; for wabus also the ``tracemalloc`` peak of one more round
above what was allocated before it (Python's heap: the bytes objects the pieces travel in).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import anyio
import structlog

from benches.bench_e2e_signal import node_modules
from wabus.client import Client, MemoryStore, UploadedMedia
from wabus.client._media import CHUNK
from wabus.core import Bot, EventHandler
from wabus.core.events import Connected, PairingQrCode
from wabus.protocol import (
    EncryptedMedia,
    MediaDecryptor,
    MediaEncryptor,
    MediaType,
    TrustedRoot,
    encrypt_media,
)

ROOT = Path(__file__).resolve().parent.parent
KIND = MediaType.DOCUMENT
MEDIA_KEY = bytes(range(32))
_GUARD = 900.0  # seconds: a guard against a hang, not a measurement


# Memory ------------------------------------------------------------------------------------


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> int | None:
    """Reset this process's peak RSS to its current RSS and return that RSS; None where the
    system cannot (only Linux has ``/proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status("VmRSS")
    except (OSError, RuntimeError):
        return None


Work = Callable[[], Awaitable[object]]


async def _race(works: Mapping[str, Work], rounds: int) -> dict[str, dict[str, float]]:
    """Each work's best seconds (wall clock and this process's CPU) over `rounds` rounds, the
    most one of its runs raised the peak RSS, and the tracemalloc peak of one more run. Every
    round runs each work once, in turn, so that a busy spell of the machine falls on all."""
    best = {name: {"seconds": float("inf"), "cpu_seconds": float("inf")} for name in works}
    rss = dict.fromkeys(works, 0)
    for _ in range(rounds):
        for name, work in works.items():
            base = _reset_peak()
            start, cpu = time.perf_counter(), time.process_time()
            await work()
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            best[name]["seconds"] = min(best[name]["seconds"], wall)
            best[name]["cpu_seconds"] = min(best[name]["cpu_seconds"], cpu)
            rss[name] = -1 if base is None else max(rss[name], _status("VmHWM") - base)
    results = {}
    for name, work in works.items():
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        await work()
        heap = tracemalloc.get_traced_memory()[1] - before
        tracemalloc.stop()
        results[name] = {**best[name], "peak_rss_bytes": rss[name], "peak_heap_bytes": heap}
    return results


# The work, on files ------------------------------------------------------------------------


def encrypt_file(source: Path, target: Path) -> EncryptedMedia:
    """Encrypt `source` into `target` a chunk at a time, as the client's upload does."""
    encryptor = MediaEncryptor(KIND, MEDIA_KEY)
    with source.open("rb") as into, target.open("wb") as out:
        while piece := into.read(CHUNK):
            out.write(encryptor.update(piece))
        out.write(encryptor.finalize())
    return encryptor.result


def decrypt_file(source: Path, target: Path, fields: EncryptedMedia) -> None:
    """Decrypt `source` into `target` a chunk at a time, checking it all at the end."""
    decryptor = MediaDecryptor(
        fields.media_key,
        KIND,
        file_enc_sha256=fields.file_enc_sha256,
        file_sha256=fields.file_sha256,
    )
    with source.open("rb") as into, target.open("wb") as out:
        while piece := into.read(CHUNK):
            out.write(decryptor.update(piece))
        out.write(decryptor.finalize())


def _plain_keys() -> tuple[bytes, bytes, bytes]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    material = HKDF(algorithm=hashes.SHA256(), length=112, salt=None, info=KIND.info).derive(
        MEDIA_KEY
    )
    return material[0:16], material[16:48], material[48:80]


def ceiling_encrypt(source: Path, target: Path) -> bytes:
    """The encryption written directly on ``cryptography``; returns the file's SHA-256."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.padding import PKCS7

    iv, cipher_key, mac_key = _plain_keys()
    padder = PKCS7(128).padder()
    cipher = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).encryptor()
    mac = hmac.new(mac_key, iv, hashlib.sha256)
    plain_hash, enc_hash = hashlib.sha256(), hashlib.sha256()
    with source.open("rb") as into, target.open("wb") as out:
        while piece := into.read(CHUNK):
            plain_hash.update(piece)
            ciphertext = cipher.update(padder.update(piece))
            mac.update(ciphertext)
            enc_hash.update(ciphertext)
            out.write(ciphertext)
        ciphertext = cipher.update(padder.finalize()) + cipher.finalize()
        mac.update(ciphertext)
        tag = mac.digest()[:10]
        enc_hash.update(ciphertext + tag)
        out.write(ciphertext + tag)
    enc_hash.digest()
    return plain_hash.digest()


def ceiling_decrypt(source: Path, target: Path, file_sha256: bytes) -> None:
    """The decryption written directly on ``cryptography``, with the same checks."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.padding import PKCS7

    iv, cipher_key, mac_key = _plain_keys()
    unpadder = PKCS7(128).unpadder()
    cipher = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).decryptor()
    mac = hmac.new(mac_key, iv, hashlib.sha256)
    plain_hash, enc_hash = hashlib.sha256(), hashlib.sha256()
    left = source.stat().st_size - 10
    with source.open("rb") as into, target.open("wb") as out:
        while left > 0:
            piece = into.read(min(CHUNK, left))
            left -= len(piece)
            mac.update(piece)
            enc_hash.update(piece)
            plain = unpadder.update(cipher.update(piece))
            plain_hash.update(plain)
            out.write(plain)
        tag = into.read()
        enc_hash.update(tag)
        if not hmac.compare_digest(tag, mac.digest()[:10]):
            raise RuntimeError("the ceiling's MAC does not match")
        plain = unpadder.update(cipher.finalize()) + unpadder.finalize()
        plain_hash.update(plain)
        out.write(plain)
    if plain_hash.digest() != file_sha256:
        raise RuntimeError("the ceiling's plaintext hash does not match")


# End to end --------------------------------------------------------------------------------


class _Phone(EventHandler):
    """Scans the QR code by telling the simulator's process to; notes the login."""

    def __init__(self, server: IO[bytes]) -> None:
        self._server = server
        self.connected = anyio.Event()

    def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        self._server.write(f"scan {event.code}\n".encode())
        self._server.flush()

    def on_connected(self, event: Connected) -> None:
        self.connected.set()


@contextlib.contextmanager
def _process(
    command: Sequence[str | Path], *, new_group: bool, **options: Any
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, killed (its whole group when it has one of its own) on the way out."""
    process = subprocess.Popen(
        [str(c) for c in command], cwd=ROOT, start_new_session=new_group, **options
    )
    try:
        yield process
    finally:
        if new_group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()


def _server(*, new_group: bool) -> contextlib.AbstractContextManager[subprocess.Popen[bytes]]:
    return _process(
        [sys.executable, "-m", "benches._media_server"],
        new_group=new_group,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def _ready(server: subprocess.Popen[bytes]) -> list[str]:
    assert server.stdout is not None
    words = server.stdout.readline().decode().split()
    if len(words) != 5 or words[0] != "ready":
        raise RuntimeError(f"the media server did not start: {words}")
    return words[1:]


async def _end_to_end(plain: Path, work: Path, rounds: int) -> dict[str, dict[str, float]]:
    # In this process's group, which the parent kills as a whole if this process dies.
    with _server(new_group=False) as server:
        url, root, _, _ = await anyio.to_thread.run_sync(_ready, server)
        assert server.stdin is not None
        phone = _Phone(server.stdin)
        client = Client(
            MemoryStore(),
            url=url,
            trusted_roots=[TrustedRoot(serial=0, key=bytes.fromhex(root))],
            keepalive_interval=3600,
        )
        bot = Bot.builder().with_source(client).with_handler(phone).build()
        back = work / "downloaded.bin"
        async with bot:
            with anyio.fail_after(120):
                await phone.connected.wait()
            warm = await client.media.upload(os.urandom(4 * CHUNK), KIND)  # media_conn, HTTP
            await client.media.download_to(warm, KIND, back)
            uploaded: list[UploadedMedia] = []

            async def upload() -> None:
                uploaded.append(await client.media.upload(plain, KIND))

            async def download() -> None:
                await client.media.download_to(uploaded[-1], KIND, back)

            results = await _race({"upload": upload, "download": download}, rounds)
            await client.stop()
        if _sha256(back) != _sha256(plain):
            raise RuntimeError("the downloaded file is not the uploaded one")
        return results


def _sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while piece := file.read(1 << 20):
            digest.update(piece)
    return digest.digest()


async def _measure(plain: Path, rounds: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(dir=plain.parent) as tmp:
        work = Path(tmp)
        encrypted, back = work / "encrypted.bin", work / "decrypted.bin"
        fields = encrypt_file(plain, encrypted)

        async def encrypt() -> None:
            encrypt_file(plain, encrypted)

        async def decrypt() -> None:
            decrypt_file(encrypted, back, fields)

        async def c_encrypt() -> None:
            ceiling_encrypt(plain, encrypted)

        async def c_decrypt() -> None:
            ceiling_decrypt(encrypted, back, fields.file_sha256)

        async def one_shot() -> None:
            encrypt_media(plain.read_bytes(), KIND, MEDIA_KEY)

        works = {
            "encrypt": encrypt,
            "ceiling_encrypt": c_encrypt,  # the same key: the same encrypted file
            "decrypt": decrypt,
            "ceiling_decrypt": c_decrypt,
        }
        results = await _race(works, rounds)
        results.update(await _race({"one_shot": one_shot}, 1))
        if _sha256(back) != fields.file_sha256:
            raise RuntimeError("the decrypted file is not the plaintext")
        results.update(await _end_to_end(plain, work, rounds))
        return results


# The runs ----------------------------------------------------------------------------------


def _output(command: Sequence[str | Path], what: str) -> str:
    """Run `command` in a process group of its own to the end; its stdout."""
    with _process(
        command, new_group=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        out, err = process.communicate(timeout=_GUARD)
    if process.returncode != 0:
        raise RuntimeError(f"{what} failed ({process.returncode}): {err.decode()[-2000:]}")
    return out.decode()


def ours(plain: Path, rounds: int) -> dict[str, dict[str, float]]:
    """wabus's figures, from a fresh Python process."""
    command: list[str | Path] = [
        sys.executable,
        "-m",
        "benches.bench_media",
        "--measure",
        plain,
        str(rounds),
    ]
    data: dict[str, dict[str, float]] = json.loads(_output(command, "the wabus run"))
    return data


def peer(plain: Path, rounds: int) -> dict[str, Any] | str:
    """Baileys' figures, or why they are missing."""
    node, modules = shutil.which("node"), node_modules()
    if node is None or modules is None:
        return "Node.js and npm are needed, and tests/interop/js/node_modules installed by npm"
    with _server(new_group=True) as server:
        _, _, host, auth = _ready(server)
        script = ROOT / "benches/peers/baileys_media.mjs"
        command: list[str | Path] = [
            node,
            "--expose-gc",
            script,
            modules,
            plain,
            str(rounds),
            host,
            auth,
        ]
        reply: dict[str, Any] = json.loads(_output(command, "the Baileys run"))
    if not reply.get("sameBytes"):
        raise RuntimeError("Baileys downloaded other bytes than it uploaded")
    return reply


def _write_random(path: Path, size: int) -> None:
    with path.open("wb") as file:
        for start in range(0, size, 1 << 20):
            file.write(os.urandom(min(1 << 20, size - start)))


def _mib(value: float) -> str:
    return f"{value / 2**20:6.1f} MiB" if value >= 0 else "   n/a    "


def main(quick: bool = False) -> None:
    size, rounds = (2 * 2**20, 1) if quick else (50 * 2**20, 3)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.bin"
        _write_random(plain, size)
        mine = ours(plain, rounds)
        theirs = peer(plain, rounds)

    def rate(seconds: float) -> float:
        return size / 2**20 / seconds

    def line(who: str, figures: dict[str, float]) -> str:
        return (
            f"{who:<8}{rate(figures['seconds']):7.1f} MiB/s"
            f"  {figures['cpu_seconds'] * 1000 / (size / 2**20):5.1f} ms CPU/MiB"
        )

    def ratios(wabus: dict[str, float], other: dict[str, float]) -> str:
        by_wall, by_cpu = (other[k] / wabus[k] for k in ("seconds", "cpu_seconds"))
        return f"wabus {by_wall:.2f}x as fast; by CPU {by_cpu:.2f}x"

    print(f"Media: a {size / 2**20:.0f} MiB document, best of {rounds} rounds")
    print(
        "  CPU: this process's (threads included); memory: peak RSS above the run's start,"
        " and Python's tracemalloc peak\n"
    )
    rows = [
        ("encrypt, file to file", "encrypt", "ceiling_encrypt", "encrypt"),
        ("decrypt, file to file", "decrypt", "ceiling_decrypt", None),
        ("upload to the simulator", "upload", None, "upload"),
        ("download to a file", "download", None, "download"),
    ]
    for label, key, ceiling, baileys in rows:
        figures = mine[key]
        print(
            f"  {label:<25} {line('wabus', figures)}"
            f"  RSS +{_mib(figures['peak_rss_bytes'])}  heap {_mib(figures['peak_heap_bytes'])}"
        )
        if ceiling is not None:
            top = mine[ceiling]
            print(
                f"  {'':<25} {line('ceiling', top)}"
                f"  (a plain cryptography loop; {ratios(figures, top)})"
            )
        if baileys is not None and isinstance(theirs, dict):
            other = theirs[baileys]
            print(
                f"  {'':<25} {line('Baileys', other)}"
                f"  RSS +{_mib(other['peak_rss_bytes'])}  ({ratios(figures, other)})"
            )
    one = mine["one_shot"]
    print(
        f"  {'(encrypt_media, in RAM)':<25} {line('wabus', one)}"
        f"  RSS +{_mib(one['peak_rss_bytes'])}  heap {_mib(one['peak_heap_bytes'])}"
        "  (the whole file held, for contrast)"
    )
    if isinstance(theirs, str):
        print(f"  Baileys: skipped ({theirs})")
    else:
        print(
            f"  Baileys 7.0.0-rc14 on node {theirs['node']} (its download checks neither the MAC"
            " nor the hashes; the encrypted file goes to disk first on both sides)"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
        print(json.dumps(anyio.run(_measure, Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        main()
