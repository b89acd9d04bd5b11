"""The LLM judge of a tutor's reply to a learner's wrong attempt, along MRBench's dimensions
(Maurya et al., 2025). Any OpenAI-compatible model judges (the served one by default): its yes/no
verdicts are schema-constrained, and a judge that cannot produce them leaves the example unjudged
rather than guessed."""

from pydantic import BaseModel, Field

from serving.client import LLMClient, StructuredOutputError

PROMPT_VERSION = "mrbench-judge-2026-12-02"
JUDGE_PROMPT = (
    "You review a tutor's reply to a student who proposed a wrong answer to a multiple-choice "
    "question. Answer each question about the reply with true or false.\n"
    "mistake_identification: does the reply make clear the student's answer is not correct?\n"
    "providing_guidance: does it give a hint, explanation or question that helps the student "
    "find the right answer?\n"
    "actionability: does it tell the student what to do next?\n"
    "coherence: does it make sense as a reply to this student?\n"
    "encouraging_tone: is it respectful and encouraging?"
)
DIMENSIONS = (
    "mistake_identification",
    "providing_guidance",
    "actionability",
    "coherence",
    "encouraging_tone",
)


class Verdict(BaseModel):
    mistake_identification: bool = Field(description="The reply says the answer is wrong.")
    providing_guidance: bool
    actionability: bool
    coherence: bool
    encouraging_tone: bool


async def judge(judge_llm: LLMClient, question: str, reply: str) -> dict[str, float] | None:
    """The judge's verdicts as 0/1 scores, or None when it produced no valid verdict."""
    dialogue = f"Student:\n{question}\n\nTutor:\n{reply}"
    try:
        verdict = await judge_llm.structured(
            [
                {"role": "system", "content": JUDGE_PROMPT},
                {"role": "user", "content": dialogue},
            ],
            Verdict,
            max_tokens=120,
            temperature=0.0,
        )
    except StructuredOutputError:
        return None
    return {f"judge_{name}": float(getattr(verdict, name)) for name in DIMENSIONS}
