"""OpenID4VCI issuance: credential offers (codes and tokens stored as hashes) and proof nonces

Revision ID: 0011oid4vci
Revises: 0010delivery
Create Date: 2026-12-04 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011oid4vci"
down_revision = "0010delivery"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "oid4vci_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder_did", sa.String(length=2048), nullable=True),
        sa.Column("bound_credential_id", sa.String(length=36), nullable=True),
        _fk("oid4vci_offers", "organisation_id", "organisations"),
        _fk("oid4vci_offers", "credential_id", "credentials"),
        _fk("oid4vci_offers", "bound_credential_id", "credentials"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oid4vci_offers")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oid4vci_offers_code_hash")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_oid4vci_offers_access_token_hash")),
    )
    with op.batch_alter_table("oid4vci_offers", schema=None) as batch_op:
        batch_op.create_index("ix_oid4vci_offers_organisation_id", ["organisation_id"])
        batch_op.create_index("ix_oid4vci_offers_credential_id", ["credential_id"])
    op.create_table(
        "oid4vci_nonces",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        _fk("oid4vci_nonces", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("nonce_hash", name=op.f("pk_oid4vci_nonces")),
    )
    with op.batch_alter_table("oid4vci_nonces", schema=None) as batch_op:
        batch_op.create_index("ix_oid4vci_nonces_organisation_id", ["organisation_id"])
        batch_op.create_index("ix_oid4vci_nonces_expires_at", ["expires_at"])


def downgrade() -> None:
    op.drop_table("oid4vci_nonces")
    op.drop_table("oid4vci_offers")
