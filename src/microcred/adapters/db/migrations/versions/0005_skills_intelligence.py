"""skills intelligence: role profiles, people's teams and DIDs, declared skills, applicants

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 14:18:39.337060
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applicants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("dids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_applicants_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicants")),
        sa.UniqueConstraint(
            "organisation_id", "email", name=op.f("uq_applicants_organisation_id_email")
        ),
    )
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applicants_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "role_profiles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source_occupation", sa.String(length=2048), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_role_profiles_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_profiles")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_role_profiles_organisation_id_name")
        ),
    )
    with op.batch_alter_table("role_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_profiles_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "talent_state",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_talent_state_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_talent_state")),
    )
    op.create_table(
        "applicant_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("presented", sa.Text(), nullable=False),
        sa.Column("tlog_proof", sa.Text(), nullable=True),
        sa.Column("tlog_policy", sa.Text(), nullable=True),
        sa.Column("credential_uri", sa.String(length=2048), nullable=True),
        sa.Column("issuer", sa.String(length=2048), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("presented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicants.id"],
            name=op.f("fk_applicant_credentials_applicant_id_applicants"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_applicant_credentials_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicant_credentials")),
    )
    with op.batch_alter_table("applicant_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applicant_credentials_applicant_id"), ["applicant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_applicant_credentials_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "declared_skills",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("skill_uri", sa.String(length=2048), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_declared_skills_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_declared_skills_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_skills")),
        sa.UniqueConstraint(
            "user_id", "skill_uri", name=op.f("uq_declared_skills_user_id_skill_uri")
        ),
    )
    with op.batch_alter_table("declared_skills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declared_skills_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_declared_skills_user_id"), ["user_id"], unique=False)

    op.create_table(
        "role_requirements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("role_id", sa.String(length=36), nullable=False),
        sa.Column("skill_uri", sa.String(length=2048), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("essential", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_role_requirements_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["role_profiles.id"],
            name=op.f("fk_role_requirements_role_id_role_profiles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_requirements")),
        sa.UniqueConstraint(
            "role_id", "skill_uri", name=op.f("uq_role_requirements_role_id_skill_uri")
        ),
    )
    with op.batch_alter_table("role_requirements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_requirements_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_role_requirements_role_id"), ["role_id"], unique=False)

    op.create_table(
        "user_dids",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("did", sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_user_dids_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_dids_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_dids")),
        sa.UniqueConstraint(
            "organisation_id", "did", name=op.f("uq_user_dids_organisation_id_did")
        ),
    )
    with op.batch_alter_table("user_dids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_dids_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_dids_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_teams",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("current_role_id", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["current_role_id"],
            ["role_profiles.id"],
            name=op.f("fk_user_teams_current_role_id_role_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_user_teams_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_teams_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_teams")),
    )
    with op.batch_alter_table("user_teams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_teams_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_teams_team"), ["team"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_teams_team"))
        batch_op.drop_index(batch_op.f("ix_user_teams_organisation_id"))

    op.drop_table("user_teams")
    with op.batch_alter_table("user_dids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_dids_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_dids_organisation_id"))

    op.drop_table("user_dids")
    with op.batch_alter_table("role_requirements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_requirements_role_id"))
        batch_op.drop_index(batch_op.f("ix_role_requirements_organisation_id"))

    op.drop_table("role_requirements")
    with op.batch_alter_table("declared_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declared_skills_user_id"))
        batch_op.drop_index(batch_op.f("ix_declared_skills_organisation_id"))

    op.drop_table("declared_skills")
    with op.batch_alter_table("applicant_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicant_credentials_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_applicant_credentials_applicant_id"))

    op.drop_table("applicant_credentials")
    op.drop_table("talent_state")
    with op.batch_alter_table("role_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_profiles_organisation_id"))

    op.drop_table("role_profiles")
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicants_organisation_id"))

    op.drop_table("applicants")
