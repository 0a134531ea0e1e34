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

The counts live in the database (`DbCounts`, table `login_attempts`), so several server
processes share them: a guesser gains nothing by reaching another process. A count is raised in
the same transaction that read it, with its rows locked (PostgreSQL: `SELECT … FOR UPDATE`;
SQLite: the write that starts the transaction takes the database's write lock), so concurrent
attempts in different processes are counted one after another. The keys are stored as a keyed
hash (HMAC with the server's secret key), never as a user name or an address. `MemoryCounts`
keeps them in the process, for tests with their own clock.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from .schema import login_attempts

#: attempts in a row under a key, and the time of the last (seconds on the clock)
Entry = tuple[int, float]


@dataclass(frozen=True)
class Policy:
    """How many attempts a key has free, how long its waits grow and when it is forgotten."""

    free: int
    max_wait: float = 900.0
    forget: float = 3600.0

    def wait(self, entry: Entry | None, now: float) -> float:
        """Seconds before a key with `entry` may try again (0: now)."""
        if entry is None or now - entry[1] > self.forget:
            return 0.0
        count, last = entry
        if count < self.free:
            return 0.0
        return max(0.0, last + min(2.0 ** (count - self.free), self.max_wait) - now)

    def counted(self, entry: Entry | None, now: float) -> Entry:
        """The entry after one more attempt at `now`."""
        count = 0 if entry is None or now - entry[1] > self.forget else entry[0]
        return (count + 1, now)


def uncounted(entry: Entry | None) -> Entry | None:
    """One counted attempt given back (a login that succeeded), keeping the time."""
    if entry is None or entry[0] <= 1:
        return None
    return (entry[0] - 1, entry[1])


class Counts(Protocol):
    """Where the counts are kept. `locked(keys)` yields the entries of `keys` (None: no
    attempts) with no other attempt able to read or change them until the block ends; the
    entries the block sets in the dict are then stored (None: forgotten)."""

    def locked(self, keys: tuple[str, ...], now: float) -> AbstractContextManager[dict[str, Entry | None]]: ...


class MemoryCounts:
    """The counts in this process only (tests with their own clock)."""

    def __init__(self, max_keys: int = 100_000):
        self.max_keys = max_keys
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()

    @contextmanager
    def locked(self, keys: tuple[str, ...], now: float) -> Iterator[dict[str, Entry | None]]:
        with self._lock:
            view = {k: self._entries.get(k) for k in keys}
            yield view
            for k, v in view.items():
                if v is None:
                    self._entries.pop(k, None)
                else:
                    self._entries[k] = v
            if len(self._entries) > self.max_keys:  # a flood of made-up names: drop the oldest tenth
                oldest = sorted(self._entries.items(), key=lambda kv: kv[1][1])[: len(self._entries) // 10]
                for k, _ in oldest:
                    del self._entries[k]


class DbCounts:
    """The counts in the database (`login_attempts`), shared by every server process on it."""

    #: rows older than this are deleted (at most once a minute per process)
    FORGET = 3600.0

    def __init__(self, engine: sa.Engine, secret: str):
        self.engine = engine
        self._key = hashlib.sha256(("login-throttle\0" + secret).encode()).digest()
        self._lock = threading.Lock()  # threads of this process queue here, not in the database
        self._pruned = 0.0

    def _hash(self, key: str) -> str:
        return hmac.new(self._key, key.encode(), hashlib.sha256).hexdigest()

    def _insert(self, conn: sa.Connection, hashed: list[str]) -> None:
        """A row (count 0) for every key that has none. On SQLite this write also takes the
        database's write lock for the rest of the transaction; on PostgreSQL it does not lock
        rows that exist, so `locked` selects them FOR UPDATE next."""
        rows = [{"key": h, "count": 0, "last": 0.0} for h in hashed]
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(login_attempts).on_conflict_do_nothing(index_elements=["key"]), rows)
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            conn.execute(sqlite_insert(login_attempts).on_conflict_do_nothing(index_elements=["key"]), rows)

    @contextmanager
    def locked(self, keys: tuple[str, ...], now: float) -> Iterator[dict[str, Entry | None]]:
        hashed = {k: self._hash(k) for k in keys}
        order = sorted(set(hashed.values()))  # one lock order for every process: no deadlock
        with self._lock, self.engine.begin() as conn:
            self._insert(conn, order)
            stored: dict[str, Entry] = {key: (count, last) for key, count, last in conn.execute(
                sa.select(login_attempts.c.key, login_attempts.c.count, login_attempts.c.last)
                .where(login_attempts.c.key.in_(order)).order_by(login_attempts.c.key).with_for_update())}
            view: dict[str, Entry | None] = {
                k: (stored[h] if h in stored and stored[h][0] > 0 else None) for k, h in hashed.items()}
            before = dict(view)
            yield view
            for k, v in view.items():
                if v != before[k]:
                    old = before[k]
                    count, last = v if v is not None else (0, old[1] if old is not None else 0.0)
                    conn.execute(login_attempts.update().where(login_attempts.c.key == hashed[k])
                                 .values(count=count, last=last))
            if now - self._pruned > 60.0:
                self._pruned = now
                conn.execute(login_attempts.delete().where(login_attempts.c.last < now - self.FORGET))


class LoginThrottle:
    """The three counts of a login attempt (see the module docstring), checked and raised as one."""

    def __init__(self, free_per_user: int, free_per_address: int, *, counts: Counts | None = None,
                 clock: Callable[[], float] = time.time):
        self.clock = clock
        self.counts: Counts = counts if counts is not None else MemoryCounts()
        self.pair = Policy(free_per_user)
        self.address = Policy(free_per_address)
        self.user = Policy(4 * free_per_user, max_wait=60.0)

    @staticmethod
    def _keys(user: str, address: str) -> tuple[str, str, str]:
        name = user.casefold()
        return f"p\0{name}\0{address}", f"a\0{address}", f"u\0{name}"

    def admit(self, user: str, address: str) -> float:
        """0 when this attempt may check its password (and it is counted now); else the
        seconds to wait (and nothing is counted)."""
        keys = self._keys(user, address)
        pair, address_key, user_key = keys
        now = self.clock()
        with self.counts.locked(keys, now) as e:
            wait = max(self.pair.wait(e[pair], now), self.address.wait(e[address_key], now),
                       self.user.wait(e[user_key], now))
            if wait > 0:
                return wait
            e[pair] = self.pair.counted(e[pair], now)
            e[address_key] = self.address.counted(e[address_key], now)
            e[user_key] = self.user.counted(e[user_key], now)
            return 0.0

    def succeeded(self, user: str, address: str) -> None:
        """The right password: the user's counts are cleared and the address gets its attempt
        back (a busy office behind one address is not slowed by its own logins)."""
        keys = self._keys(user, address)
        pair, address_key, user_key = keys
        with self.counts.locked(keys, self.clock()) as e:
            e[pair] = None
            e[user_key] = None
            e[address_key] = uncounted(e[address_key])
