"""Quality checks whose verdicts are stored with every generated lesson and item.

The checks here need no model: distinct options, objective coverage, reading level, banned
content, grounding. The ones that need retrieval, the evidence scorer or the critic (answerable,
duplicates, evidence) take what those found as arguments and only judge it, so every verdict here
is a pure function.
"""

import enum
import re
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel

from agents.content.grounding import Outcome, ParagraphGrounding, claim_bearing
from agents.content.hints import MIN_HINTS, gives_away, is_sentence
from agents.content.readability import flesch_kincaid_grade
from agents.content.schemas import CriticVerdict, LessonDraft, MultipleChoiceItem
from agents.content.screening import banned_categories
from agents.content.structured import states_the_answer
from core.words import content_words
from rag.evidence import ClaimCheck, Ranking, computed

_WORD = re.compile(r"\w+")
# Options whose word sets overlap this much say the same thing.
SAME_OPTION_OVERLAP = 0.9
# An item built from a passage is answerable from it when the passage holds this share of the
# stem's meaningful words (a reworded stem may use a few words of its own).
STEM_WORDS_IN_PASSAGE = 0.5


class Check(enum.StrEnum):
    ANSWERABLE = "answerable"
    DISTRACTORS = "distractors"
    NOT_DUPLICATE = "not_duplicate"
    OBJECTIVE_COVERAGE = "objective_coverage"
    READING_LEVEL = "reading_level"
    BANNED_CONTENT = "banned_content"
    GROUNDED = "grounded"
    EVIDENCE = "evidence"
    HINTS = "hints"


class Verdict(BaseModel):
    check: Check
    passed: bool
    reason: str
    score: float | None = None
    # The course passage the verdict rests on (the evidence check's citation), for the reviewer.
    passage: str | None = None


def _words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text)}


def _overlap(first: str, second: str) -> float:
    a, b = _words(first), _words(second)
    return len(a & b) / max(1, len(a | b))


def distractors(item: MultipleChoiceItem, critic: CriticVerdict | None) -> Verdict:
    """Options differ from each other, and none but the key is also correct (the critic's call)."""
    texts = [option.text for option in item.options]
    for i, first in enumerate(texts):
        for j in range(i + 1, len(texts)):
            if _overlap(first, texts[j]) >= SAME_OPTION_OVERLAP:
                return Verdict(
                    check=Check.DISTRACTORS,
                    passed=False,
                    reason=f"options {i} and {j} say the same thing",
                )
    also_correct = sorted(
        {i for i in (critic.other_correct_options if critic else []) if i != item.key}
    )
    if also_correct:
        return Verdict(
            check=Check.DISTRACTORS,
            passed=False,
            reason=f"the critic finds options {also_correct} also correct",
        )
    return Verdict(check=Check.DISTRACTORS, passed=True, reason="four distinct options, one key")


def answerable(critic: CriticVerdict | None, evidence_similarity: float, minimum: float) -> Verdict:
    """The key is supported: retrieval found evidence for the item and the critic agrees."""
    if critic is None:
        return Verdict(check=Check.ANSWERABLE, passed=False, reason="the critic gave no verdict")
    if evidence_similarity < minimum:
        return Verdict(
            check=Check.ANSWERABLE,
            passed=False,
            reason=f"no passage of the lesson or sources is close to the item "
            f"(best similarity {evidence_similarity:.2f} < {minimum:.2f})",
            score=evidence_similarity,
        )
    return Verdict(
        check=Check.ANSWERABLE,
        passed=critic.key_supported,
        reason=critic.reason,
        score=evidence_similarity,
    )


def answerable_from(passage: str, stem: str, answer: str) -> Verdict:
    """An item built from a passage: the passage states the answer and holds most of what the
    stem says, so a learner who read it can answer."""
    stem_words = content_words(stem)
    share = len(stem_words & content_words(passage)) / max(1, len(stem_words))
    stated = states_the_answer(passage, answer)
    passed = stated and share >= STEM_WORDS_IN_PASSAGE
    if not stated:
        reason = "the passage the item was built from does not state its answer"
    elif not passed:
        reason = f"the stem says what its passage does not (shares {share:.0%} of its words)"
    else:
        reason = f"answered by its passage (which holds {share:.0%} of the stem's words)"
    return Verdict(
        check=Check.ANSWERABLE, passed=passed, reason=reason, score=share, passage=passage
    )


def evidence_key(ranking: Ranking, key: int) -> Verdict:
    """The course's passages single out the key: the evidence scorer picks it, by a calibrated
    margin (so no distractor is as well supported), and its passage states the key's words."""
    chosen = ranking.supports[key]
    passage = chosen.passage.text if chosen.passage else ""
    title = chosen.passage.lesson_title if chosen.passage else "no passage"
    confidence = f"confidence {ranking.confidence:.2f}"
    stated = states_the_answer(passage, chosen.text)
    passed = ranking.best == key and ranking.supported and stated
    if computed([support.text for support in ranking.supports]):
        reason = "the options are computed results, which passages cannot settle: check by hand"
    elif ranking.best != key:
        reason = (
            f"the material supports option {ranking.best} "
            f"('{ranking.chosen.text}') over the key ({confidence})"
        )
    elif not ranking.supported:
        reason = f"the key leads the other options by too little ({confidence})"
    elif not stated:
        reason = f"the cited passage ('{title}') does not state the key"
    else:
        reason = f"the key is the best-supported option ({confidence}), stated in '{title}'"
    return Verdict(
        check=Check.EVIDENCE,
        passed=passed,
        reason=reason,
        score=ranking.confidence,
        passage=passage or None,
    )


def evidence_answer(claims: ClaimCheck, answer: str) -> Verdict:
    """A written answer's model answer is stated by the course's passages."""
    cited = claims.weakest.passage if claims.weakest else None
    passage = cited.text if cited else ""
    confidence = f"confidence {claims.confidence:.2f}"
    stated = states_the_answer(passage, answer)
    if not claims.supported:
        reason = f"the material does not support the model answer ({confidence})"
    elif not stated:
        reason = "the cited passage does not state the model answer"
    else:
        title = cited.lesson_title if cited else ""
        reason = f"the model answer is supported ({confidence}), stated in '{title}'"
    return Verdict(
        check=Check.EVIDENCE,
        passed=claims.supported and stated,
        reason=reason,
        score=claims.confidence,
        passage=passage or None,
    )


def not_duplicate(similarity: float, threshold: float) -> Verdict:
    """``similarity``: the highest cosine similarity to an item already in the course."""
    if similarity >= threshold:
        reason = f"near-duplicate of an existing item (similarity {similarity:.2f})"
    else:
        reason = f"closest existing item at similarity {similarity:.2f}"
    return Verdict(
        check=Check.NOT_DUPLICATE, passed=similarity < threshold, reason=reason, score=similarity
    )


def objective_coverage(objectives: int, covered: Sequence[int]) -> Verdict:
    missing = sorted(set(range(objectives)) - set(covered))
    if missing:
        return Verdict(
            check=Check.OBJECTIVE_COVERAGE,
            passed=False,
            reason=f"objectives {missing} have no item",
        )
    return Verdict(
        check=Check.OBJECTIVE_COVERAGE, passed=True, reason="every objective has an item"
    )


def reading_level(text: str, target_grade: float, tolerance: float) -> Verdict:
    grade = flesch_kincaid_grade(text)
    passed = abs(grade - target_grade) <= tolerance
    return Verdict(
        check=Check.READING_LEVEL,
        passed=passed,
        reason=f"Flesch-Kincaid grade {grade} for a target of {target_grade} ± {tolerance}",
        score=grade,
    )


def hints(ladder: Sequence[str], answer: str) -> Verdict:
    """Enough hints, each a sentence a learner can read, none giving the answer away."""
    unreadable = sum(not is_sentence(hint) for hint in ladder)
    leaking = sum(gives_away(hint, answer) for hint in ladder)
    problems = [
        *([f"{len(ladder)} hints of the {MIN_HINTS} needed"] if len(ladder) < MIN_HINTS else []),
        *([f"{unreadable} not a readable sentence"] if unreadable else []),
        *([f"{leaking} giving the answer away"] if leaking else []),
    ]
    reason = "; ".join(problems) or f"{len(ladder)} readable hints, none giving the answer away"
    return Verdict(check=Check.HINTS, passed=not problems, reason=reason)


def banned_content(texts: Sequence[str]) -> Verdict:
    found = sorted({category for text in texts for category in banned_categories(text)})
    if found:
        return Verdict(check=Check.BANNED_CONTENT, passed=False, reason=f"contains {found}")
    return Verdict(check=Check.BANNED_CONTENT, passed=True, reason="nothing banned found")


def grounded(
    lesson: LessonDraft,
    sources: int,
    required: bool,
    weighed: Sequence[ParagraphGrounding] | None = None,
    max_replaced: float = 1.0,
) -> Verdict:
    """Every claim-bearing paragraph names one of the ``sources`` given to the writer; when the
    evidence ``weighed`` the paragraphs (``graphs.content_gen.grounding``), no more than
    ``max_replaced`` of them had to be replaced by their source's own words."""
    if not required:
        return Verdict(check=Check.GROUNDED, passed=True, reason="ungrounded generation requested")
    uncited = [
        f"{s}.{p}"
        for s, section in enumerate(lesson.sections)
        for p, paragraph in enumerate(section.paragraphs)
        if claim_bearing(paragraph.text) and not 1 <= paragraph.source <= sources
    ]
    if uncited:
        return Verdict(
            check=Check.GROUNDED, passed=False, reason=f"paragraphs {uncited} cite no source"
        )
    if weighed is None:
        return Verdict(check=Check.GROUNDED, passed=True, reason="every claim cites a source")
    return _weighed_grounding(weighed, max_replaced)


def _weighed_grounding(weighed: Sequence[ParagraphGrounding], max_replaced: float) -> Verdict:
    count = Counter(found.outcome for found in weighed)
    if count[Outcome.UNWEIGHED]:
        reason = "the paragraphs could not be weighed against the sources (no search index)"
        return Verdict(check=Check.GROUNDED, passed=False, reason=reason)
    share = count[Outcome.REPLACED] / len(weighed) if weighed else 0.0
    passed = share <= max_replaced
    described = {
        Outcome.KEPT: "supported as cited",
        Outcome.RECITED: "re-cited to the source that supports it",
        Outcome.REPLACED: "replaced by its source's own words",
        Outcome.QUOTED: "in its source's own words",
        Outcome.REWORDED: "reworded from its source, still supported",
    }
    counts = ", ".join(
        f"{count[outcome]} {words}" for outcome, words in described.items() if count[outcome]
    )
    reason = f"paragraphs weighed against the sources: {counts or 'none makes a claim'}"
    if not passed:
        reason += f": more than {max_replaced:.0%} of the lesson was not supported as written"
    support = sum(found.support for found in weighed) / len(weighed) if weighed else None
    return Verdict(check=Check.GROUNDED, passed=passed, reason=reason, score=support)
