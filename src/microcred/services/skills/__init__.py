"""Skills intelligence use cases: role profiles, people, gaps and search, applicants, the index."""

from microcred.services.skills.analysis import Explained, RoleMatches, SkillsAnalysis, TeamSize
from microcred.services.skills.applicants import ApplicantService, ApplicantView, VerifierFactory
from microcred.services.skills.index import IndexStats, SkillsIndexCache
from microcred.services.skills.people import EvidenceView, PeopleService, PersonSkills, PersonView
from microcred.services.skills.role_cache import RoleCache
from microcred.services.skills.roles import RoleDraft, RoleInput, RoleService
from microcred.services.skills.taxonomy import (
    AlignmentSuggestion,
    OccupationProfile,
    Reference,
    SkillsReference,
)

__all__ = [
    "AlignmentSuggestion",
    "ApplicantService",
    "ApplicantView",
    "EvidenceView",
    "Explained",
    "IndexStats",
    "OccupationProfile",
    "PeopleService",
    "PersonSkills",
    "PersonView",
    "Reference",
    "RoleCache",
    "RoleDraft",
    "RoleInput",
    "RoleMatches",
    "RoleService",
    "SkillsAnalysis",
    "SkillsIndexCache",
    "SkillsReference",
    "TeamSize",
    "VerifierFactory",
]
