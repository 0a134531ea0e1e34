"""Running the app under uvicorn with logs that hold no personal data: uvicorn's own access
log (which prints the full request line with its query string) is off; the app logs one line
per request with the route pattern only (see `app.privacy_log`)."""

from __future__ import annotations

import logging
import logging.config
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


def run(host: str, port: int, db_url: str | None, users_file: str | None, time_limit_s: float = 10.0,
        request_time_limit_s: float = 60.0, secure_cookie: bool = False, retention_days: int = 365,
        bin_days: int = 30, allowed_hosts: tuple[str, ...] = (), oidc: Any = None) -> None:
    import uvicorn

    from .app import create_app
    from .core import Settings
    from .store import default_url

    url = db_url or default_url()
    settings = Settings(time_limit_s=time_limit_s, request_time_limit_s=request_time_limit_s,
                        secure_cookie=secure_cookie, host=host, retention_days=retention_days, bin_days=bin_days,
                        allowed_hosts=allowed_hosts, oidc=oidc, warm_up=True)
    try:
        app = create_app(url, users_file, settings=settings)
    except DatabaseUnusable:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to open the database is the user's URL
        raise DatabaseUnusable(database_problem(url, exc)) from None
    # uvicorn applies LOG_CONFIG only when it starts: before that an INFO line would go nowhere,
    # and the administrator must see which database this server uses (never its password)
    logging.config.dictConfig(LOG_CONFIG)
    logging.getLogger("planner.web").info(
        "database %s; login %s", _safe_url(url), "required" if users_file or oidc else "off (loopback only)")
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=LOG_CONFIG, server_header=False,
                proxy_headers=False, limit_concurrency=200, timeout_keep_alive=5)


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
