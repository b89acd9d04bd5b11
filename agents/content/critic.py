"""The critic: reads an item against the lesson and the retrieved evidence."""

from agents.content import prompts
from agents.content.item_writer import QuizItemModel, answer_text
from agents.content.schemas import CriticVerdict, MultipleChoiceItem
from agents.content.structured_calls import StructuredCalls


async def review_item(
    calls: StructuredCalls, item: QuizItemModel, evidence: list[str]
) -> CriticVerdict:
    options = ""
    if isinstance(item, MultipleChoiceItem):
        options = "".join(f"{i}: {option.text}\n" for i, option in enumerate(item.options))
    user = prompts.CRITIC.format(
        evidence="\n---\n".join(evidence), stem=item.stem, options=options, key=answer_text(item)
    )
    return await calls.ask(prompts.CRITIC_SYSTEM, user, CriticVerdict)
