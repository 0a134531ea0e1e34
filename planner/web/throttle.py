"""Login throttling: a password guesser gets slower with every wrong guess.

Failures are counted per key, a user name and a client address separately. After `free`
failures in a row, every further attempt must wait 2**(n - free) seconds (at most `max_wait`)
after the last failure, and an attempt during the wait is refused without checking the
password, so the right password does not work at once either. A key's failures are forgotten
`forget` seconds after its last one, and a successful login clears the user's count.
"""

from __future__ import annotations

import threading
import time
from typing import Callable


class Throttle:
    def __init__(self, free: int, *, max_wait: float = 900.0, forget: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self.free, self.max_wait, self.forget, self.clock, self.max_keys = free, max_wait, forget, clock, max_keys
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures in a row, time of the last)
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Seconds before `key` may try again (0: now)."""
        with self._lock:
            entry = self._failures.get(key)
            if entry is None:
                return 0.0
            count, last = entry
            now = self.clock()
            if now - last > self.forget:
                del self._failures[key]
                return 0.0
            if count < self.free:
                return 0.0
            return max(0.0, last + min(2.0 ** (count - self.free), self.max_wait) - now)

    def failed(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            count, last = self._failures.get(key, (0, now))
            if now - last > self.forget:
                count = 0
            self._failures[key] = (count + 1, now)
            if len(self._failures) > self.max_keys:  # a flood of made-up names: drop the oldest
                oldest = sorted(self._failures.items(), key=lambda kv: kv[1][1])[: len(self._failures) // 10]
                for k, _ in oldest:
                    del self._failures[k]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
