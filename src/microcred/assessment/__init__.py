"""Rubric-based assessment: rubrics, reviewers, measured agreement, calibration and routing.

Pure code (standard library, numpy, scipy): models and model servers are reached through the
``Embedder`` protocol and adapters in ``microcred.adapters.ai``. The main entry points:

- ``rubric.Rubric`` / ``Criterion`` / ``Level`` / ``Exemplar``: what work is graded against;
- ``trained_reviewer.TrainedReviewer.train(rubric, graded, embedder)``: learn a rubric from
  human-graded answers; ``.review(rubric, answers)`` → ``domain.review.Review``;
  ``.trust(policy)`` → ``routing.Trust`` (measured agreement + confidence threshold);
- ``embedding_reviewer.EmbeddingReviewer``: grades with no graded work;
- ``routing.route(review, trust)``: may the AI decide alone?;
- ``domain.review.RubricDecision``: the grade that stands, who decided, and the measured
  agreement (reviews and decisions are domain types: submissions record them);
- ``evaluation.evaluate(...)``: the ``microcred assess evaluate`` code path.
"""
