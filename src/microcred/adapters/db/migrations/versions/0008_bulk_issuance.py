"""bulk issuance: runs (one uploaded CSV file each), their rows, and per-organisation
idempotency keys (a row is issued once, even when two uploads race)

Revision ID: 0008bulk
Revises: 0007
Create Date: 2026-12-03 06:24:36
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008bulk"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("problem_rows", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("already_issued", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_bulk_runs_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_runs")),
    )
    with op.batch_alter_table("bulk_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bulk_runs_org_created", ["organisation_id", "created_at"], unique=False
        )

    op.create_table(
        "bulk_run_rows",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("row", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("achievement_id", sa.String(length=36), nullable=True),
        sa.Column("issued_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evidence_url", sa.String(length=2048), nullable=True),
        sa.Column("evidence_narrative", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_bulk_run_rows_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["bulk_runs.id"], name=op.f("fk_bulk_run_rows_run_id_bulk_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "row", name=op.f("pk_bulk_run_rows")),
    )
    with op.batch_alter_table("bulk_run_rows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bulk_run_rows_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_bulk_run_rows_run_state", ["run_id", "state", "row"], unique=False
        )

    op.create_table(
        "bulk_issuance_keys",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_bulk_issuance_keys_credential_id_credentials"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_bulk_issuance_keys_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["bulk_runs.id"], name=op.f("fk_bulk_issuance_keys_run_id_bulk_runs")
        ),
        sa.PrimaryKeyConstraint("organisation_id", "key", name=op.f("pk_bulk_issuance_keys")),
    )
    with op.batch_alter_table("bulk_issuance_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_issuance_keys_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bulk_issuance_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_issuance_keys_run_id"))

    op.drop_table("bulk_issuance_keys")
    with op.batch_alter_table("bulk_run_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_run_rows_run_state")
        batch_op.drop_index(batch_op.f("ix_bulk_run_rows_organisation_id"))

    op.drop_table("bulk_run_rows")
    with op.batch_alter_table("bulk_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_runs_org_created")

    op.drop_table("bulk_runs")
