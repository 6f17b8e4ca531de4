"""A microphone made of files, for wyoming-satellite's --mic-command: raw 16 kHz 16-bit mono on stdout in real time.

    python tests/service/wav_mic.py QUEUE_DIR

Silence, block after block at the pace of a real microphone; whenever QUEUE_DIR holds *.raw files, the first (by
name) is "spoken" and renamed to *.played once it has been. Tests drop what a person would say into the folder.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

RATE_HZ = 16000
BLOCK_SAMPLES = 1024
BLOCK_BYTES = BLOCK_SAMPLES * 2


def main() -> None:
    """Write audio until stdout is closed (the satellite stopped)."""
    queue = Path(sys.argv[1])
    out = sys.stdout.buffer
    due = time.monotonic()
    speaking: bytes = b""
    current: Path | None = None
    while True:
        if not speaking:
            if current is not None:
                current.rename(current.with_suffix(".played"))
                current = None
            waiting = sorted(queue.glob("*.raw"))
            if waiting:
                current = waiting[0]
                speaking = current.read_bytes()
        block, speaking = speaking[:BLOCK_BYTES], speaking[BLOCK_BYTES:]
        try:
            out.write(block.ljust(BLOCK_BYTES, b"\x00"))
            out.flush()
        except (BrokenPipeError, ValueError):
            return
        due += BLOCK_SAMPLES / RATE_HZ
        time.sleep(max(0.0, due - time.monotonic()))


if __name__ == "__main__":
    main()
