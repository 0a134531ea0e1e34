"""Alembic environment for the web store. Run programmatically by `planner.web.store.migrate`
(which passes an open connection), or by hand: `alembic -x url=sqlite:///planner.db upgrade head`
with `script_location = planner.web:migrations`."""

from alembic import context
from sqlalchemy import create_engine

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass `-x url=...` or set sqlalchemy.url in alembic.ini")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
