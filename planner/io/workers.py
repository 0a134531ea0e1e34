"""What every worker process of planner shares: a watch that ends it with the process it works for.

The batch's workers, the web server's solver workers and chart helper, and the ledger's helper
are started by a forkserver (or forked), so their parent may be the forkserver and neither
`getppid` nor `PR_SET_PDEATHSIG` watches the right process. Each gets instead the read end of a pipe whose only write end is held by the
process it works for: the pipe's end of file is that process's death, whatever the signal
(SIGKILL included), and the worker ends at once instead of running on as an orphan."""

from __future__ import annotations

import os
import threading
from typing import Any


def watch_parent(alive: Any, name: str = "planner-parent-watch") -> None:
    """Worker initializer: a daemon thread that waits on `alive` (the read end of a pipe nothing
    is ever sent on) and ends this process when it reads the end of file."""

    def watch() -> None:
        try:
            alive.recv()  # nothing is ever sent: this returns with EOFError when the writer is gone
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name=name, daemon=True).start()
