"""The key that signs session cookies: `$PLANNER_SECRET_KEY`, else a random key generated once
and kept in a file beside the database (`planner.db.secret`; for a server database in the data
folder, `planner.secret`), readable only by the server's user."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .store import default_data_dir, private_dir, sqlite_path


def secret_file(db_url: str) -> Path:
    path = sqlite_path(db_url)
    if path is not None:
        return path.with_name(path.name + ".secret")
    return default_data_dir() / "planner.secret"


def secret_for(db_url: str) -> str:
    env = os.environ.get("PLANNER_SECRET_KEY")
    if env:
        return env
    path = secret_file(db_url)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    private_dir(path.parent)
    key = secrets.token_urlsafe(48)
    # written whole under another name, then linked into place: two servers starting at once
    # on one database never read a half-written key, and the second keeps the first's
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
    finally:
        tmp.unlink(missing_ok=True)
    return key
