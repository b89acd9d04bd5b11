"""Fitting a long conversation into the model's context: recent turns verbatim, older summarised."""

from collections.abc import Sequence

from langchain_core.messages import AnyMessage, HumanMessage

# English text runs about four characters per token; three keeps a margin for numbers and code.
CHARS_PER_TOKEN = 3
MESSAGE_OVERHEAD_TOKENS = 4
# Messages never summarised away: the last two exchanges stay word for word.
KEEP_RECENT = 4


def estimate_tokens(messages: Sequence[AnyMessage]) -> int:
    return sum(len(m.text) // CHARS_PER_TOKEN + MESSAGE_OVERHEAD_TOKENS for m in messages)


def to_summarise(messages: Sequence[AnyMessage], budget: int) -> int:
    """How many of the oldest messages to fold into the summary (0 while all fit the budget)."""
    if estimate_tokens(messages) <= budget:
        return 0
    return max(0, len(messages) - KEEP_RECENT)


def transcript(messages: Sequence[AnyMessage]) -> str:
    return "\n".join(
        f"{'Learner' if isinstance(m, HumanMessage) else 'Tutor'}: {m.text}" for m in messages
    )


def fit_history(messages: Sequence[AnyMessage], budget: int) -> list[AnyMessage]:
    """The newest messages that fit the budget, the last (the current question) always kept."""
    kept: list[AnyMessage] = []
    used = 0
    for message in reversed(messages):
        cost = estimate_tokens([message])
        if kept and used + cost > budget:
            break
        kept.append(message)
        used += cost
    return kept[::-1]
