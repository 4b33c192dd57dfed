"""A unit's periods from an index: the task list of a question naming a period first reads the
distinct periods of the unit's tasks (a handful, where a province holds thousands of tasks per
unit), matches them in Python, then filters the tasks by them in SQL.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_unit_period", "tasks", ["unit", "period"])


def downgrade() -> None:
    op.drop_index("ix_tasks_unit_period", table_name="tasks")
