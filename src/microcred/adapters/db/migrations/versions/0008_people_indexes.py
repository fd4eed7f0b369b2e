"""people at scale: indexes for paging an organisation's people (all, or one team's) and for
reading one person's credentials (by e-mail, newest first, or by DID) without walking the
organisation's credentials

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03 06:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0005"  # the skills branch (user_teams); users and credentials are older
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_org_id", ["organisation_id", "id"], unique=False)
    with op.batch_alter_table("user_teams", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_teams_org_team", ["organisation_id", "team", "user_id"], unique=False
        )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credentials_org_email",
            ["organisation_id", "recipient_email", "issued_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_credentials_org_did", ["organisation_id", "recipient_did"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_credentials_org_did")
        batch_op.drop_index("ix_credentials_org_email")
    with op.batch_alter_table("user_teams", schema=None) as batch_op:
        batch_op.drop_index("ix_user_teams_org_team")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_org_id")
