"""``wc tutor ask``: one question to a course's tutor, for operators and evaluation harnesses."""

import json
import uuid
from typing import Annotated

import typer
from rich.console import Console

from agents.tutor.policy import TutorMode
from agents.tutor.settings import TutorSettings
from core.errors import AppError
from core.infra.database import Database
from core.settings import Settings
from platform_api.wiring import run_with_database

tutor_app = typer.Typer(help="Ask the tutor from the command line.", no_args_is_help=True)
console = Console(stderr=True)


@tutor_app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="The question, as a learner would ask it.")],
    course: Annotated[uuid.UUID, typer.Option("--course", help="Course id the tutor teaches.")],
    mode: Annotated[
        TutorMode | None,
        typer.Option("--mode", help="Override the course's tutor policy for this question."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Answer one question from the course's material, through the same graph as a learner's.

    With --json, stdout is {"answer", "citations": [{"lesson_id", "source_module", "title"}],
    "refused", "support": {"score", "supported", "basis"} or null}. Nothing is remembered and
    nobody is flagged.
    """
    from openai import APIError

    from platform_api.tutor.oneshot import OneShotAnswer, ask_once
    from serving.client import LLMClient

    question = question.strip()
    limit = TutorSettings().max_message_chars
    if not 1 <= len(question) <= limit:
        raise typer.BadParameter(f"the question must have 1 to {limit} characters")
    settings = Settings()

    async def work(database: Database) -> OneShotAnswer:
        llm = LLMClient(settings.llm_base_url, settings.llm_model, settings.llm_api_key)
        try:
            return await ask_once(database, llm, question, course, mode)
        finally:
            await llm.close()

    try:
        result = run_with_database(work)
    except AppError as error:
        console.print(f"[red]{error.message}[/]")
        raise typer.Exit(2) from error
    except APIError as error:
        console.print(f"[red]The LLM at {settings.llm_base_url} did not answer:[/] {error}")
        raise typer.Exit(2) from error
    if as_json:
        # The stable shape of the evaluation harness: citations without their [n] marker.
        output = result.model_dump(mode="json", exclude={"citations": {"__all__": {"marker"}}})
        typer.echo(json.dumps(output, indent=2))
        return
    console.print(result.answer, markup=False)
    for citation in result.citations:
        console.print(f"[dim]- {citation.title} ({citation.lesson_id})[/]")
    if result.support:
        state = "supported" if result.support.supported else "weakly supported"
        console.print(f"[dim]Support: {result.support.score:.2f} ({state})[/]")
