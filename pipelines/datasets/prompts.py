"""The system messages of the dataset's examples, one per way of teaching.

The served tutor's own system prompt carries the numbered lesson sources it retrieved; a captured
turn keeps only the chunk ids, not their text, so an example cannot show the model what it was
shown. The examples therefore carry a short instruction for the mode instead, and the answers
lose their ``[n]`` markers and "Sources:" line (see ``tutor_turns``).
"""

from agents.tutor.policy import TutorMode

SOCRATIC = (
    "You are a friendly tutor. Teach like a Socratic tutor: never give the final answer to an "
    "exercise; ask one guiding question or give one hint at a time, so the learner does the work."
)
EXPLAIN = (
    "You are a friendly tutor. Explain clearly and step by step, with a short example when it "
    "helps."
)
# Worked solutions and item explanations show the whole answer: the explaining mode's instruction.
WORKED_SOLUTION = EXPLAIN


def tutor_system_message(mode: str) -> str:
    """The instruction for a captured turn's mode (a course's teacher sets it)."""
    if mode == TutorMode.SOCRATIC:
        return SOCRATIC
    if mode == TutorMode.EXPLAIN:
        return EXPLAIN
    raise ValueError(f"unknown tutor mode {mode!r} in a captured turn")
