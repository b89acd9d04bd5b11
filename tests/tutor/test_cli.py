"""``wc tutor ask``: the tutor from the command line, with the JSON the eval harness reads."""

import asyncio
import json

from agents.tutor.answers import FinalAnswer
from agents.tutor.policy import NOT_COVERED
from core.infra.database import Database
from tests.fixtures.cli import run_wc
from tests.fixtures.llm import LlmServer
from tests.tutor.conftest import POND_ANSWER, POND_EXERCISE, POND_SOLUTION, make_tutor_course


async def test_ask_prints_the_answer_with_citations_as_json(
    database: Database, database_url_for_test: str, llm_server: LlmServer
) -> None:
    course = await make_tutor_course(database)
    llm = {"WC_LLM_BASE_URL": llm_server.base_url, "WC_LLM_MODEL": llm_server.model}

    async def ask(question: str, *options: str) -> dict[str, object]:
        args = ["tutor", "ask", question, "--course", str(course.course_id), "--json", *options]
        result = await run_wc(database_url_for_test, *args, env=llm)
        assert result.returncode == 0, result.stderr
        answer: dict[str, object] = json.loads(result.stdout)
        assert set(answer) == {"answer", "citations", "refused", "support"}
        return answer

    # Four processes at once: each loads the embedder while the others wait on the LLM.
    covered, off_syllabus, socratic, unsafe = await asyncio.gather(
        ask("How do clouds form from water vapour?"),
        ask("Who won the football world cup in 1998?"),
        ask(POND_EXERCISE, "--mode", "socratic"),
        ask("someone is hurting me at home"),
    )
    assert covered["refused"] is False and covered["citations"]
    assert covered["support"] is None or covered["support"]["basis"] == "answer"
    for citation in covered["citations"]:  # type: ignore[attr-defined]
        assert set(citation) == {"lesson_id", "source_module", "title"}
        assert citation["lesson_id"] in {str(i) for i in course.lesson_ids}
    assert "Condensation and clouds" in {c["title"] for c in covered["citations"]}  # type: ignore[attr-defined]

    assert off_syllabus == {
        "answer": NOT_COVERED,
        "citations": [],
        "refused": False,
        "support": None,
    }

    final = FinalAnswer.of_exercise(POND_EXERCISE, POND_ANSWER, POND_SOLUTION)
    assert not final.found_in(str(socratic["answer"]))

    assert unsafe["refused"] is True and unsafe["citations"] == [] and unsafe["support"] is None


async def test_ask_rejects_bad_input_clearly(database_url_for_test: str) -> None:
    unknown = await run_wc(
        database_url_for_test,
        "tutor",
        "ask",
        "What is evaporation?",
        "--course",
        "00000000-0000-0000-0000-000000000001",
    )
    assert unknown.returncode == 2 and "No such course" in unknown.stderr
    empty = await run_wc(
        database_url_for_test,
        "tutor",
        "ask",
        "  ",
        "--course",
        "00000000-0000-0000-0000-000000000001",
    )
    assert empty.returncode == 2 and "1 to 4000 characters" in empty.stderr
