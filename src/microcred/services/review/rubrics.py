"""Rubrics of micro-credentials, human-graded work, and the AI's measured trust per rubric."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from microcred.assessment.embedder import Embedder
from microcred.assessment.embedding_reviewer import EmbeddingReviewer
from microcred.assessment.reviewer import Reviewer
from microcred.assessment.routing import RoutingPolicy, Trust
from microcred.assessment.rubric import Criterion, Exemplar, Level, Rubric
from microcred.assessment.trained_reviewer import (
    MIN_GRADED,
    GradedAnswer,
    NotEnoughGradedWork,
    TrainedReviewer,
    should_retrain,
)
from microcred.domain.identity import Permission, Principal
from microcred.domain.review import Review
from microcred.errors import InvalidInput, MicrocredError, NotFound
from microcred.ports.clock import Clock
from microcred.ports.review import RubricRecord
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.ids import new_id

MAX_CRITERIA = 20
MAX_GRADED_IMPORT = 5000


def rubric_from_json(data: Mapping[str, Any], *, rubric_id: str, version: int) -> Rubric:
    """Read a rubric as the API takes it; refuse anything malformed with a plain message."""
    if not isinstance(data, Mapping):
        raise InvalidInput("A rubric is a JSON object.")
    criteria_data = data.get("criteria")
    if not isinstance(criteria_data, list) or not 1 <= len(criteria_data) <= MAX_CRITERIA:
        raise InvalidInput(f"A rubric has 1–{MAX_CRITERIA} criteria.")
    try:
        criteria = tuple(
            Criterion(
                id=str(c["id"]),
                description=str(c.get("description", "")),
                levels=tuple(
                    Level(str(lv["name"]), float(lv["points"]), str(lv.get("description", "")))
                    for lv in c["levels"]
                ),
                references=tuple(str(r) for r in c.get("references", [])),
                exemplars=tuple(
                    Exemplar(str(e["text"]), float(e["points"]), str(e.get("note", "")))
                    for e in c.get("exemplars", [])
                ),
            )
            for c in criteria_data
        )
        pass_points = data.get("pass_points")
        human = data.get("human_agreement")
        return Rubric(
            id=rubric_id,
            title=str(data.get("title", "")),
            task=str(data.get("task", "")),
            criteria=criteria,
            version=version,
            pass_points=float(pass_points) if pass_points is not None else None,
            human_agreement=float(human) if human is not None else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            f"The rubric is malformed: {exc.__class__.__name__} on {exc}.",
            hint="Each criterion needs an id and levels with a name and points.",
        ) from None


def rubric_to_json(rubric: Rubric) -> dict[str, Any]:
    """The JSON form `rubric_from_json` reads."""
    return {
        "title": rubric.title,
        "task": rubric.task,
        "pass_points": rubric.pass_points,
        "human_agreement": rubric.human_agreement,
        "criteria": [
            {
                "id": c.id,
                "description": c.description,
                "levels": [
                    {"name": lv.name, "points": lv.points, "description": lv.description}
                    for lv in c.levels
                ],
                "references": list(c.references),
                "exemplars": [
                    {"text": e.text, "points": e.points, "note": e.note} for e in c.exemplars
                ],
            }
            for c in rubric.criteria
        ],
    }


@dataclass(frozen=True, slots=True)
class Assessor:
    """The reviewer a rubric gets now, with its measured trust (None: not measured yet)."""

    reviewer: Reviewer
    trust: Trust | None
    graded: int

    def review(self, rubric: Rubric, answer: str) -> Review:
        """Review one answer."""
        return self.reviewer.review(rubric, [answer])[0]


class RubricService:
    """Rubrics, graded work and the per-rubric AI models (trained lazily, cached)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        embedder: Embedder,
        policy: RoutingPolicy | None = None,
        zero_shot: Reviewer | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._embedder = embedder
        #: grades rubrics without enough graded work (an LLM when configured); never alone
        self._zero_shot: Reviewer = zero_shot or EmbeddingReviewer(embedder)
        self.policy = policy or RoutingPolicy()
        self._cache: dict[tuple[str, int], Assessor] = {}
        self._lock = threading.Lock()

    def set_rubric(
        self,
        principal: Principal,
        achievement_id: str,
        data: Mapping[str, Any],
        threshold: float | None = None,
    ) -> RubricRecord:
        """Create or replace a micro-credential's rubric (a new version when it changes)."""
        principal.require(Permission.MANAGE_ACHIEVEMENTS)
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise InvalidInput("The review threshold is a confidence between 0 and 1.")
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.achievements.get(achievement_id) is None:
                raise NotFound("No such achievement in your organisation.")
            current = scope.rubrics.for_achievement(achievement_id)
            rubric_id = current.id if current else new_id()
            version = current.version + 1 if current else 1
            rubric = rubric_from_json(data, rubric_id=rubric_id, version=version)
            record = RubricRecord(
                rubric_id,
                achievement_id,
                version,
                rubric_to_json(rubric),
                threshold,
                self._clock.now(),
            )
            scope.rubrics.save(record)
            uow.commit()
        return record

    @staticmethod
    def load(scope: TenantScope, achievement_id: str) -> tuple[RubricRecord, Rubric] | None:
        """A micro-credential's rubric, if it has one."""
        record = scope.rubrics.for_achievement(achievement_id)
        if record is None:
            return None
        return record, rubric_from_json(record.data, rubric_id=record.id, version=record.version)

    def rubric_of(self, principal: Principal, achievement_id: str) -> Rubric | None:
        """The rubric of one of the organisation's micro-credentials, if it has one."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        with self._uow() as uow:
            found = self.load(uow.tenant(principal.organisation_id), achievement_id)
        return found[1] if found else None

    def import_graded(
        self, principal: Principal, achievement_id: str, items: Sequence[Mapping[str, Any]]
    ) -> int:
        """Add human-graded answers (``{"text": …, "points": {criterion: points}}``)."""
        principal.require(Permission.MANAGE_ACHIEVEMENTS)
        if not 1 <= len(items) <= MAX_GRADED_IMPORT:
            raise InvalidInput(f"Import 1–{MAX_GRADED_IMPORT} graded answers at a time.")
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            loaded = self.load(scope, achievement_id)
            if loaded is None:
                raise NotFound("That micro-credential has no rubric yet.")
            record, rubric = loaded
            now = self._clock.now()
            for i, item in enumerate(items):
                text, points = self._graded_item(rubric, item, i)
                scope.rubrics.add_graded(new_id(), record.id, text, points, "import", None, now)
            uow.commit()
        return len(items)

    @staticmethod
    def _graded_item(
        rubric: Rubric, item: Mapping[str, Any], i: int
    ) -> tuple[str, dict[str, float]]:
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
            raise InvalidInput(f"Graded answer {i + 1} needs a text.")
        points = item.get("points")
        if not isinstance(points, Mapping) or set(points) != {c.id for c in rubric.criteria}:
            raise InvalidInput(f"Graded answer {i + 1} needs points for every criterion.")
        checked = {}
        for c in rubric.criteria:
            try:
                value = float(points[c.id])
                c.level_index(value)
            except (TypeError, ValueError, MicrocredError):
                raise InvalidInput(
                    f"Graded answer {i + 1}: {points[c.id]!r} is not a level of criterion {c.id!r}."
                ) from None
            checked[c.id] = value
        return str(item["text"])[:50_000], checked

    def assessor(self, organisation_id: str, record: RubricRecord, rubric: Rubric) -> Assessor:
        """The best reviewer for the rubric now: trained on its graded work when there is enough,
        otherwise the zero-shot embedding reviewer (whose decisions always go to a person).

        Reads the graded work in its own short transaction and trains with none open: call it
        outside a unit of work (on SQLite an open one would hold the write lock throughout)."""
        key = (record.id, record.version)
        with self._uow() as uow:
            scope = uow.tenant(organisation_id)
            count = scope.rubrics.count_graded(record.id)
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None and not should_retrain(cached.graded, count):
                return cached  # retrained only when a tenth more graded work has accumulated
            graded = scope.rubrics.graded(record.id)
        assessor = Assessor(self._zero_shot, None, len(graded))
        if len(graded) >= MIN_GRADED:
            try:
                trained = TrainedReviewer.train(
                    rubric, [GradedAnswer(t, p) for t, p in graded], self._embedder
                )
                assessor = Assessor(trained, trained.trust(self.policy), len(graded))
            except NotEnoughGradedWork:
                pass  # e.g. every graded answer at one level: stay zero-shot
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != record.id}
            self._cache[key] = assessor
        return assessor

    def assessed(self, principal: Principal) -> tuple[set[str], set[str]]:
        """Which micro-credentials have a rubric, and which a code assignment (one query each)."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).rubrics.assessed_achievements()

    def trust(self, principal: Principal, achievement_id: str) -> dict[str, Any]:
        """What instructors see: how reliable the AI has measured to be on this rubric."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            loaded = self.load(scope, achievement_id)
            if loaded is None:
                raise NotFound("That micro-credential has no rubric yet.")
            record, rubric = loaded
        assessor = self.assessor(principal.organisation_id, record, rubric)
        trust = assessor.trust
        return {
            "rubric": {"id": record.id, "version": record.version},
            "graded_answers": assessor.graded,
            "reviewer": assessor.reviewer.name,
            "min_graded_to_learn": MIN_GRADED,
            "agreement": trust.agreement.as_dict() if trust and trust.agreement else None,
            "required_qwk": trust.required_qwk
            if trust
            else self.policy.required(rubric.human_agreement),
            "ai_decides_alone": bool(trust and trust.auto_allowed),
            "threshold": None if trust is None or not trust.auto_allowed else trust.threshold,
            "routing_reason": trust.reason if trust else "No trained reviewer on this rubric yet.",
            "instructor_threshold": record.threshold,
        }
