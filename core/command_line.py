"""What a command line does with an error its user can act on: one red line and an exit code,
no traceback."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console


@contextmanager
def exits_on(
    console: Console, *errors: type[Exception], headline: str = "", code: int = 2
) -> Iterator[None]:
    """Turn ``errors`` raised inside into ``headline`` and the error's message on ``console``,
    then exit with ``code`` (2: the input or the state is wrong; 1: nothing to do)."""
    try:
        yield
    except errors as error:
        console.print(f"[bold red]{headline}[/] {error}" if headline else f"[bold red]{error}[/]")
        raise typer.Exit(code) from error
