"""``microcred assess``: measure the AI reviewer on human-graded data.

Mount with ``app.add_typer(assess.app, name="assess")`` in ``cli/main.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from microcred.assessment.evaluation import evaluate, load_dataset
from microcred.assessment.routing import RoutingPolicy
from microcred.bootstrap import embedder
from microcred.errors import MicrocredError

app = typer.Typer(
    help="Rubric-based AI review: evaluate it on graded answers.", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Rubric-based AI review."""


@app.command("evaluate")
def evaluate_command(
    dataset: Annotated[
        Path,
        typer.Argument(
            help="CSV: item_id, question, reference, answer, score, max_score, split "
            "(train|test); optional second_score."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    required_qwk: Annotated[
        float | None,
        typer.Option(
            help="A fixed QWK the lower 90% bound of the AI's QWK on the answers it takes must "
            "reach (default: the second grader's QWK on those same answers when second_score is "
            "given, else 0.88)."
        ),
    ] = None,
    model: Annotated[
        str, typer.Option(help="Embedding model: 'static' (shipped) or 'minilm' (ai extra).")
    ] = "static",
) -> None:
    """Learn from the train rows, review the test rows, report agreement and routing."""
    try:
        rows = load_dataset(dataset)
        policy = RoutingPolicy(required_qwk=required_qwk)
        report = evaluate(rows, embedder(model), policy)
    except MicrocredError as exc:
        typer.echo(f"error: {exc.explain()}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.as_json()))
    else:
        typer.echo(report.table())
