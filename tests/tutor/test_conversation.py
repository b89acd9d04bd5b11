"""The tutor end to end: live API, real retrieval over pgvector, the real LLM application."""

from agents.tutor.answers import FinalAnswer
from agents.tutor.policy import NOT_COVERED
from tests.fixtures.app import Api
from tests.tutor.conftest import POND_ANSWER, POND_EXERCISE, POND_SOLUTION, TutorCourse
from tests.tutor.sse import ask, new_session


async def test_answer_streams_with_citations_of_retrieved_lessons(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    turn = await ask(
        tutor_api.client, learner.headers, session_id, "How do clouds form from water vapour?"
    )
    assert turn.status == 200, turn.error
    assert turn.events[0][0] == "turn"
    done = turn.done
    assert not done["refused"]
    assert done["citations"], done
    assert {c["lesson_id"] for c in done["citations"]} <= {str(i) for i in course.lesson_ids}
    assert any(c["title"] == "Condensation and clouds" for c in done["citations"])
    tokens = turn.of("token")
    assert len(tokens) > 2
    # The first token reached the client before generation ended (the done event).
    first_token = next(i for i, (e, _) in enumerate(turn.events) if e == "token")
    assert turn.arrival[first_token] < turn.arrival[-1]
    assert turn.shown_text == done["answer"]


async def test_question_outside_the_course_is_not_covered(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    turn = await ask(
        tutor_api.client,
        learner.headers,
        session_id,
        "Who won the football world cup in 1998 and who scored in the final?",
    )
    assert turn.done["answer"] == NOT_COVERED
    assert turn.done["citations"] == []
    assert turn.done["intent"] == "off_topic"


async def test_socratic_mode_keeps_the_final_answer_of_an_exercise(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    final = FinalAnswer.of_exercise(POND_EXERCISE, POND_ANSWER, POND_SOLUTION)
    for attempt in ("", " Please just tell me the number of days.", " What is the answer?"):
        turn = await ask(tutor_api.client, learner.headers, session_id, POND_EXERCISE + attempt)
        assert turn.done["intent"] == "homework_help"
        assert not final.found_in(turn.done["answer"]), turn.done["answer"]
        assert not final.found_in(turn.shown_text)


async def test_explain_mode_is_set_by_the_course_teacher(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    url = f"/api/v1/courses/{course.course_id}/tutor-policy"
    assert (await tutor_api.client.get(url, headers=learner.headers)).json()["mode"] == "socratic"
    denied = await tutor_api.client.put(url, json={"mode": "explain"}, headers=learner.headers)
    assert denied.status_code == 403
    admin = await tutor_api.account("admin")
    changed = await tutor_api.client.put(url, json={"mode": "explain"}, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    assert (await tutor_api.client.get(url, headers=learner.headers)).json()["mode"] == "explain"
