"""bound credentials: a copy re-issued to a wallet's DID points at the credential it re-issues

Revision ID: 0010delivery
Revises: 0009private
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010delivery"
down_revision = "0009private"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bound_from", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_credentials_bound_from", ["bound_from"])
        batch_op.create_foreign_key(
            "fk_credentials_bound_from_credentials", "credentials", ["bound_from"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_constraint("fk_credentials_bound_from_credentials", type_="foreignkey")
        batch_op.drop_index("ix_credentials_bound_from")
        batch_op.drop_column("bound_from")
