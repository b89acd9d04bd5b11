"""What the tutor is told to do, and the fixed words it says when it must not improvise."""

import enum
from collections.abc import Callable, Sequence

from agents.tutor.choices import passage_sentences
from agents.tutor.citations import Source
from agents.tutor.moderation import SafetyCategory

# Names the instructions below; change any of them: bump it.
PROMPT_VERSION = "tutor-2026-12-03"
# A source is cut to this many characters in the prompt: the bundled model reads 2,048 tokens.
SOURCE_PROMPT_CHARS = 900
# So is each weak objective named in it.
OBJECTIVE_PROMPT_CHARS = 160


class TutorMode(enum.StrEnum):
    """Set per course by its teacher."""

    SOCRATIC = "socratic"
    EXPLAIN = "explain"


NOT_COVERED = (
    "I couldn't find this in your course material, so I won't guess. "
    "Try asking about a topic from your lessons, or ask your teacher about this one."
)
EXAM_IN_PROGRESS = (
    "You have an exam in progress for this course, so I can't help with it right now. "
    "Good luck! I'll be here to help you review once the exam is over."
)
REFUSALS: dict[SafetyCategory, str] = {
    SafetyCategory.SELF_HARM: (
        "I'm really sorry you're feeling this way, and I'm glad you said something. "
        "I'm not able to help with this here, but you deserve support from a person: please "
        "talk to a trusted adult, a parent, a teacher or a school counsellor today. If you might "
        "be in danger right now, call your local emergency number. Your teacher has been told "
        "so that someone can check in with you."
    ),
    SafetyCategory.ABUSE: (
        "Thank you for telling me. What you describe is not okay and it is not your fault. "
        "I can't help with this here, but please talk to a trusted adult, a teacher or a school "
        "counsellor as soon as you can; if you are in danger, call your local emergency number. "
        "Your teacher has been told so that someone can help."
    ),
    SafetyCategory.PERSONAL_DATA: (
        "Please don't share personal details like addresses, phone numbers, e-mails or "
        "passwords here: keep them private to stay safe online. I didn't keep them in our "
        "conversation. Let's get back to your lesson: what would you like to work on?"
    ),
}
# Stands for a learner's message that shared personal details: it is not kept anywhere.
WITHHELD = "[message withheld: it contained personal details]"

_MODE_RULES = {
    TutorMode.SOCRATIC: (
        "Teach like a Socratic tutor: never give the final answer to an exercise. "
        "Ask one guiding question or give one hint at a time, so the learner does the work."
    ),
    TutorMode.EXPLAIN: "Explain clearly and step by step, with a short example when it helps.",
}
HINT_LADDER = (
    "Hint level 1: ask the learner what the exercise asks for and what they already know.",
    "Hint level 2: name the idea or formula from the sources that applies, without using it.",
    "Hint level 3: walk through the first steps of the worked solution below; the blanks ___ "
    "stay blank, the learner fills them in.",
)


def hint_instruction(level: int) -> str:
    return HINT_LADDER[min(level, len(HINT_LADDER) - 1)]


def system_prompt(
    course_title: str,
    mode: TutorMode,
    sources: Sequence[Source],
    summary: str = "",
    exercise_hint: str = "",
    weak_objectives: Sequence[str] = (),
) -> str:
    """The instructions and the numbered sources, in that order."""
    parts = [
        f'You are a friendly tutor for the course "{course_title}".',
        "Answer only with facts from the numbered sources below. After a sentence that uses a "
        "source, write its number in brackets, like [1]. If the sources do not answer the "
        "question, say that the course material does not cover it.",
        _MODE_RULES[mode],
        "Keep the answer under five sentences.",
    ]
    if exercise_hint:
        parts.append(exercise_hint)
    if weak_objectives:
        parts.append(weak_objectives_rule(weak_objectives))
    if summary:
        parts.append(f"Earlier in this conversation: {summary}")
    parts.append("Sources:")
    parts += [f"[{s.number}] {s.lesson_title}: {s.text[:SOURCE_PROMPT_CHARS]}" for s in sources]
    return "\n".join(parts)


def weak_objectives_rule(objectives: Sequence[str]) -> str:
    """What the learner has not mastered yet (from their graded answers), so that an answer
    builds on it rather than past it."""
    named = "; ".join(_shortened(o, OBJECTIVE_PROMPT_CHARS) for o in objectives)
    return f"The learner is still working on: {named}. When relevant, connect your answer to these."


def socratic_redirect(first_source: Source | None) -> str:
    """Said instead of an answer that gave an exercise's final answer away."""
    where = ""
    if first_source:
        where = f" Look again at [{first_source.number}] {first_source.lesson_title}."
    return (
        "I won't give you the final answer, but let's get there together. "
        "What is the exercise asking you to find, and which idea from your lesson fits it?"
        f"{where} Try the first step and tell me what you get."
    )


def choice_rule(passage: int) -> str:
    """The instruction for a multiple-choice exercise in Socratic mode."""
    return (
        "This is a multiple-choice question. Do not name, quote or pick any of its options, "
        f"and do not say which letter is right. Ask the learner what source [{passage}] says "
        "about the question, so they can choose for themselves."
    )


def evidence_lead(label: str, text: str, passage: int, supported: bool) -> str:
    """How an explain-mode answer to a multiple-choice question opens: the option the course
    material supports, with the passage that supports it (written by the tutor, not the LLM)."""
    option = f"{label}) {_shortened(text, STEM_CHARS)}"
    if supported:
        return f"The course material supports {option} [{passage}]."
    return (
        f"The course material leans towards {option} [{passage}], "
        "but it does not settle the question clearly."
    )


def evidence_rule(label: str, text: str, passage: int) -> str:
    """The instruction for a multiple-choice question in explain mode: explain the option the
    evidence supports (the answer already opens by stating it)."""
    return (
        "This is a multiple-choice question. "
        f'Source [{passage}] supports option {label}) "{text}". '
        f"In one or two sentences, explain from source [{passage}] why it is right. "
        "Do not pick any other option."
    )


def evidence_reason(passage: Source, quote: str) -> str:
    """Said instead of an LLM explanation that picked an option the evidence does not support."""
    if quote:
        return f'Source [{passage.number}] says: "{quote}"'
    return f"Read [{passage.number}] {passage.lesson_title} to see why."


UNSETTLED = (
    "The course material does not settle which option is right, so I can't tell you for sure: "
    "read the cited lessons and check with your teacher."
)
LOW_SUPPORT = (
    "I could not find clear support for all of this in your course material, "
    "so check it against the cited lessons."
)


# The learner's question is repeated in a guiding question up to this length.
STEM_CHARS = 140


def choice_question(passage: Source, stem: str, quote: str = "", titled: bool = True) -> str:
    """The guiding question for a multiple-choice exercise, from the passage that settles it:
    the learner reads it again and chooses; no option is named."""
    where = f"[{passage.number}] {passage.lesson_title}" if titled else f"source [{passage.number}]"
    said = f' It says: "{quote}"' if quote else ""
    asked = f' about "{_shortened(stem, STEM_CHARS)}"' if stem and titled else ""
    return (
        "Let's work this one out together rather than me picking an option for you. "
        f"Read {where} again.{said} What does it tell you{asked}? "
        "Which option does it support, and why do the others not fit?"
    )


def guiding_question(passage: Source, stem: str, names_an_option: Callable[[str], bool]) -> str:
    """The fullest guiding question (a quote of the passage, its title, the question) that names
    no option; the bare one, which points at the source by number only, otherwise."""
    quoted = [choice_question(passage, stem, q) for q in passage_sentences(passage.text, stem)]
    candidates = [
        *quoted,
        choice_question(passage, stem),
        choice_question(passage, stem, titled=False),
    ]
    return next((c for c in candidates if not names_an_option(c)), candidates[-1])


def _shortened(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


SUMMARY_PROMPT = (
    "Summarise this tutoring conversation in at most three sentences: the topics asked about, "
    "what the learner understood, and what is still open. Do not add anything new."
)
