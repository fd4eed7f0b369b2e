"""LTI 1.3 tool: platform registrations per organisation, the tool's sealed RSA keys,
pending logins (single use), platform users linked to users, AGS line items

Revision ID: 0012lti
Revises: 0011imports
Create Date: 2026-12-04 20:41:12.508923
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012lti"
down_revision = "0011imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_pending",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_lti_pending_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_lti_pending")),
    )
    with op.batch_alter_table("lti_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_pending_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lti_pending_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=1024), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("deployment_ids", sa.JSON(), nullable=False),
        sa.Column("auth_login_url", sa.String(length=2048), nullable=False),
        sa.Column("auth_token_url", sa.String(length=2048), nullable=False),
        sa.Column("jwks_url", sa.String(length=2048), nullable=False),
        sa.Column("just_in_time", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_lti_platforms_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_platforms")),
        sa.UniqueConstraint(
            "organisation_id",
            "issuer",
            "client_id",
            name=op.f("uq_lti_platforms_organisation_id_issuer_client_id"),
        ),
    )
    with op.batch_alter_table("lti_platforms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_platforms_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "lti_tool_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("sealed_private", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_lti_tool_keys_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_lti_tool_keys")),
    )
    with op.batch_alter_table("lti_tool_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_tool_keys_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "lti_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("issuer", sa.String(length=1024), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_launch_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_lti_identities_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lti_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_identities")),
        sa.UniqueConstraint(
            "organisation_id",
            "issuer",
            "subject",
            name=op.f("uq_lti_identities_organisation_id_issuer_subject"),
        ),
    )
    with op.batch_alter_table("lti_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_identities_user_id"), ["user_id"], unique=False)

    op.create_table(
        "lti_line_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("achievement_id", sa.String(length=36), nullable=False),
        sa.Column("lineitem_url", sa.String(length=2048), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_lti_line_items_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platforms.id"],
            name=op.f("fk_lti_line_items_platform_id_lti_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lti_line_items_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_line_items")),
        sa.UniqueConstraint(
            "organisation_id",
            "platform_id",
            "user_id",
            "lineitem_url",
            name=op.f("uq_lti_line_items_organisation_id_platform_id_user_id_lineitem_url"),
        ),
    )
    with op.batch_alter_table("lti_line_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_line_items_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lti_line_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_line_items_organisation_id"))

    op.drop_table("lti_line_items")
    with op.batch_alter_table("lti_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_identities_user_id"))

    op.drop_table("lti_identities")
    with op.batch_alter_table("lti_tool_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_tool_keys_organisation_id"))

    op.drop_table("lti_tool_keys")
    with op.batch_alter_table("lti_platforms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_platforms_organisation_id"))

    op.drop_table("lti_platforms")
    with op.batch_alter_table("lti_pending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_pending_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_lti_pending_created_at"))

    op.drop_table("lti_pending")
