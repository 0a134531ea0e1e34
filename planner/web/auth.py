"""Users file for `planner serve --auth FILE`: one user a line, passwords hashed with scrypt.

Format (UTF-8 text; `#` starts a comment line):

    kari:scrypt$16384$8$1$<salt, base64>$<hash, base64>
    per:scrypt$16384$8$1$<salt, base64>$<hash, base64>:admin
    ola:scrypt$16384$8$1$<salt, base64>$<hash, base64>:saksbehandler:Bydel Sagene

A line may end in a role: `admin` (the office settings, who is signed in, the access log) or
`saksbehandler` (the default: households, plans, letters and cases), and then an office (bydel):
a user with an office sees the cases of that office (and those shared with all); a user
without one sees every case. Create or change an entry
with `planner serve --auth FILE --add-user NAME [--admin]` (asks for the password twice). The file holds no plain passwords; keep it readable only by the server's user.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from pathlib import Path

N, R, P = 2**14, 8, 1
USER_NAME = re.compile(r"^[A-Za-z0-9_.@\-æøåÆØÅ]{1,64}$")
ADMIN, CASEWORKER = "admin", "saksbehandler"
ROLES = (ADMIN, CASEWORKER)


class UsersFileError(ValueError):
    pass


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"scrypt${n}${r}${p}${b64(salt)}${b64(digest)}"


def credential_tag(encoded: str) -> str:
    """A short tag of a user's current password entry, kept in the session: a changed password
    (or a user removed and added again, with a new salt) changes it and so ends every session
    made with the old one, in every server process that reads the same users file."""
    return hashlib.sha256(encoded.encode()).hexdigest()[:24]


def verify_password(password: str, encoded: str) -> bool:
    try:
        algo, n, r, p, salt, digest = encoded.split("$")
        if algo != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


OFFICE = re.compile(r"^[^:\x00-\x1f]{1,80}$")


def read_entries(path: str | Path) -> dict[str, tuple[str, str, str | None]]:
    """name -> (encoded hash, role, office or None); refuses a malformed file with the line number."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsersFileError(f"{path}: users file not found (create it with --add-user NAME)") from None
    users: dict[str, tuple[str, str, str | None]] = {}
    for no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition(":")
        encoded, _, rest = rest.partition(":")
        role, _, office = rest.partition(":")
        if not sep or not USER_NAME.match(name) or not encoded.startswith("scrypt$") or encoded.count("$") != 5:
            raise UsersFileError(f"{path}:{no}: expected NAME:scrypt$N$r$p$SALT$HASH[:ROLE[:OFFICE]]")
        if role not in ("", *ROLES):
            raise UsersFileError(f"{path}:{no}: unknown role {role!r} (use {' or '.join(ROLES)})")
        if office and not OFFICE.match(office.strip()):
            raise UsersFileError(f"{path}:{no}: office: at most 80 characters, no ':'")
        users[name] = (encoded, role or CASEWORKER, office.strip() or None)
    if not users:
        raise UsersFileError(f"{path}: no users (add one with --add-user NAME)")
    return users


def read_users(path: str | Path) -> dict[str, str]:
    """name -> encoded hash."""
    return {name: entry[0] for name, entry in read_entries(path).items()}


def add_user(path: str | Path, name: str, password: str, role: str = CASEWORKER, office: str | None = None) -> None:
    """Add `name` to the users file, or replace its password (and role and office)."""
    if not USER_NAME.match(name):
        raise UsersFileError(f"user name {name!r}: use letters, digits, '.', '_', '-', '@' (at most 64)")
    if office is not None and not OFFICE.match(office.strip()):
        raise UsersFileError(f"office {office!r}: at most 80 characters, no ':'")
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else [
        "# planner serve --auth: NAME:scrypt$N$r$p$SALT$HASH (one user a line)"]
    lines = [ln for ln in lines if ln.partition(":")[0].strip() != name]
    tail = f":{role}:{office.strip()}" if office else f":{role}" if role != CASEWORKER else ""
    lines.append(f"{name}:{hash_password(password)}{tail}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


class Users:
    """The users file as the server sees it on every request: read again whenever it changes,
    so a user taken out of the file loses access at once (the next request), with no restart.
    A file that becomes unreadable or malformed lets nobody in until it is fixed."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._users = read_entries(self.path)  # a bad file stops the start with its message
        self._stamp = self._stat()

    def _stat(self) -> tuple | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def current(self) -> dict[str, tuple[str, str, str | None]]:
        stamp = self._stat()
        if stamp != self._stamp:
            try:
                self._users = read_entries(self.path) if stamp is not None else {}
            except UsersFileError:
                import logging

                logging.getLogger("planner.web").error("users file unreadable or malformed: nobody can sign in")
                self._users = {}
            self._stamp = stamp
        return self._users

    def get(self, name: str) -> str | None:
        entry = self.current().get(name)
        return entry[0] if entry else None

    def role(self, name: str) -> str | None:
        entry = self.current().get(name)
        return entry[1] if entry else None

    def office(self, name: str) -> str | None:
        entry = self.current().get(name)
        return entry[2] if entry else None

    def admins(self) -> list[str]:
        return sorted(n for n, entry in self.current().items() if entry[1] == ADMIN)

    def __contains__(self, name: object) -> bool:
        return name in self.current()
