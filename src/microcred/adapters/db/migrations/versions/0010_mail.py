"""e-mail: credential offers (claim token hashed), the per-achievement offer policy, recipients'
opt-outs and the mail log

Revision ID: 0010mail
Revises: 0009webhooks
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010mail"
down_revision = "0009webhooks"
branch_labels = None
depends_on = None


def _org(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id"],
        ["organisations.id"],
        name=op.f(f"fk_{table}_organisation_id_organisations"),
    )


def upgrade() -> None:
    op.create_table(
        "credential_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_credential_offers_credential_id_credentials"),
        ),
        _org("credential_offers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_offers")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_credential_offers_credential_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_credential_offers_token_hash")),
    )
    op.create_index(
        "ix_credential_offers_org_email", "credential_offers", ["organisation_id", "email"]
    )
    op.create_table(
        "offer_policies",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("achievement_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_offer_policies_achievement_id_achievements"),
        ),
        _org("offer_policies"),
        sa.PrimaryKeyConstraint(
            "organisation_id", "achievement_id", name=op.f("pk_offer_policies")
        ),
    )
    op.create_table(
        "mail_recipients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        _org("mail_recipients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_recipients")),
        sa.UniqueConstraint(
            "organisation_id", "email", name=op.f("uq_mail_recipients_organisation_id_email")
        ),
    )
    op.create_table(
        "mail_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_key", sa.String(length=80), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=250), nullable=True),
        sa.Column("skipped", sa.Text(), nullable=True),
        _org("mail_log"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_log")),
        sa.UniqueConstraint(
            "organisation_id",
            "kind",
            "subject_key",
            name=op.f("uq_mail_log_organisation_id_kind_subject_key"),
        ),
    )
    op.create_index("ix_mail_log_org_created", "mail_log", ["organisation_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_log_org_created", table_name="mail_log")
    op.drop_table("mail_log")
    op.drop_table("mail_recipients")
    op.drop_table("offer_policies")
    op.drop_index("ix_credential_offers_org_email", table_name="credential_offers")
    op.drop_table("credential_offers")
