"""A dependency-free progress bar for long runs, shown only on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``with Progress(total, "simulate") as bar: bar.update(k)``.

    Draws to ``stream`` (stderr by default) only when it is a terminal and
    ``enabled`` is not False, so JSON on stdout and piped output stay clean.
    Shows count, rate and estimated time left.
    """

    def __init__(self, total: int, label: str, unit: str = "it",
                 stream: TextIO | None = None, enabled: bool | None = None, initial: int = 0):
        self.total = max(int(total), 0)
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.enabled = isatty if enabled is None else bool(enabled)
        self.done = self.initial = int(initial)  # initial: done before this run (resume)
        self._start = time.perf_counter()
        self._last = 0.0

    def __enter__(self) -> "Progress":
        self._draw(force=True)
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def update(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        elapsed = now - self._start
        rate = (self.done - self.initial) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        bar = "=" * filled + " " * (width - filled)
        eta = f"{left:.0f} s left" if left == left else "--"
        self.stream.write(f"\r{self.label}: [{bar}] {self.done}/{self.total} {self.unit} "
                          f"{rate:.1f} {self.unit}/s, {eta}   ")
        self.stream.flush()
