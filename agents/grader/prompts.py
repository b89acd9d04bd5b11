"""Prompts of the grader, as named and versioned constants.

The version is stored with every LLM grade (``GradeRevision.model_name`` carries the model, the
justification the version), so a reviewer can tell which prompt graded what. Change a prompt:
bump ``PROMPT_VERSION``.
"""

PROMPT_VERSION = "grader-2026-12-01"

GRADER_SYSTEM = "You are a strict teacher grading a student's answer. Answer only with JSON."

# No example answer: the 135M model copied an example's justification and points verbatim.
GRADE = (
    "Question: {question}\n\n"
    "Model answer: {model_answer}\n\n"
    "Student answer: {answer}\n\n"
    "Rubric:\n{rubric}\n\n"
    "Does the student answer meet each rubric line (yes, partly, no)? First justify in one "
    "short sentence, then give your confidence (low, medium, high)."
)

RUBRIC_LINE = "{number}. {text}"

# Items without a rubric (most OpenStax exercises) are graded on this one line.
DEFAULT_RUBRIC_LINE = "The answer reaches what the model answer says."
