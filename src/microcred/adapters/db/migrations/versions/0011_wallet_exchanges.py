"""DCC wallet exchanges: single-use, expiring VC-API exchanges that bind a credential to the
DID a wallet proves it controls

Revision ID: 0011wallet
Revises: 0010delivery
Create Date: 2026-12-04 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011wallet"
down_revision = "0010delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_exchanges",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder_did", sa.String(length=2048), nullable=True),
        sa.Column("bound_credential_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_wallet_exchanges_credential_id_credentials"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_wallet_exchanges_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_wallet_exchanges")),
    )
    with op.batch_alter_table("wallet_exchanges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_wallet_exchanges_org_credential", ["organisation_id", "credential_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("wallet_exchanges", schema=None) as batch_op:
        batch_op.drop_index("ix_wallet_exchanges_org_credential")
    op.drop_table("wallet_exchanges")
