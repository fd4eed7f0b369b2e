"""code assignments: the share of clean runs sampled for a human audit, and the audit table

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-28 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

_COUNTS = ("audit_both_pass", "audit_both_fail", "audit_false_pass", "audit_false_fail")


def upgrade() -> None:
    with op.batch_alter_table("code_assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audit_share", sa.Float(), server_default="0.05", nullable=False)
        )
        for name in _COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("code_assignments", schema=None) as batch_op:
        for name in reversed(_COUNTS):
            batch_op.drop_column(name)
        batch_op.drop_column("audit_share")
