"""Who holds the ``champion`` alias, and who held it before: a stack of versions kept as a tag of
the registered model, pushed by each promotion and popped by each rollback, so that rolling back
twice goes back two promotions."""

from typing import TYPE_CHECKING

from core.model_registry import CHAMPION_ALIAS

if TYPE_CHECKING:
    from mlflow import MlflowClient

HISTORY_TAG = "champion_history"


def history(client: "MlflowClient", name: str) -> list[str]:
    tags = client.get_registered_model(name).tags
    return [v for v in tags.get(HISTORY_TAG, "").split(",") if v]


def current(client: "MlflowClient", name: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, CHAMPION_ALIAS).version)
    except MlflowException:
        return None


def promote(client: "MlflowClient", name: str, version: str) -> None:
    """Point the alias at ``version`` and remember the champion it replaces."""
    stack = history(client, name)
    holder = current(client, name)
    if holder is not None and (not stack or stack[-1] != holder):
        stack.append(holder)  # an alias set by hand before the gate existed
    stack.append(version)
    client.set_registered_model_alias(name, CHAMPION_ALIAS, version)
    client.set_registered_model_tag(name, HISTORY_TAG, ",".join(stack))


class NothingToRollBack(Exception):
    pass


def roll_back(client: "MlflowClient", name: str) -> tuple[str, str]:
    """Point the alias at the champion before the current one; return (from, to)."""
    stack = history(client, name)
    holder = current(client, name)
    if holder is None or len(stack) < 2 or stack[-1] != holder:
        raise NothingToRollBack(
            f"{name} has no earlier champion to go back to (champion {holder}, history {stack})"
        )
    stack.pop()
    client.set_registered_model_alias(name, CHAMPION_ALIAS, stack[-1])
    client.set_registered_model_tag(name, HISTORY_TAG, ",".join(stack))
    return holder, stack[-1]
