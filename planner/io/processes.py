"""Helper processes that end with the process that started them."""

from __future__ import annotations

import os
import threading
from typing import Any


def watch_parent(alive: Any, name: str = "planner-parent-watch") -> None:
    """A daemon thread that ends this helper process when the process that started it is gone,
    whatever the signal: `alive` is the read end of a pipe whose only write end is in that
    process, so its end of file is that process's end (a helper started by the forkserver has
    the forkserver as parent: getppid or PR_SET_PDEATHSIG would watch the wrong process). The
    same watch as the web server's workers (`planner.web.pool.watch_parent`) and the batch's."""

    def watch() -> None:
        try:
            alive.recv()  # nothing is ever sent
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name=name, daemon=True).start()


__all__ = ["watch_parent"]
