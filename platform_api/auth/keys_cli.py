"""``wc keys``: operations on the keys that seal data at rest."""

import typer
from rich.console import Console

from core.infra.database import Database
from core.personal_data import installed_keys
from core.progress_bar import counted_progress
from platform_api.auth.sealed_columns import count_sealed_rows, reseal_database

keys_app = typer.Typer(help="Manage the keys that seal data at rest.", no_args_is_help=True)
console = Console(stderr=True)


@keys_app.command("rotate-pii")
def rotate_pii() -> None:
    """Re-seal every personal value (e-mail, name, birth date, parent e-mail) under WC_PII_KEY
    and recompute the e-mail hashes with WC_PII_HASH_KEY. Run it after moving the old key into
    WC_PII_RETIRED_KEYS; once it is done, the retired key may be dropped."""
    from platform_api.wiring import run_with_database

    async def work(database: Database) -> int:
        keys = installed_keys()  # run_with_database installed the settings' keys
        assert keys is not None
        total = await count_sealed_rows(database.engine)
        with counted_progress(console) as progress:
            task = progress.add_task("Re-sealing personal data", total=total)
            return await reseal_database(
                database.engine, keys, lambda rows: progress.advance(task, rows)
            )

    rows = run_with_database(work)
    console.print(f"[green]✓[/] {rows} rows re-sealed under the current personal-data key.")
