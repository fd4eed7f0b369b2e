"""transparency log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 14:01:20.191756
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "log_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_log_checkpoints")),
    )
    op.create_table(
        "log_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_entries")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_log_entries_leaf_index")),
    )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_log_entries_credential_id"), ["credential_id"], unique=False
        )

    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_witness_views",
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("witness", name=op.f("pk_log_witness_views")),
    )
    op.create_table(
        "server_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_private", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_keys")),
        sa.UniqueConstraint("purpose", name=op.f("uq_server_keys_purpose")),
    )
    op.create_table(
        "log_anchors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("digest", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["size"], ["log_checkpoints.size"], name=op.f("fk_log_anchors_size_log_checkpoints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_anchors")),
    )
    with op.batch_alter_table("log_anchors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_anchors_size"), ["size"], unique=False)

    op.create_table(
        "log_cosignatures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("signature_line", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["size"],
            ["log_checkpoints.size"],
            name=op.f("fk_log_cosignatures_size_log_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_cosignatures")),
        sa.UniqueConstraint("size", "witness", name=op.f("uq_log_cosignatures_size_witness")),
    )
    with op.batch_alter_table("log_cosignatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_cosignatures_size"), ["size"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("log_cosignatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_cosignatures_size"))

    op.drop_table("log_cosignatures")
    with op.batch_alter_table("log_anchors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_anchors_size"))

    op.drop_table("log_anchors")
    op.drop_table("server_keys")
    op.drop_table("log_witness_views")
    op.drop_table("log_nodes")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_entries_credential_id"))

    op.drop_table("log_entries")
    op.drop_table("log_checkpoints")
