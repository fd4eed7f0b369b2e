"""SCIM 2.0 provisioning: one bearer token digest per organisation, provisioned resources
(their SCIM documents and the columns filters run on) and their multi-valued parts

Revision ID: 0012scim
Revises: 0011imports
Create Date: 2026-12-04 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012scim"
down_revision = "0011imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scim_tokens",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_scim_tokens_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_scim_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_scim_tokens_token_hash")),
    )
    op.create_table(
        "scim_resources",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_lc", sa.String(length=300), nullable=False),
        sa.Column("external_id", sa.String(length=300), nullable=True),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("display_name_lc", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_scim_resources_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_resources")),
        sa.UniqueConstraint(
            "organisation_id",
            "kind",
            "name_lc",
            name=op.f("uq_scim_resources_organisation_id_kind_name_lc"),
        ),
    )
    with op.batch_alter_table("scim_resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scim_resources_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_scim_resources_org_kind_external",
            ["organisation_id", "kind", "external_id"],
            unique=False,
        )
    op.create_table(
        "scim_values",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("attr", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("value_lc", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_scim_values_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["scim_resources.id"],
            name=op.f("fk_scim_values_resource_id_scim_resources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_values")),
    )
    with op.batch_alter_table("scim_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scim_values_resource_id"), ["resource_id"], unique=False
        )
        batch_op.create_index(
            "ix_scim_values_org_attr_value", ["organisation_id", "attr", "value_lc"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("scim_values", schema=None) as batch_op:
        batch_op.drop_index("ix_scim_values_org_attr_value")
        batch_op.drop_index(batch_op.f("ix_scim_values_resource_id"))
    op.drop_table("scim_values")
    with op.batch_alter_table("scim_resources", schema=None) as batch_op:
        batch_op.drop_index("ix_scim_resources_org_kind_external")
        batch_op.drop_index(batch_op.f("ix_scim_resources_organisation_id"))
    op.drop_table("scim_resources")
    op.drop_table("scim_tokens")
