"""A 520 MB bid encrypted in headless Chromium: no browser process grows by the file's size.

The envelope goes to the origin-private file system (disk) chunk by chunk; the page, the
renderer and the browser process each stay far below the file size.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bids.crypto import HybridPrivateKey

from .test_crypto_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE_MB = 520


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry))
    return tree


def _chromium_peaks_mb() -> dict[int, float]:
    """Peak RSS (VmHWM) of every chromium process started under this test process."""
    tree = _children()
    todo, found = [os.getpid()], {}
    while todo:
        for child in tree.get(todo.pop(), []):
            todo.append(child)
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                status = Path(f"/proc/{child}/status").read_text()
            except OSError:
                continue
            if b"chromium" in cmdline:
                match = re.search(r"VmHWM:\s+(\d+) kB", status)
                if match:
                    found[child] = int(match.group(1)) / 1024
    return found


@pytest.fixture
def big_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "angebot-gross.bin"
    with open(path, "wb") as fh:
        block = os.urandom(1 << 20)
        for i in range(SIZE_MB):
            fh.write(block[:-4] + i.to_bytes(4, "big"))
    yield path
    path.unlink()


def test_encrypting_520_mb_keeps_every_browser_process_small(
    big_file: Path, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} missing: apt-get install -y chromium")
    import threading
    from functools import partial
    from http.server import ThreadingHTTPServer

    from playwright.sync_api import sync_playwright

    from .test_crypto_browser import _Handler

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    key = HybridPrivateKey.generate()
    try:
        with sync_playwright() as p:
            # A normal (persistent) profile: in incognito Chromium keeps the origin-private file
            # system in memory, so only a real profile shows where a bidder's envelope goes.
            browser = p.chromium.launch_persistent_context(
                tmp_path / "profile", executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/")
            page.set_content("<input type=file id=f>")
            page.set_input_files("#f", str(big_file))
            result: Any = page.evaluate(
                """async (key) => {
                    const env = await import("/static/bids/envelope.js");
                    const file = document.getElementById("f").files[0];
                    const out = await env.encryptFile(file, key, {digest: false});
                    const tail = new Uint8Array(await out.blob.slice(out.size - 16).arrayBuffer());
                    const head = new Uint8Array(await out.blob.slice(0, 28).arrayBuffer());
                    await out.discard();
                    return {size: out.size, expected: env.envelopeSize(file.size),
                            storage: out.storage, kid: env.toHex(head.slice(12, 28)),
                            tagBytes: tail.length};
                }""",
                key.public_key.to_json(),
            )
            peaks = _chromium_peaks_mb()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result["size"] == result["expected"]
    assert result["storage"] == "worker"
    assert result["kid"] == key.public_key.key_id_hex
    assert result["tagBytes"] == 16
    assert peaks, "no chromium process found under the test process"
    # Whole-file buffering anywhere pushes a process past the file size (measured: the browser
    # process reaches ~720 MB when the envelope is kept in an in-memory Blob instead).
    assert max(peaks.values()) < SIZE_MB * 0.75, peaks
