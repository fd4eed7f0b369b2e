"""private credentials: the holder may hide a credential's public page and downloads

Revision ID: 0009private
Revises: 0008bulk
Create Date: 2026-12-03 07:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009private"
down_revision = "0008bulk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_column("private")
