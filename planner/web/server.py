"""Running the app under uvicorn with logs that hold no personal data: uvicorn's own access
log (which prints the full request line with its query string) is off; the app logs one line
per request with the route pattern only (see `app.privacy_log`)."""

from __future__ import annotations

import json
import logging
import logging.config
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "planner.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


@dataclass(frozen=True)
class ServeConfig:
    """What every server process needs to make its app: `planner serve`'s options. With
    `--workers N` the processes are started by uvicorn, which imports the app by name; this
    reaches them as JSON in the environment (`PLANNER_SERVE_CONFIG`), never on a command line."""

    db_url: str
    users_file: str | None = None
    oidc_file: str | None = None
    host: str = "127.0.0.1"
    time_limit_s: float = 10.0
    request_time_limit_s: float = 60.0
    secure_cookie: bool = False
    retention_days: int = 365
    bin_days: int = 30
    allowed_hosts: tuple[str, ...] = ()
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0

    def settings(self, *, sweep_on_start: bool) -> Any:
        from .core import Settings

        oidc = None
        if self.oidc_file:
            from .oidc import read_oidc_config

            oidc = read_oidc_config(self.oidc_file)
        return Settings(time_limit_s=self.time_limit_s, request_time_limit_s=self.request_time_limit_s,
                        secure_cookie=self.secure_cookie, host=self.host, retention_days=self.retention_days,
                        bin_days=self.bin_days, allowed_hosts=self.allowed_hosts, oidc=oidc, warm_up=True,
                        sweep_on_start=sweep_on_start)


CONFIG_ENV = "PLANNER_SERVE_CONFIG"
PROTOCOL = "planner.web.protocol:GuardedH11Protocol"


def run(config: ServeConfig, port: int, workers: int = 1) -> None:
    """Serve on `config.host:port` with `workers` server processes (each with its own solver
    processes); they share everything through the database (sessions, the login throttle, jobs).
    The database is opened, migrated and swept here once, before any process serves."""
    import uvicorn

    from .app import create_app

    _configure_protocol(config)
    url = config.db_url
    if workers > 1:
        from .secret import secret_for
        from .store import Store, sqlite_path

        if sqlite_path(url) is not None:
            raise DatabaseUnusable(f"--workers {workers}: several server processes need a PostgreSQL database "
                                   "(--db postgresql+psycopg://USER:PASSWORD@HOST/planner); a SQLite file serves one")
        try:
            store = Store(url)  # migrated once, here; the processes find nothing to do
            secret_for(url)  # made once, here, if it is to be a file: every process must sign alike
            store.case.sweep(datetime.now(timezone.utc).date(), config.retention_days, config.bin_days)
            store.engine.dispose()
        except Exception as exc:  # noqa: BLE001 - any failure to open the database is the user's URL
            raise DatabaseUnusable(database_problem(url, exc)) from None
        _announce(config, workers)
        os.environ[CONFIG_ENV] = json.dumps(asdict(config))
        uvicorn.run("planner.web.server:app_from_environment", factory=True, workers=workers, host=config.host,
                    port=port, http=PROTOCOL, access_log=False, log_config=LOG_CONFIG, server_header=False,
                    proxy_headers=False, timeout_keep_alive=5)
        return
    try:
        app = create_app(url, config.users_file, settings=config.settings(sweep_on_start=True))
    except DatabaseUnusable:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to open the database is the user's URL
        raise DatabaseUnusable(database_problem(url, exc)) from None
    _announce(config, workers)
    uvicorn.run(app, host=config.host, port=port, http=PROTOCOL, access_log=False, log_config=LOG_CONFIG,
                server_header=False, proxy_headers=False, timeout_keep_alive=5)


def app_from_environment() -> Any:
    """The app of one of several server processes (uvicorn's `--workers`, or gunicorn with
    uvicorn's worker class): its options from `PLANNER_SERVE_CONFIG`, as `planner serve` set
    them. The retention sweep ran once before the processes started."""
    from .app import create_app

    raw = json.loads(os.environ[CONFIG_ENV])
    raw["allowed_hosts"] = tuple(raw.get("allowed_hosts") or ())
    config = ServeConfig(**raw)
    _configure_protocol(config)
    return create_app(config.db_url, config.users_file, settings=config.settings(sweep_on_start=False))


def _configure_protocol(config: ServeConfig) -> None:
    import resource

    from .protocol import configure

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    # leave room for the database, the solver processes and the files a request opens
    room = 1000 if soft == resource.RLIM_INFINITY else max(50, min(1000, soft - 100))
    configure(config.header_timeout_s, config.body_timeout_s, room)


def _announce(config: ServeConfig, workers: int) -> None:
    # uvicorn applies LOG_CONFIG only when it starts: before that an INFO line would go nowhere,
    # and the administrator must see which database this server uses (never its password)
    logging.config.dictConfig(LOG_CONFIG)
    logging.getLogger("planner.web").info(
        "database %s; login %s; %d server process%s", _safe_url(config.db_url),
        "required" if config.users_file or config.oidc_file else "off (loopback only)", workers,
        "" if workers == 1 else "es")


class DatabaseUnusable(Exception):
    """`--db` names a database that cannot be opened; the message says why, without secrets."""


def database_problem(url: str, exc: Exception) -> str:
    try:
        shown = _safe_url(url)
    except Exception:  # noqa: BLE001 - not even a URL
        return (f"--db: {url.split('@')[-1]!r} is not a database URL; use e.g. sqlite:///planner.db or "
                "postgresql+psycopg://USER:PASSWORD@HOST/planner")
    if isinstance(exc, ModuleNotFoundError):
        from ..extras import missing_extra

        extra = missing_extra(exc)
        return f"--db {shown}: the database driver is not installed ({exc.name}); " + (
            extra.install if extra else f"pip install {exc.name}")
    return f"--db {shown}: cannot open the database ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"


def _safe_url(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
