"""``wc ingest`` and ``wc search``: fill the retrieval index of a course and query it."""

import json
import uuid
from typing import Annotated

import typer
from rich.console import Console

from core.infra.database import Database
from core.progress_bar import counted_progress
from platform_api.wiring import run_with_database

console = Console(stderr=True)
SEARCH_KEYS = ("lesson_id", "lesson_title", "chapter_title", "source_module", "score", "text")


def ingest(
    course: Annotated[uuid.UUID, typer.Option("--course", help="Course id to (re)index.")],
) -> None:
    """Chunk and embed the published lessons of a course (only the ones that changed)."""
    # Imported here: platform_api.cli registers these commands, so a top-level import would loop.
    from rag.ingest import IngestReport, ingest_course

    progress = counted_progress(console)

    async def work(database: Database) -> IngestReport:
        with progress:
            task = progress.add_task("Embedding lessons", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await ingest_course(database, course, report)

    result = run_with_database(work)
    console.print(
        f"[green]✓[/] {result.lessons_seen} lessons: {result.lessons_embedded} embedded, "
        f"{result.lessons_skipped} unchanged, {result.lessons_removed} removed; "
        f"{result.chunks_written} chunks written in {result.seconds:.1f} s"
    )


def search(
    query: Annotated[str, typer.Argument(help="A question or keywords.")],
    course: Annotated[list[uuid.UUID], typer.Option("--course", help="Course id (repeatable).")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Number of hits.")] = 5,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list of hits on stdout.")
    ] = False,
) -> None:
    """Hybrid search (vector + full text) over the indexed lessons of the given courses.

    With --json, stdout is [{"lesson_id", "lesson_title", "chapter_title", "source_module",
    "score", "text"}, ...], best first.
    """
    from rag.retrieve import Hit
    from rag.retrieve import search as search_chunks

    async def work(database: Database) -> list[Hit]:
        return await search_chunks(database, query, course, k)

    hits = [
        hit.model_dump(mode="json", include=set(SEARCH_KEYS)) for hit in run_with_database(work)
    ]
    if as_json:
        typer.echo(json.dumps([{key: hit[key] for key in SEARCH_KEYS} for hit in hits], indent=2))
        return
    for rank, hit in enumerate(hits, start=1):
        console.print(
            f"[bold]{rank}.[/] {hit['lesson_title']} [dim]({hit['chapter_title']}; "
            f"score {hit['score']:.4f})[/]"
        )
        console.print(hit["text"][:300], markup=False)
