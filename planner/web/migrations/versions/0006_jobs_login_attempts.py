"""background jobs and the login throttle in the database, so several server processes share them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

`jobs`: one row per long piece of work (a large import, a ledger, a report) with its state and
progress, which every server process reads, and a heartbeat, so a job whose process died is
taken up again by another. `job_parts`: the job's input and output in parts, so a resumed job
starts at the first part not done (personal data: erased with the job, see the retention
rules). `login_attempts`: the throttle's counts per key (a keyed hash of the user name and/or
address, never the name or address itself), so a guesser gains nothing by reaching another
process. Three new, empty tables.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("user", sa.String(64), nullable=True),
        sa.Column("office", sa.String(80), nullable=True),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("worker", sa.String(120), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.create_table(
        "job_parts",
        sa.Column("job_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("input", sa.LargeBinary, nullable=True),
        sa.Column("output", sa.Text, nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("last", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("job_parts")
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_table("jobs")
