"""Login throttling: a password guesser gets slower with every guess, and cannot slip past by
sending many guesses at once.

Every attempt is *counted before its password is checked* (`LoginThrottle.admit`): the count
is raised under one lock, and only then does the slow scrypt check run. So 60 guesses sent at
the same moment are not all checked: the first `free` are, the rest are refused at once.
(Reading the count before the check and writing it after, as a plain counter would, lets every
concurrent guess through.) A successful login then gives back what it was charged.

Attempts are counted under three keys:

- the user name *from this address*: `free_per_user` attempts, then a wait that doubles with
  every further attempt (2, 4, 8 … seconds, at most 15 minutes);
- the address, whatever names it tries: `free_per_address` attempts, then the same backoff;
- the user name from anywhere: four times `free_per_user`, and a wait of at most one minute.
  This stops guesses spread over many addresses, but softly: someone who guesses a
  caseworker's name from elsewhere can delay her login by a minute, never lock her out.

An attempt made during a wait is refused without checking the password (so the right password
does not work at once either) and is not counted. A key is forgotten `forget` seconds after
its last attempt. This is backoff, not lock-out: a wait always ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Throttle:
    """Attempts in a row per key and the time of the last. Not locked: `LoginThrottle` holds
    one lock over all its keys, so a check of three keys and their counts is one step."""

    def __init__(self, free: int, *, max_wait: float = 900.0, forget: float = 3600.0, max_keys: int = 100_000):
        self.free, self.max_wait, self.forget, self.max_keys = free, max_wait, forget, max_keys
        self._attempts: dict[str, tuple[int, float]] = {}  # key -> (attempts in a row, time of the last)

    def wait(self, key: str, now: float) -> float:
        """Seconds before `key` may try again (0: now)."""
        entry = self._attempts.get(key)
        if entry is None:
            return 0.0
        count, last = entry
        if now - last > self.forget:
            del self._attempts[key]
            return 0.0
        if count < self.free:
            return 0.0
        return max(0.0, last + min(2.0 ** (count - self.free), self.max_wait) - now)

    def count(self, key: str, now: float) -> None:
        count, last = self._attempts.get(key, (0, now))
        if now - last > self.forget:
            count = 0
        self._attempts[key] = (count + 1, now)
        if len(self._attempts) > self.max_keys:  # a flood of made-up names: drop the oldest tenth
            oldest = sorted(self._attempts.items(), key=lambda kv: kv[1][1])[: len(self._attempts) // 10]
            for k, _ in oldest:
                del self._attempts[k]

    def uncount(self, key: str) -> None:
        """Give back one counted attempt (a login that succeeded), keeping the time."""
        entry = self._attempts.get(key)
        if entry is not None:
            count, last = entry
            if count <= 1:
                del self._attempts[key]
            else:
                self._attempts[key] = (count - 1, last)

    def clear(self, key: str) -> None:
        self._attempts.pop(key, None)


class LoginThrottle:
    """The three counts of a login attempt (see the module docstring), checked and raised as one."""

    def __init__(self, free_per_user: int, free_per_address: int, *,
                 clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.pair = Throttle(free_per_user)
        self.address = Throttle(free_per_address)
        self.user = Throttle(4 * free_per_user, max_wait=60.0)
        self._lock = threading.Lock()

    @staticmethod
    def _keys(user: str, address: str) -> tuple[str, str, str]:
        name = user.casefold()
        return f"{name}\0{address}", address, name

    def admit(self, user: str, address: str) -> float:
        """0 when this attempt may check its password (and it is counted now); else the
        seconds to wait (and nothing is counted)."""
        pair, address_key, user_key = self._keys(user, address)
        with self._lock:
            now = self.clock()
            wait = max(self.pair.wait(pair, now), self.address.wait(address_key, now), self.user.wait(user_key, now))
            if wait > 0:
                return wait
            self.pair.count(pair, now)
            self.address.count(address_key, now)
            self.user.count(user_key, now)
            return 0.0

    def succeeded(self, user: str, address: str) -> None:
        """The right password: the user's counts are cleared and the address gets its attempt
        back (a busy office behind one address is not slowed by its own logins)."""
        pair, address_key, user_key = self._keys(user, address)
        with self._lock:
            self.pair.clear(pair)
            self.user.clear(user_key)
            self.address.uncount(address_key)
