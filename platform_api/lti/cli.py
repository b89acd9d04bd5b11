"""``wc lti``: register LMS platforms, list and remove them, sync a class's roster."""

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AppError
from core.infra.database import Database
from core.settings import Settings
from platform_api.lti import registrations
from platform_api.lti.roster import sync_roster
from platform_api.lti.schemas import RegistrationIn, RegistrationOut
from platform_api.wiring import run_with_database

T = TypeVar("T")
lti_app = typer.Typer(help="LTI 1.3: the LMS platforms this tool trusts.", no_args_is_help=True)
console = Console(stderr=True)


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in one session; a domain error ends the command with its message (exit 2)."""

    async def in_session(database: Database) -> T:
        async with database.session() as session:
            return await work(session)

    try:
        return run_with_database(in_session)
    except AppError as error:
        console.print(f"[red]{error.message}[/] {json.dumps(error.details, default=str)}")
        raise typer.Exit(2) from error


def _print(row: RegistrationOut) -> None:
    typer.echo(json.dumps(row.model_dump(mode="json")))


@lti_app.command("add")
def add(
    name: Annotated[str, typer.Option(help="A label, e.g. 'District Moodle'.")],
    issuer: Annotated[str, typer.Option(help="The platform's issuer (iss).")],
    client_id: Annotated[str, typer.Option(help="The client id the platform gave this tool.")],
    deployment_id: Annotated[list[str], typer.Option(help="A deployment id (repeat for several).")],
    jwks_url: Annotated[str, typer.Option(help="The platform's public keyset URL.")],
    auth_login_url: Annotated[str, typer.Option(help="The platform's OIDC authorization URL.")],
    access_token_url: Annotated[str, typer.Option(help="The platform's OAuth2 token URL.")],
) -> None:
    """Register a platform; prints it as one JSON line."""
    try:
        body = RegistrationIn(
            name=name,
            issuer=issuer,
            client_id=client_id,
            deployment_ids=deployment_id,
            jwks_url=jwks_url,
            auth_login_url=auth_login_url,
            access_token_url=access_token_url,
        )
    except ValidationError as error:
        for problem in error.errors():
            console.print(f"[red]{'.'.join(map(str, problem['loc']))}: {problem['msg']}[/]")
        raise typer.Exit(2) from error

    async def work(session: AsyncSession) -> RegistrationOut:
        return RegistrationOut.model_validate(await registrations.create(session, body))

    _print(_run(work))


@lti_app.command("list")
def list_registrations() -> None:
    """Every registered platform, one JSON line each."""

    async def work(session: AsyncSession) -> list[RegistrationOut]:
        return [RegistrationOut.model_validate(r) for r in await registrations.listed(session)]

    for row in _run(work):
        _print(row)


@lti_app.command("remove")
def remove(registration_id: Annotated[uuid.UUID, typer.Argument(help="The registration.")]) -> None:
    """Forget a platform: its launches are refused from now on."""
    _run(lambda session: registrations.remove(session, registration_id))
    console.print(f"registration {registration_id} removed")


@lti_app.command("sync-roster")
def sync_roster_command(
    class_id: Annotated[uuid.UUID, typer.Argument(help="A class linked to an LMS course.")],
) -> None:
    """Enrol the learners the LMS lists for the class and unenrol those it no longer lists."""
    settings = Settings()
    result = _run(lambda session: sync_roster(session, settings, class_id))
    typer.echo(json.dumps(result.model_dump(mode="json")))
