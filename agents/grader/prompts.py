"""Prompts of the grader, as named and versioned constants.

The version is stored with every LLM grade (``GradeRevision.model_name`` carries the model, the
justification the version), so a reviewer can tell which prompt graded what. Change a prompt:
bump ``PROMPT_VERSION``.
"""

PROMPT_VERSION = "grader-2026-12-01"

GRADER_SYSTEM = (
    "You grade a student's answer against a model answer and a rubric. Be strict: an answer "
    "that does not say what the model answer says earns nothing. Answer only with JSON."
)

GRADE = (
    "Question: {question}\n"
    "Model answer: {model_answer}\n"
    "Rubric:\n{rubric}\n"
    "Student answer: {answer}\n\n"
    "For each rubric line give 2 if the student answer meets it, 1 if it partly does, 0 if not. "
    "Then give one short sentence of justification and your confidence (low, medium, high).\n"
    'Example: {{"lines": [{example_lines}], "justification": "The answer names the mean but '
    'not the spread.", "confidence": "medium"}}'
)

RUBRIC_LINE = "{number}. {text}"

# Items without a rubric (most OpenStax exercises) are graded on this one line.
DEFAULT_RUBRIC_LINE = "The answer reaches what the model answer says."
