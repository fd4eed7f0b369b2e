"""imported credentials: what learners bring into their wallet from elsewhere, with its checks

Revision ID: 0011imports
Revises: 0010delivery
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011imports"
down_revision = "0010delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("presented", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_imported_credentials_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_imported_credentials_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_credentials")),
    )
    op.create_index(
        "ix_imported_credentials_org_user",
        "imported_credentials",
        ["organisation_id", "user_id", "imported_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_imported_credentials_org_user", table_name="imported_credentials")
    op.drop_table("imported_credentials")
