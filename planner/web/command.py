"""`planner serve`: the click command (registered by planner/cli.py). Imports FastAPI and uvicorn only
when it runs, so `planner --help` stays fast."""

from __future__ import annotations

import ipaddress
import sys

import click

from ..io.dateparam import DATE
from ..options import FiniteRange

EXIT_USAGE = 2


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def _host_name_ok(name: str) -> bool:
    """A bare host name or address: letters, digits, dots, hyphens (or an IPv6 address); a
    label neither starts nor ends with a hyphen."""
    text = _ascii_host(name)
    if not text:
        return False
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return all(part and len(part) <= 63 and not part.startswith("-") and not part.endswith("-")
                   and all(c.isascii() and (c.isalnum() or c == "-") for c in part)
                   for part in text.split(".")) and len(text) <= 253


def _ascii_host(name: str) -> str:
    """The name as a browser sends it in Host: lower case, a name with æ, ø or å in its IDNA
    (punycode) form; "" for one that has none."""
    text = name.strip().strip("[]").lower()
    try:
        return text if text.isascii() else text.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --auth.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--db", "db_url", default=None, metavar="URL",
              help="SQLAlchemy database URL [default: sqlite:///$XDG_DATA_HOME/planner/planner.db].")
@click.option("--auth", "users_file", type=click.Path(dir_okay=False), default=None, metavar="USERS_FILE",
              help="Require login; users and scrypt password hashes in this file.")
@click.option("--add-user", "add_user", default=None, metavar="NAME",
              help="Add NAME to the --auth file (or change its password) and exit.")
@click.option("--admin", "as_admin", is_flag=True, default=False,
              help="With --add-user: NAME is an administrator (office settings, sessions, access log).")
@click.option("--office", "user_office", default=None, metavar="OFFICE",
              help="With --add-user: the office (bydel) NAME belongs to; NAME then sees that office's cases only.")
@click.option("--oidc", "oidc_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Require login through the kommune's identity provider (OpenID Connect); its settings in FILE.")
@click.option("--time-limit", type=FiniteRange(0.1, 600), default=10.0, show_default=True,
              help="Seconds per solver phase for each plan.")
@click.option("--request-time-limit", type=FiniteRange(1, 3600), default=60.0, show_default=True,
              help="Seconds a request may wait for its plan (or password check) before it gets a message.")
@click.option("--secure-cookie", is_flag=True, default=False,
              help="Send the session cookie over HTTPS only (behind a TLS reverse proxy).")
@click.option("--retention-days", type=click.IntRange(0, 36500), default=365, show_default=True,
              help="Erase a case record and its letters this many days after the case's outcome date (on start).")
@click.option("--bin-days", type=click.IntRange(0, 3650), default=30, show_default=True,
              help="Erase a deleted household for good after this many days in the bin (on start).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A host name users reach the page by (repeatable), e.g. planner.kommune.no; any other "
                   "Host is refused. Without it, --auth on a non-loopback address answers any Host.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes (each with its own solver processes); more than one needs a PostgreSQL --db.")
@click.option("--header-timeout", type=FiniteRange(1, 300), default=10.0, show_default=True,
              help="Seconds a client may take to send a request's headers before the connection is closed.")
@click.option("--body-timeout", type=FiniteRange(1, 3600), default=30.0, show_default=True,
              help="Seconds an upload may go without a byte before the connection is closed.")
def serve(host: str, port: int, db_url: str | None, users_file: str | None, add_user: str | None, as_admin: bool,
          user_office: str | None, oidc_file: str | None, time_limit: float, request_time_limit: float, secure_cookie: bool, retention_days: int,
          bin_days: int, allowed_hosts: tuple[str, ...], workers: int, header_timeout: float,
          body_timeout: float) -> None:
    """Start the caseworker's web page (households, plans, letters)."""
    if add_user is not None:
        from planner.web.auth import UsersFileError
        from planner.web.auth import add_user as add

        if not users_file:
            click.echo("error: --add-user needs --auth USERS_FILE (the file to write)", err=True)
            sys.exit(EXIT_USAGE)
        password = click.prompt(f"Passord for {add_user}", hide_input=True, confirmation_prompt=True)
        if len(password) < 8:
            click.echo("error: the password must have at least 8 characters", err=True)
            sys.exit(EXIT_USAGE)
        try:
            add(users_file, add_user, password, role="admin" if as_admin else "saksbehandler", office=user_office)
        except UsersFileError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        click.echo(f"{add_user} lagt til i {users_file}" + (" som administrator" if as_admin else ""))
        return
    from planner.asof import BadToday, today

    try:
        today()
    except BadToday as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    oidc = None
    if oidc_file:
        from planner.web.oidc import OidcConfigError, read_oidc_config

        try:
            oidc = read_oidc_config(oidc_file)
        except OidcConfigError as exc:
            click.echo(f"error: --oidc {exc}", err=True)
            sys.exit(EXIT_USAGE)
        from planner.extras import MissingExtra

        try:
            import authlib  # noqa: F401
        except ModuleNotFoundError:
            click.echo(f"error: {MissingExtra('oidc', 'authlib')}", err=True)
            sys.exit(EXIT_USAGE)
    if not is_loopback(host) and not users_file and not oidc:
        click.echo(
            f"error: refusing to listen on {host}: households hold personal data, so a non-loopback "
            "address needs --auth USERS_FILE (create users with --auth FILE --add-user NAME) or --oidc FILE, "
            "or use --host 127.0.0.1",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    bad = [h for h in allowed_hosts if not _host_name_ok(h)]
    if bad:
        click.echo(f"error: --allowed-host {bad[0]!r}: give a host name or address, without scheme, port or path",
                   err=True)
        sys.exit(EXIT_USAGE)
    if (users_file or oidc) and not is_loopback(host) and not allowed_hosts:
        click.echo(f"warning: the page answers to any host name on {host}; name the ones users type with "
                   "--allowed-host (e.g. --allowed-host planner.kommune.no) to refuse the others", err=True)
    from planner.web.auth import Users, UsersFileError
    from planner.web.server import DatabaseUnusable, ServeConfig, run
    from planner.web.store import default_url

    config = ServeConfig(db_url=db_url or default_url(), users_file=users_file, oidc_file=oidc_file, host=host,
                         time_limit_s=time_limit, request_time_limit_s=request_time_limit,
                         secure_cookie=secure_cookie, retention_days=retention_days, bin_days=bin_days,
                         allowed_hosts=tuple(_ascii_host(h) for h in allowed_hosts),
                         header_timeout_s=header_timeout, body_timeout_s=body_timeout)
    try:
        if users_file and not Users(users_file).admins():
            click.echo(f"warning: {users_file} names no administrator: nobody can change the office settings or "
                       "end sessions (add one with --auth FILE --add-user NAME --admin)", err=True)
        run(config, port=port, workers=workers)
    except (UsersFileError, DatabaseUnusable) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@click.command(name="sweep")
@click.option("--db", "db_url", default=None, metavar="URL", help="Database URL (as for planner serve).")
@click.option("--as-of", "as_of", type=DATE, required=True,
              help="The date the retention rules are applied on, DD.MM.YYYY or YYYY-MM-DD (the server uses today on start).")
@click.option("--retention-days", type=click.IntRange(0, 36500), default=365, show_default=True,
              help="Erase case records and letters of cases closed more than this many days before --as-of.")
@click.option("--bin-days", type=click.IntRange(0, 3650), default=30, show_default=True,
              help="Erase households deleted more than this many days before --as-of.")
def sweep(db_url: str | None, as_of, retention_days: int, bin_days: int) -> None:
    """Apply the retention rules of the web page's database once (prints counts, never ids)."""
    from planner.web.server import database_problem
    from planner.web.store import Store, default_url

    url = db_url or default_url()
    if missing := _missing_sqlite_file(url):
        click.echo(f"error: --db {url}: the database file {missing} does not exist (a mistyped path?); "
                   "sweep works on the database planner serve made and never creates one", err=True)
        sys.exit(EXIT_USAGE)
    try:
        store = Store(url)
    except Exception as exc:  # noqa: BLE001 - the user's URL
        click.echo(f"error: {database_problem(url, exc)}", err=True)
        sys.exit(EXIT_USAGE)
    out = store.case.sweep(as_of, retention_days, bin_days)
    click.echo(f"{len(out['case_records'])} saksopplysninger slettet, {len(out['purged'])} husstander slettet "
               f"for godt fra papirkurven (per {as_of.isoformat()})")


def _missing_sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL when it does not exist (else None): SQLite would create an empty
    database there, and a sweep on it would report "0 erased" for a typing error."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # Store reports the bad URL
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):
        return None  # a URI filename: left to SQLite
    from pathlib import Path

    return None if Path(parsed.database).exists() else parsed.database
