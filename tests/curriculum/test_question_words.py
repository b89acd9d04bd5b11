"""The exact-question look-up's reduction: one in Python, one in SQL, and the SQL one written so
that PostgreSQL can answer it from the expression index (migration 0025)."""

from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

from core.curriculum.models import AssessmentItem
from core.curriculum.question_words import NOT_A_WORD, question_words, stored_question_words


def test_a_question_is_its_lowercase_words_and_numbers() -> None:
    assert question_words("  What is the P-value? (Round to 2 places.) ") == (
        "what is the p value round to 2 places"
    )
    assert question_words("?!") == ""


def test_the_sql_reduction_carries_its_constants_in_the_statement() -> None:
    """Bound parameters would hide the expression from the index: the look-up read every
    exercise of the course (40 ms on the statistics book) with the index present."""
    query = select(AssessmentItem.id).where(
        stored_question_words(AssessmentItem.prompt) == "what is the p value"
    )
    sql = str(
        query.compile(
            dialect=postgresql.asyncpg.dialect(), compile_kwargs={"render_postcompile": True}
        )
    )
    assert f"regexp_replace(lower(assessment_items.prompt), '{NOT_A_WORD}', ' ', 'g')" in sql


def test_the_index_is_a_hash_index_on_the_same_expression() -> None:
    """Hash: a prompt may be longer than a B-tree entry holds. (tests/infra/test_migrations.py
    checks that migration 0025 builds what the models declare.)"""
    [index] = [
        i for i in AssessmentItem.__table__.indexes if i.name == "ix_assessment_items_prompt_words"
    ]
    ddl = str(CreateIndex(index).compile(dialect=postgresql.dialect()))
    assert "USING hash" in ddl
    assert f"(btrim(regexp_replace(lower(prompt), '{NOT_A_WORD}', ' ', 'g')))" in ddl
