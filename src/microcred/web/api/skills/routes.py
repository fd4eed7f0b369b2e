"""Skills intelligence over HTTP: role profiles, people's skills and gaps, career paths and
role matches, team and organisation gaps, heatmaps, talent search, external applicants, and
matching text to ESCO skills and occupations. See docs/skills-api.md."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from microcred.bootstrap import Skills
from microcred.errors import InvalidInput
from microcred.services.skills.applicants import ApplicantView
from microcred.services.skills.roles import RoleInput
from microcred.skills.gaps import Population
from microcred.skills.index import PersonKind
from microcred.skills.search import SearchFilters
from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.skills import gap_schemas as gs
from microcred.web.api.skills import schemas as s
from microcred.web.api.skills import search_schemas as ss

router = APIRouter(prefix="/api/v1", tags=["skills intelligence"])

Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Id = Annotated[str, Query(min_length=1, max_length=64)]
Ids = Annotated[list[str] | None, Query(max_length=200)]


def skills(c: ContainerDep) -> Skills:
    """The skills-intelligence services, wired in `microcred.bootstrap`."""
    return c.skills


SkillsDep = Annotated[Skills, Depends(skills)]


# ---------------------------------------------------------------------------------- roles


@router.post("/roles", status_code=status.HTTP_201_CREATED)
def create_role(body: s.RoleCreate, p: PrincipalDep, k: SkillsDep) -> s.RolePublic:
    """Define a role from scratch, or seed it from an ESCO occupation (``occupation_uri``)."""
    if body.occupation_uri is not None:
        if body.requirements:
            raise InvalidInput(
                "Give either requirements or an occupation_uri to seed them from, not both.",
                hint="Seed from the occupation, then edit the role with PUT /api/v1/roles/{id}.",
            )
        role = k.roles.from_occupation(
            p,
            body.occupation_uri,
            name=body.name or None,
            description=body.description,
            include_optional=body.include_optional,
            essential_level=body.essential_level,
            optional_level=body.optional_level,
            headcount=body.headcount,
        )
        return s.RolePublic.of(role)
    if not body.name:
        raise InvalidInput("A role needs a name (or an occupation_uri to take it from).")
    data = RoleInput(
        body.name,
        body.description or "",
        [q.to_domain() for q in body.requirements],
        body.headcount,
    )
    return s.RolePublic.of(k.roles.create(p, data))


@router.post("/roles/draft")
def draft_role(body: s.RoleDraftCreate, p: PrincipalDep, k: SkillsDep) -> s.RoleDraftPublic:
    """Propose a role's requirements from a job description (nothing is stored)."""
    drafted = k.roles.draft(
        p, body.job_description, occupations=body.occupations, skills=body.skills
    )
    return s.RoleDraftPublic.of(drafted)


@router.get("/roles")
def list_roles(
    p: PrincipalDep,
    k: SkillsDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> s.RolesPage:
    """Your organisation's roles, by name."""
    roles, total = k.roles.list(p, offset, limit)
    return s.RolesPage(
        total=total, offset=offset, limit=limit, items=[s.RolePublic.of(r) for r in roles]
    )


@router.get("/roles/{role_id}")
def get_role(role_id: str, p: PrincipalDep, k: SkillsDep) -> s.RolePublic:
    """One role with its requirements."""
    return s.RolePublic.of(k.roles.get(p, role_id))


@router.put("/roles/{role_id}")
def update_role(role_id: str, body: s.RoleUpdate, p: PrincipalDep, k: SkillsDep) -> s.RolePublic:
    """Replace a role's name, description, headcount and requirements."""
    data = RoleInput(
        body.name, body.description, [q.to_domain() for q in body.requirements], body.headcount
    )
    return s.RolePublic.of(k.roles.update(p, role_id, data))


@router.delete("/roles/{role_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_role(role_id: str, p: PrincipalDep, k: SkillsDep) -> None:
    """Delete a role (people holding it keep their team, without a current role)."""
    k.roles.delete(p, role_id)


@router.get("/roles/{role_id}/candidates")
def search(
    role_id: str,
    p: PrincipalDep,
    k: SkillsDep,
    kind: Annotated[list[Literal["employee", "applicant"]] | None, Query()] = None,
    team: Ids = None,
    must_meet: Annotated[list[str] | None, Query(max_length=100)] = None,
    exclude: Ids = None,
    essentials_met: bool = False,
    min_readiness: Annotated[float, Query(ge=0, le=1)] = 0.0,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ss.SearchPagePublic:
    """People (employees and verified applicants) ranked for a role, each explained."""
    filters = SearchFilters(
        kinds=frozenset(PersonKind(x) for x in kind) if kind else None,
        teams=frozenset(team) if team else None,
        exclude=frozenset(exclude or ()),
        must_meet=frozenset(must_meet or ()),
        essentials_met=essentials_met,
        min_readiness=min_readiness,
    )
    return ss.SearchPagePublic.of(k.analysis.search(p, role_id, filters, offset, limit))


# ---------------------------------------------------------------------------------- people


@router.get("/people")
def list_people(
    p: PrincipalDep,
    k: SkillsDep,
    team: Annotated[str | None, Query(max_length=100)] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> s.PeoplePage:
    """People with their team and current role (optionally one team)."""
    people, total = k.people.list_people(p, offset, limit, team)
    return s.PeoplePage(
        total=total, offset=offset, limit=limit, items=[s.PersonPublic.of(v) for v in people]
    )


@router.get("/people/{user_id}")
def get_person(user_id: str, p: PrincipalDep, k: SkillsDep) -> s.PersonPublic:
    """One person (``me`` for yourself)."""
    return s.PersonPublic.of(k.people.get(p, user_id))


@router.put("/people/{user_id}/placement")
def place_person(
    user_id: str, body: s.PlacementUpdate, p: PrincipalDep, k: SkillsDep
) -> s.PersonPublic:
    """Set a person's team, current role and DIDs (admins)."""
    placed = k.people.place(
        p, user_id, team=body.team or None, current_role_id=body.current_role_id, dids=body.dids
    )
    return s.PersonPublic.of(placed)


@router.get("/people/{user_id}/skills")
def person_skills(user_id: str, p: PrincipalDep, k: SkillsDep) -> s.PersonSkillsPublic:
    """Verified skills with the credential behind each, why others do not count, and
    declarations (unverified, apart)."""
    return s.PersonSkillsPublic.of(k.people.skills(p, user_id))


@router.get("/people/{user_id}/declared-skills")
def declared_skills(user_id: str, p: PrincipalDep, k: SkillsDep) -> list[s.DeclaredSkillPublic]:
    """The skills a person declares (never verified, never counted)."""
    return [s.DeclaredSkillPublic.of(d) for d in k.people.declared(p, user_id)]


@router.put("/people/{user_id}/declared-skills")
def declare_skills(
    user_id: str, body: s.DeclaredSkillsUpdate, p: PrincipalDep, k: SkillsDep
) -> list[s.DeclaredSkillPublic]:
    """Replace your own declared skills (only for ``me``)."""
    found = k.people.declare(p, user_id, [(x.skill_uri, x.level) for x in body.skills])
    return [s.DeclaredSkillPublic.of(d) for d in found]


@router.get("/people/{user_id}/gaps")
def person_gaps(user_id: str, role: Id, p: PrincipalDep, k: SkillsDep) -> gs.RoleGapPublic:
    """A person against a role: each requirement met, below level or missing, and the
    micro-credentials that close each gap."""
    return gs.RoleGapPublic.of(k.analysis.person_gap(p, user_id, role))


@router.get("/people/{user_id}/career-path")
def career_path(
    user_id: str,
    role: Id,
    p: PrincipalDep,
    k: SkillsDep,
    alternatives: Annotated[int, Query(ge=0, le=5)] = 2,
) -> gs.CareerPathPublic:
    """The least-effort ordered plan of micro-credentials to a role, with alternatives."""
    return gs.CareerPathPublic.of(k.analysis.career_path(p, user_id, role, alternatives))


@router.get("/people/{user_id}/role-matches")
def role_matches(
    user_id: str,
    p: PrincipalDep,
    k: SkillsDep,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> gs.RoleMatchesPublic:
    """The roles a person is closest to, and unmet organisational needs near their skills."""
    return gs.RoleMatchesPublic.of(k.analysis.matches(p, user_id, top))


# ---------------------------------------------------------------------------------- groups


@router.get("/teams")
def teams(p: PrincipalDep, k: SkillsDep) -> list[gs.TeamPublic]:
    """Teams and how many employees each has."""
    return [gs.TeamPublic.of(t) for t in k.analysis.teams(p)]


@router.get("/teams/{team}/gaps")
def team_gaps(team: str, p: PrincipalDep, k: SkillsDep, role: Ids = None) -> gs.TeamGapsPublic:
    """A team against roles (``role`` repeated; all roles when omitted)."""
    return gs.TeamGapsPublic.of(team, k.analysis.team_gaps(p, team, role))


@router.get("/organisation/skill-gaps")
def organisation_gaps(p: PrincipalDep, k: SkillsDep) -> gs.OrganisationGapsPublic:
    """Skills the organisation lacks for the headcount its roles need."""
    return gs.OrganisationGapsPublic.of(k.analysis.organisation_gaps(p))


@router.get("/heatmaps/roles")
def roles_heatmap(
    p: PrincipalDep,
    k: SkillsDep,
    role: Ids = None,
    population: Population = Population.ORGANISATION,
) -> gs.HeatmapPublic:
    """Roles × skills: how many employees (or the role's holders) meet each requirement."""
    return gs.HeatmapPublic.of(k.analysis.roles_heatmap(p, role, population))


@router.get("/heatmaps/teams")
def teams_heatmap(role: Id, p: PrincipalDep, k: SkillsDep, team: Ids = None) -> gs.HeatmapPublic:
    """Teams × a role's skills: how many employees of each team meet each level."""
    return gs.HeatmapPublic.of(k.analysis.teams_heatmap(p, role, team))


@router.get("/skills/index")
def index_stats(p: PrincipalDep, k: SkillsDep) -> ss.IndexStatsPublic:
    """What the skills index of your organisation holds and what it cost to build."""
    return ss.IndexStatsPublic.of(*k.analysis.stats(p))


# ---------------------------------------------------------------------------------- applicants


@router.post("/applicants", status_code=status.HTTP_201_CREATED)
def create_applicant(body: ss.ApplicantCreate, p: PrincipalDep, k: SkillsDep) -> ss.ApplicantPublic:
    """Record an external applicant."""
    created = k.applicants.create(p, name=body.name, email=body.email, dids=body.dids)
    return ss.ApplicantPublic.of(ApplicantView(created, ()))


@router.get("/applicants")
def list_applicants(
    p: PrincipalDep,
    k: SkillsDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ss.ApplicantsPage:
    """Applicants (oldest first) with the credentials they presented and every check."""
    found, total = k.applicants.list(p, offset, limit)
    return ss.ApplicantsPage(
        total=total, offset=offset, limit=limit, items=[ss.ApplicantPublic.of(a) for a in found]
    )


@router.get("/applicants/{applicant_id}")
def get_applicant(applicant_id: str, p: PrincipalDep, k: SkillsDep) -> ss.ApplicantPublic:
    """One applicant with every presented credential and its checks."""
    return ss.ApplicantPublic.of(k.applicants.get(p, applicant_id))


@router.delete("/applicants/{applicant_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_applicant(applicant_id: str, p: PrincipalDep, k: SkillsDep) -> None:
    """Forget an applicant and everything they presented."""
    k.applicants.delete(p, applicant_id)


@router.post("/applicants/{applicant_id}/credentials", status_code=status.HTTP_201_CREATED)
def present_credential(
    applicant_id: str, body: ss.PresentationCreate, p: PrincipalDep, k: SkillsDep
) -> ss.PresentedCredentialPublic:
    """Verify and keep a credential the applicant presents; its skills count only if every
    check passed (the checks are returned either way)."""
    presented = k.applicants.present(
        p,
        applicant_id,
        body.credential,
        tlog_proof=body.tlog_proof,
        tlog_policy=body.tlog_policy,
    )
    return ss.PresentedCredentialPublic.of(presented)


@router.post("/applicants/{applicant_id}/credentials/{credential_id}/verify")
def reverify_credential(
    applicant_id: str, credential_id: str, p: PrincipalDep, k: SkillsDep
) -> ss.PresentedCredentialPublic:
    """Verify a presented credential again (a revocation since then makes it stop counting)."""
    return ss.PresentedCredentialPublic.of(k.applicants.reverify(p, applicant_id, credential_id))


# ---------------------------------------------------------------------------------- reference


@router.post("/skills/match")
def match_skills(body: ss.SkillMatchCreate, _: PrincipalDep, k: SkillsDep) -> list[s.MatchPublic]:
    """ESCO skills for a text, best first (offline)."""
    return [s.MatchPublic.of(m) for m in k.reference.match_skills(body.text, body.top_k)]


@router.post("/skills/occupations/match")
def match_occupations(
    body: ss.OccupationMatchCreate, _: PrincipalDep, k: SkillsDep
) -> list[s.MatchPublic]:
    """ESCO occupations for a job title, best first (offline)."""
    return [s.MatchPublic.of(m) for m in k.reference.match_occupations(body.title, body.top_k)]


@router.get("/skills/occupations")
def occupation(
    uri: Annotated[str, Query(min_length=8, max_length=2048)], _: PrincipalDep, k: SkillsDep
) -> ss.OccupationPublic:
    """An ESCO occupation with its essential and optional skills."""
    return ss.OccupationPublic.of(k.reference.occupation(uri))


@router.post("/skills/suggest-alignments")
def suggest_alignments(
    body: ss.SuggestionCreate, p: PrincipalDep, k: SkillsDep
) -> list[ss.SuggestionPublic]:
    """Skills to align a micro-credential to (by id, or from a text describing it)."""
    found = k.reference.suggest_alignments(
        p, achievement_id=body.achievement_id, text=body.text, top_k=body.top_k
    )
    return [ss.SuggestionPublic.of(x) for x in found]
