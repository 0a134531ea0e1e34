import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenario():
    """Load a bundled scenario by file stem."""
    from planner.io.household import read_household

    return lambda name: read_household(SCENARIOS / f"{name}.toml")


# --------------------------------------------------------------------------- hypothesis profiles
# "ci" (CI=1, as .ci/run sets): derandomized and without the example database, so a CI run draws
# the same examples on every machine. "dev" (a developer's run): random examples, and failures
# remembered in .hypothesis/. "mutation" ($PLANNER_MAX_EXAMPLES, bench/mutation.py): the same few
# examples every time, so a mutant is killed or survives the same way on every run.
# $PLANNER_HYPOTHESIS_PROFILE names one (e.g. `PLANNER_HYPOTHESIS_PROFILE=ci` reproduces CI).
from hypothesis import settings  # noqa: E402

settings.register_profile("dev", deadline=None, print_blob=True)
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("mutation", derandomize=True, database=None, deadline=None, print_blob=False)
# "long": the long random run developers make before they stop (docs/development/testing.md):
# PLANNER_HYPOTHESIS=long draws new seeds and $PLANNER_LONG_FACTOR (default 20) times the
# examples of every property test (strategies.examples); a failure prints the blob that replays
# it, and is kept as an explicit @example.
settings.register_profile("long", derandomize=False, deadline=None, print_blob=True)
PROFILE = os.environ.get("PLANNER_HYPOTHESIS_PROFILE") or (
    "mutation" if os.environ.get("PLANNER_MAX_EXAMPLES") else "long" if os.environ.get("PLANNER_HYPOTHESIS") == "long"
    else "ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)


def pytest_configure(config):
    """How many examples a property test draws (`strategies.examples(n)`): in the default run of a
    developer (profile "dev", `-m 'not slow'` from pyproject.toml) a quarter of `n`, at least 10,
    since that run is made often; in CI and in any run that names its own -m (`-m slow`, or
    `-m "slow or not slow"` as .ci/run) the full `n`."""
    quick = PROFILE == "dev" and config.getoption("markexpr", "") == "not slow"
    os.environ["PLANNER_EXAMPLES"] = "quarter" if quick else "full"


def pytest_report_header(config):
    return f"hypothesis profile: {PROFILE}; examples: {os.environ.get('PLANNER_EXAMPLES')}"


@pytest.fixture(scope="session", autouse=True)
def _private_home(tmp_path_factory):
    """Each xdist worker has its own data folder ($PLANNER_HOME: the web page's default database
    and key), never the developer's own; subprocesses inherit it."""
    home = tmp_path_factory.mktemp("planner-home")
    old = os.environ.get("PLANNER_HOME")
    os.environ["PLANNER_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("PLANNER_HOME", None)
    else:
        os.environ["PLANNER_HOME"] = old

# --------------------------------------------------------------------------- databases
# The store's tests run on SQLite and on a real PostgreSQL server: PLANNER_TEST_PG_URL names one
# (a superuser URL, e.g. from `.ci/pg-start`); each test gets a fresh database created on it.
# Without the variable the PostgreSQL cases skip, except in CI (CI=1, set by .ci/run): there a
# missing server is a failure, never a silent skip.

PG_ENV = "PLANNER_TEST_PG_URL"


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames:
        metafunc.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield from _fresh_pg_database()


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database, for what only PostgreSQL does (several server processes)."""
    yield from _fresh_pg_database()


def _fresh_pg_database():
    import os
    import secrets

    admin = os.environ.get(PG_ENV)
    if not admin:
        message = f"{PG_ENV} is not set: start PostgreSQL with .ci/pg-start and export its URL"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    import sqlalchemy as sa

    name = "planner_test_" + secrets.token_hex(6)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(autouse=True)
def _no_clock_in_cli(monkeypatch, request):
    """CLI tests written before as-of dates existed plan as they did: no as-of date, every
    lever from the first day (`--as-of` given explicitly still applies). The clock is never
    read in a test."""
    import planner.batch_cli
    import planner.cli as cli

    real = cli._today
    monkeypatch.setattr(cli, "_today", lambda as_of: real(as_of) if as_of is not None else None)
    # the scenarios pin their own `as_of` (issue 21); these tests still plan without one unless
    # they give --as-of. tests/test_asof.py puts the real rule (flag > file > today) back.
    monkeypatch.setattr(cli, "_day_for", lambda h, as_of, today: as_of if as_of is not None else today)
    monkeypatch.setattr(planner.batch_cli, "_today", lambda: None)


#: The calendar every test runs on (`planner.asof.today`, the one place the program reads the
#: clock): a test never depends on the day it runs. Tests that need another day patch it again.
TEST_TODAY = __import__("datetime").date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _fixed_calendar(monkeypatch):
    import planner.asof

    monkeypatch.setattr(planner.asof, "today", lambda: TEST_TODAY)
