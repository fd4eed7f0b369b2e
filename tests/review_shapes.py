"""Review and decision JSON exactly as rows hold it, one literal per shape microcred has ever
stored (old shapes included): the codec's unit tests and the old-rows integration test read
these."""

AGREEMENT = """{"qwk": 0.8123, "exact": 0.7, "n": 90, "auto_qwk": 0.91, "auto_share": 0.4,
 "human_qwk": null, "method": "out-of-fold on 90 human-graded answers"}"""
AUDITS = """{"audits": 2, "exact": 0.5, "kappa": null, "both_pass": 1, "both_fail": 0,
 "false_passes": 1, "false_fails": 0, "disagreement_upper_95": 0.9747, "min_audits": 10,
 "required_agreement": 0.95, "suspended": false, "method": "human audits of clean test runs"}"""
#: a trained rubric reviewer's suggestion (services/review/ai.py since the learning release)
RUBRIC_REVIEW = (
    """{"rubric_id": "r-1", "rubric_version": 2, "reviewer": "trained/minilm-static",
 "points": 1.0, "max_points": 2.0, "passed": false, "confidence": 0.4312,
 "feedback": "Add a timeline.",
 "scores": [{"criterion_id": "review", "level": "partial", "points": 1.0, "confidence": 0.4312,
             "feedback": "No timeline."}],
 "route": "Confidence 0.43 is below 0.80: a person decides.",
 "agreement": """
    + AGREEMENT
    + "}"
)
#: the LLM reviewer's suggestion, no agreement measured yet
LLM_REVIEW = """{"rubric_id": "r-1", "rubric_version": 1, "reviewer": "llm/judge", "points": 2,
 "max_points": 2, "passed": true, "confidence": 0.9, "feedback": "",
 "scores": [{"criterion_id": "review", "level": "complete", "points": 2, "confidence": 0.9,
             "feedback": ""}],
 "route": "No measured agreement on this rubric yet: a person decides.", "agreement": null}"""
#: the tests' verdict as first written (commit 85233db): no audit, no tests blob
OLD_CODE_REVIEW = """{"decidedBy": "ai", "reviewer": "code/sandbox",
 "basis": "the instructor's tests",
 "points": 1.0, "maxPoints": 2.0, "passed": false, "aiConfidence": 0.3, "measuredAgreement": null,
 "criteria": [{"id": "works", "points": 1.0, "maxPoints": 2.0,
               "failedTests": ["test_a.py::test_b"]}],
 "feedback": "1 of 2 tests failed.",
 "route": "The run was not clean (crashed): a person decides."}"""
#: the tests' verdict today: sampled for an audit, tied to its tests, audits so far
CODE_REVIEW = (
    """{"decidedBy": "ai", "reviewer": "code/sandbox", "basis": "the instructor's tests",
 "points": 2.0, "maxPoints": 2.0, "passed": true, "aiConfidence": 0.95,
 "criteria": [{"id": "works", "points": 2.0, "maxPoints": 2.0, "failedTests": []}],
 "feedback": "Every test passed.", "route": "Sampled for a human audit: a person checks.",
 "audit": true, "tests": "ab12", "measuredAgreement": """
    + AUDITS
    + "}"
)
NO_AI_REVIEW = """{"route": "No rubric or no text the AI can read: a person reviews this."}"""

#: a rubric decision before the deciding person was recorded (commit 717b321)
OLD_RUBRIC_DECISION = (
    """{"rubric": {"id": "r-1", "version": 2}, "points": 2.0, "maxPoints": 2.0,
 "passed": true, "decidedBy": "human", "reviewer": "trained/minilm-static",
 "aiConfidence": 0.4312, "criteria": [{"id": "review", "level": "complete", "points": 2.0}],
 "feedback": "Clear steps.", "measuredAgreement": """
    + AGREEMENT
    + "}"
)
RUBRIC_DECISION = """{"rubric": {"id": "r-1", "version": 2}, "points": 2.0, "maxPoints": 2.0,
 "passed": true, "decidedBy": "ai_accepted_by_human", "decidedByUser": "u-7",
 "reviewer": "llm/judge", "aiConfidence": 0.9, "measuredAgreement": null,
 "criteria": [{"id": "review", "level": "complete", "points": 2.0}], "feedback": ""}"""
PLAIN_DECISION = """{"decidedBy": "human", "passed": false, "feedback": "Hard-coded.",
 "reviewer": "u-7"}"""
CODE_DECISION = """{"decidedBy": "ai", "reviewer": "code/sandbox",
 "basis": "the instructor's tests",
 "points": 2.0, "maxPoints": 2.0, "passed": true, "aiConfidence": 0.95, "measuredAgreement": null,
 "criteria": [{"id": "works", "points": 2.0, "maxPoints": 2.0, "failedTests": []}],
 "feedback": "Every test passed."}"""
