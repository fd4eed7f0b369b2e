"""``microcred skills``: match text to ESCO skills and occupations; import taxonomies.

Mount in ``cli/main.py`` with ``app.add_typer(skills.app, name="skills")``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from microcred.bootstrap import embedder, shipped_matcher
from microcred.errors import InvalidInput, MicrocredError
from microcred.skills.skill_matching import Match, SkillMatcher, default_matcher
from microcred.skills.taxonomy_import import (
    ImportReport,
    import_custom,
    import_esco,
    import_onet_occupations,
    write_bundle,
)
from microcred.skills.taxonomy_loader import load_taxonomy

app = typer.Typer(
    help="Match text to skills and occupations (ESCO, offline).", no_args_is_help=True
)
taxonomy_app = typer.Typer(help="Skills frameworks: import, show.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import a framework from CSV into a bundle folder.", no_args_is_help=True
)
app.add_typer(taxonomy_app, name="taxonomy")
taxonomy_app.add_typer(import_app, name="import")

MAX_FILE_BYTES = 50_000_000

TextArg = Annotated[str | None, typer.Argument(help="The text; omit it when using --file.")]
FileOpt = Annotated[
    Path | None, typer.Option("--file", "-f", help="One text per line ('-' for stdin).")
]
TopOpt = Annotated[int, typer.Option("--top", "-k", min=1, max=500, help="Results per text.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON line per text.")]
SemanticOpt = Annotated[
    bool,
    typer.Option(
        "--semantic/--lexical",
        help="Use the shipped static embedding model as a signal (default; --lexical: faster "
        "start, lower accuracy).",
    ),
]
TaxonomyOpt = Annotated[
    Path | None,
    typer.Option("--taxonomy", help="An imported bundle folder instead of the shipped ESCO."),
]


def _fail(exc: MicrocredError) -> None:
    typer.echo(f"error: {exc.explain()}", err=True)
    raise typer.Exit(2)


def _texts(text: str | None, file: Path | None) -> Iterator[str]:
    if (text is None) == (file is None):
        raise InvalidInput("Give either a TEXT argument or --file FILE, not both or neither.")
    if text is not None:
        yield text
        return
    assert file is not None
    try:
        if file == Path("-"):
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            if file.stat().st_size > MAX_FILE_BYTES:
                raise InvalidInput(f"{file} is larger than {MAX_FILE_BYTES:,} bytes.")
            data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{file} cannot be read: {exc.strerror}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"The input is larger than {MAX_FILE_BYTES:,} bytes.")
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text.") from None
    yield from (line for line in lines if line.strip())


def _run(
    text: str | None,
    file: Path | None,
    as_json: bool,
    rank: Callable[[str], list[Match]],
) -> None:
    try:
        for item in _texts(text, file):
            results = rank(item)
            if as_json:
                typer.echo(
                    json.dumps(
                        {"text": item, "results": [m.to_dict() for m in results]},
                        ensure_ascii=False,
                    )
                )
                continue
            if file is not None:
                typer.echo(f"# {item}")
            if not results:
                typer.echo("  (no match)")
            for m in results:
                typer.echo(f"{m.score:6.3f}  {m.label}  <{m.uri}>")
    except MicrocredError as exc:
        _fail(exc)


def _matcher(taxonomy: Path | None, semantic: bool = False) -> SkillMatcher:
    try:
        if not semantic:
            return default_matcher() if taxonomy is None else SkillMatcher(load_taxonomy(taxonomy))
        if taxonomy is None:
            return shipped_matcher()
        return SkillMatcher(load_taxonomy(taxonomy), embedder=embedder("static"))
    except MicrocredError as exc:
        _fail(exc)
        raise


@app.command()
def match(
    text: TextArg = None,
    file: FileOpt = None,
    top: TopOpt = 10,
    as_json: JsonOpt = False,
    taxonomy: TaxonomyOpt = None,
    semantic: SemanticOpt = True,
) -> None:
    """Rank skills for a sentence, a job ad or a piece of evidence."""
    matcher = _matcher(taxonomy, semantic)
    _run(text, file, as_json, lambda t: matcher.match_skills(t, top))


@app.command()
def occupation(
    title: TextArg = None,
    file: FileOpt = None,
    top: TopOpt = 10,
    as_json: JsonOpt = False,
    taxonomy: TaxonomyOpt = None,
    semantic: SemanticOpt = True,
) -> None:
    """Rank occupations for a job title."""
    matcher = _matcher(taxonomy, semantic)
    _run(title, file, as_json, lambda t: matcher.match_occupations(t, top))


# --- taxonomy ----------------------------------------------------------------------------------

IntoOpt = Annotated[Path, typer.Option("--into", help="Folder to write the bundle to.")]
VersionOpt = Annotated[str, typer.Option("--version", help="The release, e.g. 1.2.0.")]


def _write(report: ImportReport, into: Path, source: str, derived: str) -> None:
    write_bundle(report.taxonomy, into, source=source, derived=derived)
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    summary = report.taxonomy.summary()
    typer.echo(json.dumps({"bundle": str(into), **summary}))
    if report.taxonomy.attribution:
        typer.echo(report.taxonomy.attribution, err=True)


@import_app.command("esco")
def import_esco_command(
    sources: Annotated[
        list[Path],
        typer.Argument(help="ESCO CSV zip(s) or unzipped folder(s) (classification + relations)."),
    ],
    version: VersionOpt,
    into: IntoOpt,
    language: Annotated[str, typer.Option(help="Label language of the files.")] = "en",
) -> None:
    """Import an ESCO release from its official CSV download."""
    try:
        report = import_esco(sources, version=version, language=language)
        _write(
            report,
            into,
            f"ESCO v{version} CSV download ({language}), European Commission",
            f"Derived from ESCO v{version}: converted to a microcred taxonomy bundle.",
        )
    except MicrocredError as exc:
        _fail(exc)


@import_app.command("onet")
def import_onet_command(
    occupations: Annotated[Path, typer.Argument(help="O*NET 'Occupation Data.txt'.")],
    version: VersionOpt,
    into: IntoOpt,
) -> None:
    """Import the O*NET occupation list (code, title, description)."""
    try:
        report = import_onet_occupations(occupations, version=version)
        _write(report, into, f"O*NET {version} Occupation Data", "Converted; text unchanged.")
    except MicrocredError as exc:
        _fail(exc)


@import_app.command("custom")
def import_custom_command(
    skills: Annotated[
        Path, typer.Argument(help="skills.csv: id,label[,alt_labels,description,type,broader]")
    ],
    name: Annotated[str, typer.Option(help="The framework's name.")],
    version: VersionOpt,
    into: IntoOpt,
    occupations: Annotated[
        Path | None, typer.Option(help="occupations.csv: id,label[,alt_labels,description,code]")
    ] = None,
    links: Annotated[
        Path | None, typer.Option(help="occupation_skills.csv: occupation,skill,relation")
    ] = None,
    base_uri: Annotated[
        str | None, typer.Option(help="Prefix that turns local ids into URIs (https://...).")
    ] = None,
    attribution: Annotated[str, typer.Option(help="Attribution text to show with it.")] = "",
) -> None:
    """Import your own framework from CSV (see docs/skills-taxonomy.md for the columns)."""
    try:
        report = import_custom(
            skills,
            name=name,
            version=version,
            occupations_csv=occupations,
            links_csv=links,
            base_uri=base_uri,
            attribution=attribution,
        )
        _write(report, into, f"{name} {version} (CSV)", "")
    except MicrocredError as exc:
        _fail(exc)


@taxonomy_app.command("show")
def show(
    taxonomy: Annotated[
        Path | None, typer.Argument(help="A bundle folder; default: shipped ESCO.")
    ] = None,
    framework: Annotated[str, typer.Option(help="Shipped framework: esco or onet.")] = "esco",
) -> None:
    """Counts and attribution of a taxonomy."""
    try:
        tax = load_taxonomy(taxonomy, framework=framework)
    except MicrocredError as exc:
        _fail(exc)
        raise
    typer.echo(json.dumps(tax.summary()))
    if tax.attribution:
        typer.echo(tax.attribution)


if __name__ == "__main__":
    app()
