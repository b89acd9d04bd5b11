"""The progress bar every command line shows for counted work: what is happening, a bar,
done/total and the time elapsed (and, for long runs with a steady pace, the time left)."""

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def counted_progress(
    console: Console,
    *,
    label: str = "{task.description}",
    remaining: bool = False,
    disable: bool = False,
) -> Progress:
    """A ``Progress`` on ``console`` (stderr for commands whose stdout is data); ``disable``
    for ``--json`` runs."""
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if remaining:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console, disable=disable)
