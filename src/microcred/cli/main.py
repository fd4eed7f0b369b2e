"""``microcred``: operate a server and work with credentials from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from microcred.bootstrap import upgrade_database
from microcred.cli import assess, ledger, local_witness, portability, skills, vc
from microcred.cli.common import fail, operator, session
from microcred.cli.demo import STEPS, seed_demo
from microcred.config import get_settings
from microcred.credentials.parsing import load_json
from microcred.domain.credential import Recipient, StatusAction
from microcred.errors import InvalidInput
from microcred.services.credentials.issuance import IssueRequest, Suite

app = typer.Typer(help="microcred: micro-credentials on Open Badges 3.0.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
achievement_app = typer.Typer(help="Micro-credential definitions.", no_args_is_help=True)
app.add_typer(vc.app, name="vc")
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(token_app, name="token")
app.add_typer(achievement_app, name="achievement")
app.add_typer(ledger.log_app, name="log")
app.add_typer(ledger.witness_app, name="witness")
ledger.witness_app.command("local")(local_witness.witness_local)
app.add_typer(skills.app, name="skills")
app.add_typer(assess.app, name="assess")
app.command("audit")(ledger.audit)
app.command("worker")(ledger.worker)
app.command("export")(portability.export)
app.command("import")(portability.import_)


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Create or migrate the database schema (MICROCRED_DATABASE_URL)."""
    typer.echo(f"database at revision {upgrade_database(revision)}")


@org_app.command("create")
def org_create(
    slug: Annotated[str, typer.Option(help="Short handle, e.g. 'acme'.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    admin_email: Annotated[str, typer.Option(help="First administrator's e-mail.")],
    admin_password: Annotated[
        str | None, typer.Option(help="Password (or set MICROCRED_ADMIN_PASSWORD).")
    ] = None,
    url: Annotated[str | None, typer.Option(help="The organisation's web site.")] = None,
    did_method: Annotated[str, typer.Option(help="'key' (did:key) or 'web' (did:web).")] = "key",
) -> None:
    """Create an organisation with its first admin and a signing key."""
    password = admin_password or get_settings().admin_password
    if not password:
        password = typer.prompt("Admin password", hide_input=True, confirmation_prompt=True)
    with session() as c:
        org, admin = c.identity.create_organisation(
            slug=slug,
            name=name,
            admin_email=admin_email,
            admin_password=password,
            url=url,
            did_method=did_method,
        )
        typer.echo(
            json.dumps(
                {
                    "id": org.id,
                    "slug": org.slug,
                    "admin": admin.email,
                    "issuer_id": c.issuance.current_issuer_id(org),
                }
            )
        )


@token_app.command("create")
def token_create(
    org: Annotated[str, typer.Option(help="Organisation slug.")],
    email: Annotated[str, typer.Option(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
) -> None:
    """Create an API token (printed once)."""
    with session() as c:
        typer.echo(c.identity.create_token_for(org, email, name).token)


@achievement_app.command("create")
def achievement_create(
    org: Annotated[str, typer.Option(help="Organisation slug.")],
    file: Annotated[Path, typer.Argument(help="JSON as POST /api/v1/achievements takes it.")],
) -> None:
    """Define a micro-credential from a JSON file."""
    from pydantic import ValidationError  # noqa: PLC0415

    from microcred.web.api.credentials.schemas import AchievementCreate  # noqa: PLC0415

    with session() as c:
        try:
            body = AchievementCreate.model_validate(load_json(vc.read_file(file), what=str(file)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise InvalidInput(f"{where}: {first['msg']}") from None
        created = c.achievements.create(operator(c, org), body.to_input())
        typer.echo(json.dumps({"id": created.id, "name": created.name}))


@app.command()
def issue(
    org: Annotated[str, typer.Option(help="Organisation slug.")],
    achievement: Annotated[str, typer.Option(help="Achievement id.")],
    email: Annotated[str | None, typer.Option(help="Recipient e-mail (stored hashed).")] = None,
    did: Annotated[str | None, typer.Option(help="Recipient DID.")] = None,
    suite: Annotated[Suite, typer.Option(help="Proof suite.")] = Suite.EDDSA_RDFC_2022,
    out: Annotated[Path | None, typer.Option(help="Write the credential here.")] = None,
) -> None:
    """Issue a credential and print it."""
    with session() as c:
        issued = c.issuance.issue(
            operator(c, org),
            IssueRequest(achievement, Recipient(did=did, email=email), suite=suite),
        )
        text = issued.jwt or json.dumps(issued.document, indent=2, ensure_ascii=False)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
            typer.echo(issued.id)
        else:
            typer.echo(text)


@app.command()
def revoke(
    org: Annotated[str, typer.Option(help="Organisation slug.")],
    credential: Annotated[str, typer.Argument(help="Credential id.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
    action: Annotated[StatusAction, typer.Option(help="revoke, suspend or reinstate.")] = (
        StatusAction.REVOKE
    ),
) -> None:
    """Revoke (or suspend / reinstate) a credential; its status list changes at once."""
    with session() as c:
        changed = c.credentials.change_status(operator(c, org), credential, action, reason)
        typer.echo(json.dumps({"id": changed.id, "status": changed.status.value}))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    ssl_certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
) -> None:
    """Serve the API and pages (HTTPS when a certificate and key are given)."""
    import uvicorn  # noqa: PLC0415

    from microcred.web.api.app import create_app  # noqa: PLC0415

    with session() as c:
        settings = c.settings
        problem = settings.port_problem(port) if port is not None else None
        if problem:
            fail(problem)
        warning = settings.placeholder_warning()
        if warning:
            typer.echo(warning, err=True)
        uvicorn.run(
            create_app(c),
            host=host or settings.host,
            port=port or settings.port,
            log_level=settings.log_level.lower(),
            server_header=False,
            ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
            ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        )


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = False,
) -> None:
    """Seed a demo organisation (idempotent) and print how to use it."""
    with (
        session() as c,
        typer.progressbar(length=STEPS, label="Seeding the demo", file=sys.stderr) as bar,
    ):
        report = seed_demo(c, bar.update)
    typer.echo(report)
    if serve_after:
        serve(None, None, None, None)


if __name__ == "__main__":  # pragma: no cover
    app()
