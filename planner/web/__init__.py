"""The caseworker's web page: `planner serve` (FastAPI, server-rendered Jinja2 pages).

Kept light on import: `planner/cli.py` registers the `serve` command from `planner.web.command`, and
FastAPI, SQLAlchemy and the engine are imported only when the server starts.
"""
