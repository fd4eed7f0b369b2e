"""Micro-credential definitions: the Open Badges 3.0 ``Achievement`` and its parts."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from microcred.errors import InvalidInput

#: OB 3.0 §B.1.3 AchievementType enumeration (extensions use the ``ext:`` prefix).
ACHIEVEMENT_TYPES = frozenset(
    {
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    }
)

#: OB 3.0 AlignmentTargetType enumeration.
ALIGNMENT_TARGET_TYPES = frozenset(
    {
        "ceasn:Competency",
        "ceterms:Credential",
        "CFItem",
        "CFRubric",
        "CFRubricCriterion",
        "CFRubricCriterionLevel",
        "CTDL",
    }
)

#: OB 3.0 ResultType enumeration.
RESULT_TYPES = frozenset(
    {
        "GradePointAverage",
        "LetterGrade",
        "Percent",
        "PerformanceLevel",
        "PredictedScore",
        "RawScore",
        "Result",
        "RubricCriterion",
        "RubricCriterionLevel",
        "RubricScore",
        "ScaledScore",
        "Status",
    }
)


class StatusPurpose(enum.StrEnum):
    """Which Bitstring Status List a credential's single status entry lives in."""

    REVOCATION = "revocation"  # revoke only; irreversible, as the spec says
    SUSPENSION = "suspension"  # suspend and reinstate


def _check_enum(value: str, allowed: frozenset[str], what: str) -> str:
    if value in allowed or (value.startswith("ext:") and len(value) > 4):
        return value
    raise InvalidInput(
        f"{value[:60]!r} is not an Open Badges 3.0 {what}.",
        hint=f"Use one of {', '.join(sorted(allowed)[:8])}, … or an 'ext:' extension value.",
    )


def check_url(value: str, what: str, *, allow_data: bool = False) -> str:
    """Refuse values that are not absolute http(s) URLs (or data: URIs when allowed)."""
    if allow_data and value.startswith("data:"):
        return value
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidInput(f"The {what} must be an absolute http(s) URL.")
    return value


@dataclass(frozen=True, slots=True)
class Alignment:
    """A skill (or other framework node) the achievement is aligned to, at a stated level."""

    target_name: str
    target_url: str
    target_code: str | None = None
    target_framework: str | None = None
    target_type: str | None = "ceasn:Competency"
    target_description: str | None = None
    #: required proficiency, e.g. 3 on a 1–5 scale; shown in the credential's description
    level: int | None = None

    def __post_init__(self) -> None:
        check_url(self.target_url, "alignment target URL")
        if self.target_type is not None:
            _check_enum(self.target_type, ALIGNMENT_TARGET_TYPES, "alignment target type")
        if self.level is not None and not 1 <= self.level <= 10:
            raise InvalidInput("A skill level must be between 1 and 10.")


@dataclass(frozen=True, slots=True)
class RubricLevel:
    """One level of a rubric criterion (``RubricCriterionLevel``)."""

    id: str
    name: str
    description: str | None = None
    level: str | None = None
    points: str | None = None


@dataclass(frozen=True, slots=True)
class ResultDescription:
    """A possible result of the achievement, e.g. a rubric with its levels."""

    id: str
    name: str
    result_type: str = "RubricCriterionLevel"
    levels: tuple[RubricLevel, ...] = ()
    required_level: str | None = None
    allowed_values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_enum(self.result_type, RESULT_TYPES, "result type")
        ids = {lv.id for lv in self.levels}
        if self.required_level is not None and self.required_level not in ids:
            raise InvalidInput("The required level must be one of the result's levels.")


@dataclass(frozen=True, slots=True)
class Image:
    """An image of the badge: a URL or a data: URI, with an optional caption."""

    id: str
    caption: str | None = None

    def __post_init__(self) -> None:
        check_url(self.id, "image", allow_data=True)
        if len(self.id) > 512_000:
            raise InvalidInput("The image is too large; keep data URIs under 500 KB.")


@dataclass(slots=True)
class Achievement:
    """A micro-credential definition (OB 3.0 ``Achievement``)."""

    id: str
    organisation_id: str
    name: str
    description: str
    criteria_narrative: str
    achievement_type: str = "MicroCredential"
    alignments: list[Alignment] = field(default_factory=list)
    effort_hours: float | None = None
    image: Image | None = None
    #: credentials expire this many days after issuance (None: they do not expire)
    validity_days: int | None = None
    result_descriptions: list[ResultDescription] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status_purpose: StatusPurpose = StatusPurpose.REVOCATION
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("An achievement needs a name.")
        if not self.criteria_narrative.strip():
            raise InvalidInput("An achievement needs criteria saying how it is earned.")
        _check_enum(self.achievement_type, ACHIEVEMENT_TYPES, "achievement type")
        if self.effort_hours is not None and not 0 < self.effort_hours <= 10_000:
            raise InvalidInput("Effort must be a positive number of hours (at most 10,000).")
        if self.validity_days is not None and not 1 <= self.validity_days <= 36_500:
            raise InvalidInput("The validity period must be between 1 and 36,500 days.")
