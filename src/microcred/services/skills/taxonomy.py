"""Reference skills data for the product: match text to ESCO skills and occupations, show an
occupation's skills, suggest alignments for a micro-credential. Offline, on the shipped ESCO."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, NotFound
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.skills.skill_matching import Match, SkillMatcher
from microcred.skills.taxonomy import Relation, Taxonomy

#: ESCO concept URIs start with this; other URIs (custom frameworks) are taken as they are
ESCO_PREFIX = "http://data.europa.eu/esco/"
MAX_TOP = 100


@dataclass(frozen=True, slots=True)
class OccupationSkill:
    """A skill an occupation lists, essentially or optionally."""

    uri: str
    label: str
    relation: Relation


@dataclass(frozen=True, slots=True)
class OccupationProfile:
    """An ESCO occupation with its description and linked skills."""

    uri: str
    label: str
    description: str
    code: str
    skills: tuple[OccupationSkill, ...]


@dataclass(frozen=True, slots=True)
class AlignmentSuggestion:
    """A skill to align a micro-credential to, in the shape of an OB 3.0 alignment."""

    target_name: str
    target_url: str
    target_framework: str
    score: float
    matched_label: str


class Reference:
    """The matcher and taxonomy, loaded on first use (about a second) and shared."""

    def __init__(self, matcher: Callable[[], SkillMatcher]) -> None:
        self._matcher = matcher

    @property
    def matcher(self) -> SkillMatcher:
        """The skill matcher over the shipped ESCO."""
        return self._matcher()

    @property
    def taxonomy(self) -> Taxonomy:
        """The shipped ESCO taxonomy."""
        return self._matcher().taxonomy

    def check_skill(self, uri: str) -> str | None:
        """The ESCO label of a skill URI; `NotFound` for an ESCO URI ESCO does not define;
        None for other frameworks."""
        if not uri.startswith(ESCO_PREFIX):
            return None
        taxonomy = self.taxonomy
        if not taxonomy.has_skill(uri):
            raise NotFound(
                f"ESCO {taxonomy.version} has no skill {uri[:200]}.",
                hint="Find skills with POST /api/v1/skills/match.",
            )
        return taxonomy.skill(uri).label


def _top(top_k: int) -> int:
    if not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP:
        raise InvalidInput(f"Ask for 1–{MAX_TOP} results.")
    return top_k


class SkillsReference:
    """Text to skills and occupations; occupation profiles; alignment suggestions."""

    def __init__(self, reference: Reference, uow: UnitOfWorkFactory) -> None:
        self._ref = reference
        self._uow = uow

    def match_skills(self, text: str, top_k: int = 10) -> list[Match]:
        """ESCO skills for a sentence, a job ad or a piece of evidence, best first."""
        return self._ref.matcher.match_skills(text, _top(top_k))

    def match_occupations(self, title: str, top_k: int = 10) -> list[Match]:
        """ESCO occupations for a job title (or a longer description), best first."""
        return self._ref.matcher.match_occupations(title, _top(top_k))

    def occupation(self, uri: str) -> OccupationProfile:
        """An ESCO occupation and its essential and optional skills."""
        taxonomy = self._ref.taxonomy
        occ = taxonomy.occupation(uri)
        skills = tuple(
            OccupationSkill(link.skill_uri, taxonomy.skill(link.skill_uri).label, link.relation)
            for link in taxonomy.skills_of(uri)
        )
        return OccupationProfile(occ.uri, occ.label, occ.description, occ.code, skills)

    def suggest_alignments(
        self,
        principal: Principal,
        *,
        achievement_id: str | None = None,
        text: str | None = None,
        top_k: int = 10,
    ) -> list[AlignmentSuggestion]:
        """Skills to align a micro-credential to, from its name, description and criteria (or
        from ``text`` for one not yet defined). Skills it is already aligned to are left out."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        if (achievement_id is None) == (text is None):
            raise InvalidInput("Give either an achievement id or a text, not both or neither.")
        aligned: set[str] = set()
        if achievement_id is not None:
            with self._uow() as uow:
                found = uow.tenant(principal.organisation_id).achievements.get(achievement_id)
            if found is None:
                raise NotFound("No such achievement in your organisation.")
            text = f"{found.name}. {found.description} {found.criteria_narrative}"
            aligned = {a.target_url for a in found.alignments}
        assert text is not None
        k = _top(top_k)
        matches = self._ref.matcher.suggest_alignments(text, min(MAX_TOP, k + len(aligned)))
        fresh = [m for m in matches if m.uri not in aligned][:k]
        framework = f"ESCO {self._ref.taxonomy.version}"
        return [
            AlignmentSuggestion(m.label, m.uri, framework, m.score, m.matched_label) for m in fresh
        ]
