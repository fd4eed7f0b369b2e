"""Skills intelligence, pure: taxonomies, role profiles, gaps, career paths, ranking, matching.

- Taxonomies: ``taxonomy`` (the tables), ``taxonomy_loader`` (shipped and stored bundles),
  ``taxonomy_import`` (ESCO, O*NET, ``write_bundle``), ``taxonomy_custom``, ``taxonomy_csv``.
- Matching text to skills: ``text`` (the analyser), ``concept_index``, ``index_store``,
  ``skill_matching``.
- People and roles: ``skills_profile``, ``roles``, ``index`` (``TalentIndex``), ``search``
  (candidate ranking), ``gaps``.
- Career paths: ``catalogue``, ``paths``, ``path_problem``, ``path_search``.
"""

from microcred.skills.gaps import GapStatus, Heatmap, HeatmapCell, Population, RoleGap
from microcred.skills.index import Person, PersonKind, TalentIndex
from microcred.skills.paths import CareerPath
from microcred.skills.roles import Requirement, RoleProfile, role_from_occupation
from microcred.skills.search import Candidate, SearchFilters, SearchPage, rank_people
from microcred.skills.skill_matching import Match, SkillMatcher, default_matcher
from microcred.skills.skills_profile import (
    MAX_LEVEL,
    MIN_LEVEL,
    DeclaredSkill,
    EvidenceStatus,
    SkillEvidence,
    SkillsProfile,
    Standing,
)
from microcred.skills.taxonomy import Relation, Taxonomy
from microcred.skills.taxonomy_import import (
    ImportReport,
    import_custom,
    import_esco,
    import_onet_occupations,
    write_bundle,
)
from microcred.skills.taxonomy_loader import load_taxonomy

__all__ = [
    "MAX_LEVEL",
    "MIN_LEVEL",
    "Candidate",
    "CareerPath",
    "DeclaredSkill",
    "EvidenceStatus",
    "GapStatus",
    "Heatmap",
    "HeatmapCell",
    "ImportReport",
    "Match",
    "Person",
    "PersonKind",
    "Population",
    "Relation",
    "Requirement",
    "RoleGap",
    "RoleProfile",
    "SearchFilters",
    "SearchPage",
    "SkillEvidence",
    "SkillMatcher",
    "SkillsProfile",
    "Standing",
    "TalentIndex",
    "Taxonomy",
    "default_matcher",
    "import_custom",
    "import_esco",
    "import_onet_occupations",
    "load_taxonomy",
    "rank_people",
    "role_from_occupation",
    "write_bundle",
]
