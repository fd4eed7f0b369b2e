"""Converting between table rows and domain objects."""

from __future__ import annotations

import json
from typing import Any

from microcred.adapters.db.tables import (
    AchievementRow,
    ApiTokenRow,
    CredentialRow,
    OrganisationRow,
    SigningKeyRow,
    StatusChangeRow,
    StatusListRow,
    UserRow,
)
from microcred.domain.achievement import (
    Achievement,
    Alignment,
    Image,
    ResultDescription,
    RubricLevel,
    StatusPurpose,
)
from microcred.domain.credential import CredentialStatus, IssuedCredential, StatusAction
from microcred.domain.identity import ApiToken, Organisation, Role, TokenKind, User
from microcred.ports.credentials import SigningKeyRecord, StatusChangeRecord, StatusListRecord


def org_from_row(row: OrganisationRow) -> Organisation:
    return Organisation(
        row.id,
        row.slug,
        row.name,
        row.url,
        row.email,
        row.description,
        row.did_method,
        row.created_at,
    )


def org_to_row(org: Organisation, row: OrganisationRow) -> OrganisationRow:
    row.id, row.slug, row.name = org.id, org.slug, org.name
    row.url, row.email, row.description = org.url, org.email, org.description
    row.did_method = org.did_method
    if org.created_at is not None:
        row.created_at = org.created_at
    return row


def user_from_row(row: UserRow) -> User:
    return User(
        row.id,
        row.organisation_id,
        row.email,
        row.name,
        Role(row.role),
        row.password_hash,
        row.active,
        row.created_at,
    )


def user_to_row(user: User, row: UserRow) -> UserRow:
    row.id, row.organisation_id, row.email, row.name = (
        user.id,
        user.organisation_id,
        user.email,
        user.name,
    )
    row.role, row.password_hash, row.active = user.role.value, user.password_hash, user.active
    if user.created_at is not None:
        row.created_at = user.created_at
    return row


_TOKEN_KINDS = frozenset(k.value for k in TokenKind)


def token_from_row(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        row.id,
        row.organisation_id,
        row.user_id,
        row.name,
        row.token_hash,
        row.prefix,
        row.created_at,
        row.expires_at,
        row.revoked,
        TokenKind(row.kind) if row.kind in _TOKEN_KINDS else TokenKind.API,
        row.revoked_at,
    )


def token_to_row(token: ApiToken) -> ApiTokenRow:
    return ApiTokenRow(
        id=token.id,
        organisation_id=token.organisation_id,
        user_id=token.user_id,
        name=token.name,
        token_hash=token.token_hash,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked=token.revoked,
        kind=token.kind.value,
        revoked_at=token.revoked_at,
    )


def key_from_row(row: SigningKeyRow) -> SigningKeyRecord:
    return SigningKeyRecord(
        row.id,
        row.organisation_id,
        row.algorithm,
        row.public,
        row.sealed_private,
        row.fragment,
        row.active,
        row.created_at,
        row.retired_at,
    )


def key_to_row(key: SigningKeyRecord, row: SigningKeyRow) -> SigningKeyRow:
    row.id, row.organisation_id, row.algorithm, row.public = (
        key.id,
        key.organisation_id,
        key.algorithm,
        key.public,
    )
    row.sealed_private, row.fragment, row.active = key.sealed_private, key.fragment, key.active
    row.created_at, row.retired_at = key.created_at, key.retired_at
    return row


def _details(a: Achievement) -> dict[str, Any]:
    return {
        "alignments": [
            {
                "target_name": x.target_name,
                "target_url": x.target_url,
                "target_code": x.target_code,
                "target_framework": x.target_framework,
                "target_type": x.target_type,
                "target_description": x.target_description,
                "level": x.level,
            }
            for x in a.alignments
        ],
        "result_descriptions": [
            {
                "id": r.id,
                "name": r.name,
                "result_type": r.result_type,
                "required_level": r.required_level,
                "allowed_values": list(r.allowed_values),
                "levels": [
                    {
                        "id": lv.id,
                        "name": lv.name,
                        "description": lv.description,
                        "level": lv.level,
                        "points": lv.points,
                    }
                    for lv in r.levels
                ],
            }
            for r in a.result_descriptions
        ],
        "image": {"id": a.image.id, "caption": a.image.caption} if a.image else None,
        "tags": list(a.tags),
    }


def achievement_from_row(row: AchievementRow) -> Achievement:
    d: dict[str, Any] = row.details
    return Achievement(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        description=row.description,
        criteria_narrative=row.criteria_narrative,
        achievement_type=row.achievement_type,
        alignments=[Alignment(**x) for x in d.get("alignments", [])],
        effort_hours=row.effort_hours,
        image=Image(**d["image"]) if d.get("image") else None,
        validity_days=row.validity_days,
        result_descriptions=[
            ResultDescription(
                id=r["id"],
                name=r["name"],
                result_type=r["result_type"],
                required_level=r.get("required_level"),
                allowed_values=tuple(r.get("allowed_values", [])),
                levels=tuple(RubricLevel(**lv) for lv in r.get("levels", [])),
            )
            for r in d.get("result_descriptions", [])
        ],
        tags=list(d.get("tags", [])),
        status_purpose=StatusPurpose(row.status_purpose),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def achievement_to_row(a: Achievement, row: AchievementRow) -> AchievementRow:
    row.id, row.organisation_id, row.name, row.description = (
        a.id,
        a.organisation_id,
        a.name,
        a.description,
    )
    row.criteria_narrative, row.achievement_type = a.criteria_narrative, a.achievement_type
    row.effort_hours, row.validity_days = a.effort_hours, a.validity_days
    row.status_purpose = a.status_purpose.value
    row.details = _details(a)
    if a.created_at is not None:
        row.created_at = a.created_at
    if a.updated_at is not None:
        row.updated_at = a.updated_at
    return row


def credential_from_row(row: CredentialRow) -> IssuedCredential:
    return IssuedCredential(
        id=row.id,
        organisation_id=row.organisation_id,
        achievement_id=row.achievement_id,
        credential_url=row.credential_url,
        document=json.loads(row.document),
        suite=row.suite,
        recipient_email=row.recipient_email,
        recipient_did=row.recipient_did,
        status=CredentialStatus(row.status),
        status_purpose=StatusPurpose(row.status_purpose),
        status_list_id=row.status_list_id,
        status_index=row.status_index,
        key_id=row.key_id,
        issued_at=row.issued_at,
        valid_until=row.valid_until,
        jwt=row.jwt,
        private=row.private,
        bound_from=row.bound_from,
    )


def credential_to_row(c: IssuedCredential) -> CredentialRow:
    return CredentialRow(
        id=c.id,
        organisation_id=c.organisation_id,
        achievement_id=c.achievement_id,
        credential_url=c.credential_url,
        document=json.dumps(c.document, ensure_ascii=False, separators=(",", ":")),
        jwt=c.jwt,
        suite=c.suite,
        recipient_email=c.recipient_email,
        recipient_did=c.recipient_did,
        status=c.status.value,
        status_purpose=c.status_purpose.value,
        status_list_id=c.status_list_id,
        status_index=c.status_index,
        key_id=c.key_id,
        issued_at=c.issued_at,
        valid_until=c.valid_until,
        private=c.private,
        bound_from=c.bound_from,
    )


def status_list_from_row(row: StatusListRow) -> StatusListRecord:
    return StatusListRecord(
        row.id,
        row.organisation_id,
        StatusPurpose(row.purpose),
        row.key_id,
        row.size,
        row.bits,
        row.allocated,
        row.version,
        row.signed_document,
        row.signed_version,
        row.created_at,
    )


def change_from_row(row: StatusChangeRow) -> StatusChangeRecord:
    return StatusChangeRecord(
        row.id,
        row.organisation_id,
        row.credential_id,
        StatusAction(row.action),
        row.reason,
        row.actor_user_id,
        row.at,
    )
