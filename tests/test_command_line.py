"""``wc``'s start: every command (``wc --help`` included) imports the command line's modules, so
those import what every command needs and leave the heavy libraries to the commands that use
them (the OpenAI client alone took ~1 s of each start)."""

import subprocess
import sys

# Imported by the commands that call the LLM, migrate, run Ray or load a model, inside them.
HEAVY = (
    "openai",
    "alembic",
    "ray",
    "vllm",
    "torch",
    "transformers",
    "sentence_transformers",
    "langgraph",
    "mlflow",
    "chdb",
)


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    probe = (
        "import sys, platform_api.cli; "
        f"print(' '.join(name for name in {HEAVY!r} if name in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []
