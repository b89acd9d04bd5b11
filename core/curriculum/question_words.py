"""A question reduced to its words, for finding the stored exercises that ask it word for word.

Lowercase letters and digits, every other run of characters one space, no space at either end:
"What is the p-value?" and "what is the P value" ask the same. The same reduction runs in Python
(on the learner's message) and in SQL (on stored prompts, where a hash index on the expression
answers the look-up without reading the course's every exercise).
"""

import re

from sqlalchemy import ColumnElement, ColumnExpressionArgument, func, literal

NOT_A_WORD = "[^a-z0-9]+"
_NOT_A_WORD = re.compile(NOT_A_WORD)


def question_words(text: str) -> str:
    return _NOT_A_WORD.sub(" ", text.lower()).strip()


def stored_question_words(prompt: ColumnExpressionArgument[str]) -> ColumnElement[str]:
    """``question_words`` of a text column, in SQL. The constants are written into the statement,
    not bound: PostgreSQL matches a query to an expression index only on identical constants."""
    return func.btrim(
        func.regexp_replace(
            func.lower(prompt),
            literal(NOT_A_WORD, literal_execute=True),
            literal(" ", literal_execute=True),
            literal("g", literal_execute=True),
        )
    )
