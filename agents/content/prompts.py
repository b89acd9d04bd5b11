"""Prompts of the content roles, as named and versioned constants.

The version is stored with every generated artefact (with the model name), so a reviewer can tell
which prompt wrote what. Change a prompt: bump ``PROMPT_VERSION``.

The writer's three prompts begin with the sources, the same text in each: after the system
prompt, that shared beginning is the longest part of every call, and vLLM's prefix cache computes
it once per topic instead of three times (on a CPU, reading a prompt is not cheap: 575 prompt
tokens/s on 2 cores, bench/vllm_prefix.py). The item writer and the critic begin with the lesson
for the same reason.
"""

PROMPT_VERSION = "content-2026-12-04"

WRITER_SYSTEM = (
    "You are a careful textbook writer for a course titled '{course}'. Write for readers at "
    "school grade {grade}: short sentences, plain words. Answer only with JSON."
)

OBJECTIVES = (
    "{sources}Topic: {topic}\n{given}"
    "List {count} learning objectives for this topic. Each starts with a verb and has the "
    "Bloom level that verb belongs to (remember, understand, apply, analyze, evaluate, create).\n"
    'Example: {{"objectives": [{{"text": "Define the range of a data set.", '
    '"bloom_level": "remember"}}]}}'
)

OUTLINE = (
    "{sources}Topic: {topic}\nObjectives:\n{objectives}\n"
    "Write a lesson outline: a few sections, each with a heading and one to three key points.\n"
    'Example: {{"sections": [{{"heading": "What the range is", "points": ["largest minus '
    'smallest value"]}}]}}'
)

LESSON = (
    "{sources}Topic: {topic}\nOutline:\n{outline}\n"
    "Write the lesson, section by section, following the outline. Give each paragraph the number "
    "of the source it rests on (0 if none).\n"
    'Example: {{"sections": [{{"heading": "What the range is", "paragraphs": [{{"text": '
    '"The range is the largest value minus the smallest value.", "source": 1}}]}}]}}'
)

REWORD_PARAGRAPH = (
    "Paragraph:\n{paragraph}\n\n"
    "Rewrite this paragraph for a learner: shorter sentences, plainer words. Keep every fact "
    "it states and add none."
)

SOURCES_HEADER = "Sources:\n"
SOURCE_LINE = "[{number}] {text}\n"
UNGROUNDED_NOTE = "No sources: write from general knowledge.\n"

ITEM_WRITER_SYSTEM = (
    "You write quiz questions for the course '{course}' at school grade {grade}. A question "
    "tests one objective and is answered by the lesson. Answer only with JSON."
)

MULTIPLE_CHOICE = (
    "Lesson:\n{lesson}\n\nObjective: {objective}\n{feedback}"
    "Write one multiple-choice question with four different options. Exactly one option is "
    "correct; give its index (0 to 3) as key. For every option say why it is right or wrong."
)

NUMERIC = (
    "Lesson:\n{lesson}\n\nObjective: {objective}\n{feedback}"
    "Write one question whose answer is a single number. Give the answer, an allowed "
    "tolerance, the unit (empty if none) and a rubric for partial credit."
)

SHORT_ANSWER = (
    "Lesson:\n{lesson}\n\nObjective: {objective}\n{feedback}"
    "Write one short-answer question, a model answer of one or two sentences, and up to four "
    "rubric points a grader checks."
)

REWORD_STEM = (
    "Question: {stem}\nAnswer: {answer}\n\n"
    "Rewrite the question in plain words for the course's readers. Keep its meaning and what it "
    "asks for; never state the answer in it."
)

REGENERATE_FEEDBACK = "A reviewer rejected the last version: {reasons}. Write a better one.\n"

HINTS = (
    "Question: {stem}\nAnswer: {answer}\n\n"
    "Write three hints for a learner stuck on this question: first a gentle nudge, then the "
    "method, then a step that nearly reaches the answer. Never state the answer."
)

CRITIC_SYSTEM = (
    "You check quiz questions against a lesson. Be strict: a key not supported by the lesson "
    "is a fault. Answer only with JSON."
)

CRITIC = (
    "Lesson and sources:\n{evidence}\n\nQuestion: {stem}\n{options}Key: {key}\n\n"
    "Does the lesson support the key? Which other options (by index) are also correct?"
)
