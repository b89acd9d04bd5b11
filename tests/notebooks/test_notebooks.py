"""The tutor-session notebook runs top to bottom against the session's eval books and LLM
application, so that it never rots. The fine-tune walkthrough and the eval report are run by the
ML loop's end-to-end test (tests/test_ml_loop.py), which they narrate."""

from pathlib import Path

import pytest

from tests.fixtures.books import EvalBooks
from tests.fixtures.llm import LlmServer
from tests.fixtures.notebooks import outputs, run_notebook
from tests.openstax import STATISTICS_BOOK


@pytest.mark.slow
def test_the_tutor_session_notebook_explains_a_real_answer(
    eval_books: EvalBooks, llm_server: LlmServer, tmp_path: Path
) -> None:
    notebook = run_notebook(
        "tutor_session.ipynb",
        {
            "DATABASE_URL": eval_books.database_url,
            "LLM_BASE_URL": llm_server.base_url,
            "LLM_MODEL": llm_server.model,
            "BOOKS_DIR": eval_books.books_dir,
            "BOOK": STATISTICS_BOOK,
        },
        tmp_path,
    )
    printed = "".join(outputs(notebook, "stream"))
    assert "intent: content_question, refused: False" in printed
    assert outputs(notebook, "image/png"), "the similarity chart was not drawn"
