"""Writing an upload body to its spool file: once, durably, with flat memory.

The body of a sealed bid is written and then not read again until the opening, so it has no
use for the page cache. Where the file system allows it the file is written with O_DIRECT from
one reused, page-aligned buffer: the bytes go to the disk without first being copied into fresh
page-cache pages, which on this kind of virtual machine costs more kernel time than the disk
write itself (about 3 s per GB against about 0.6 s per GB for the direct write plus fsync; see
docs/sealed-bids.md, Speed). Elsewhere (tmpfs, some network file systems) it falls back to
ordinary buffered writes. Either way ``sync`` ends with fsync: O_DIRECT alone does not make the
file's size or a volatile disk cache durable.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
from types import TracebackType

BLOCK = 1 << 20
# O_DIRECT wants buffer address, length and file offset aligned to the logical block size;
# 4 KiB covers every disk we deploy on, and the buffer (mmap) is page-aligned.
_ALIGN = 4096
_O_DIRECT = getattr(os, "O_DIRECT", 0)


class SpoolWriter:
    """Write-once sink for an upload body: ``write`` pieces of any size, then ``sync``."""

    def __init__(self, fd: int, *, block: int = BLOCK, direct: bool = True) -> None:
        if block <= 0 or block % _ALIGN:
            raise ValueError(f"block must be a positive multiple of {_ALIGN}")
        self._fd = fd
        self._buffer = mmap.mmap(-1, block)
        self._view = memoryview(self._buffer)
        self._fill = 0
        self.direct = False
        if direct and _O_DIRECT:
            try:
                flags = fcntl.fcntl(fd, fcntl.F_GETFL)
                fcntl.fcntl(fd, fcntl.F_SETFL, flags | _O_DIRECT)
                self.direct = True
            except OSError:
                pass
        self.written = 0

    def fileno(self) -> int:
        return self._fd

    def write(self, data: bytes | bytearray | memoryview) -> int:
        piece = memoryview(data).cast("B")
        size = len(piece)
        if not self.direct:
            self._write_all(piece)
            return size
        block = len(self._view)
        while piece:
            take = min(block - self._fill, len(piece))
            self._view[self._fill : self._fill + take] = piece[:take]
            self._fill += take
            piece = piece[take:]
            if self._fill == block:
                self._write_all(self._view)
                self._fill = 0
        return size

    def sync(self) -> None:
        """Write what is buffered and fsync the file (its bytes and its size)."""
        if self._fill:
            aligned = self._fill - self._fill % _ALIGN
            if aligned:
                self._write_all(self._view[:aligned])
            if self._fill > aligned:
                # The tail is not a whole disk block: it goes through the page cache.
                self._buffered()
                self._write_all(self._view[aligned : self._fill])
            self._fill = 0
        os.fsync(self._fd)

    def close(self) -> None:
        self._view.release()
        self._buffer.close()
        os.close(self._fd)

    def __enter__(self) -> SpoolWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _buffered(self) -> None:
        if self.direct:
            flags = fcntl.fcntl(self._fd, fcntl.F_GETFL)
            fcntl.fcntl(self._fd, fcntl.F_SETFL, flags & ~_O_DIRECT)
            self.direct = False

    def _write_all(self, view: memoryview) -> None:
        while view:
            try:
                done = os.write(self._fd, view)
            except OSError as exc:
                # A file system may accept the flag and still refuse the write (alignment):
                # write the rest the ordinary way.
                if exc.errno != errno.EINVAL or not self.direct:
                    raise
                self._buffered()
                continue
            self.written += done
            view = view[done:]
