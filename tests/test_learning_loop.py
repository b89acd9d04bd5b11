"""The learning loop end to end through the API: a 30-learner class does homework, the grading
saga grades it, mastery and statements follow, and the teacher's dashboard and gradebook show it.

Every step is the real one: sittings, answers and submits over HTTP, the outbox, the bus, the
grading consumers, the BKT consumer and the statements consumer into chDB. Only the accounts are
made at the service level (a password hash costs 0.3 s of CPU each; sign-in is tested in
tests/auth).
"""

import csv
import io
from typing import Any

from platform_api.mastery import bkt
from platform_api.mastery.settings import MasterySettings
from tests.assessments.factory import classroom, homework, start
from tests.fixtures.app import Account, Api
from tests.infra.bus_support import eventually

CLASS_SIZE, WITH_SITTINGS, QUESTIONS = 30, 25, 4


def answers_of(learner: int) -> dict[str, str]:
    """Question 0 is missed by 4 learners in 5, question 3 by every other learner; the numeric
    item is answered right, with its unit."""
    answers = {f"mc{q}": "b" for q in range(QUESTIONS)}
    if learner % 5:
        answers["mc0"] = "a"
    if learner % 2 == 0:
        answers["mc3"] = "c"
    return answers | {"numeric": "6.02 N"}


async def sit(
    api: Api, learner: Account, assignment_id: str, items: dict[str, str], number: int
) -> None:
    sitting = await start(api, learner, assignment_id)
    for name, answer in answers_of(number).items():
        saved = await api.client.put(
            f"/api/v1/sittings/{sitting['id']}/answers/{items[name]}",
            headers=learner.headers,
            json={"answer": answer},
        )
        assert saved.status_code == 200, saved.text
    submitted = await api.client.post(
        f"/api/v1/sittings/{sitting['id']}/submit", headers=learner.headers
    )
    assert submitted.status_code == 200, submitted.text


async def test_a_30_learner_class_through_the_api_to_the_dashboard(api: Api) -> None:
    room = await classroom(api, learners=CLASS_SIZE, mc_items=QUESTIONS)
    rule_graded = {name: room.items[name] for name in (*answers_of(0),)}
    assignment = await homework(api, room, lesson_id=None, item_ids=list(rule_graded.values()))
    for number, learner in enumerate(room.learners[:WITH_SITTINGS]):
        await sit(api, learner, assignment["id"], rule_graded, number)

    dashboard_path = f"/api/v1/classes/{room.class_id}/dashboard"
    dashboard: dict[str, Any] = {}

    async def everything_graded_and_traced() -> bool:
        nonlocal dashboard
        response = await api.client.get(dashboard_path, headers=room.teacher.headers)
        assert response.status_code == 200, response.text
        dashboard = response.json()
        cells = dashboard["mastery"]
        return len(cells) == WITH_SITTINGS and all(
            cell["answers"] == len(rule_graded) and cell["p_known"] is not None for cell in cells
        )

    await eventually(everything_graded_and_traced, within_seconds=90)
    assert len(dashboard["learners"]) == CLASS_SIZE
    by_learner = {cell["learner_id"]: cell for cell in dashboard["mastery"]}
    defaults = MasterySettings().defaults
    for number, learner in enumerate(room.learners[:WITH_SITTINGS]):
        right = [answer == "b" or name == "numeric" for name, answer in answers_of(number).items()]
        cell = by_learner[str(learner.id)]
        assert cell["correct"] == sum(right)
        # The order answers were given in is the order BKT saw them.
        assert abs(cell["p_known"] - bkt.trace(right, defaults)) < 1e-9

    worst = dashboard["most_wrong_items"]
    assert [(w["item_id"], w["wrong"], w["answers"]) for w in worst[:2]] == [
        (room.items["mc0"], 20, WITH_SITTINGS),
        (room.items["mc3"], 13, WITH_SITTINGS),
    ]

    gradebook = await api.client.get(
        f"/api/v1/classes/{room.class_id}/gradebook.csv", headers=room.teacher.headers
    )
    assert gradebook.status_code == 200
    rows = {row[0]: row[2] for row in csv.reader(io.StringIO(gradebook.text)) if row}
    assert rows[str(room.learners[0].id)] == "4"  # question 3 missed (an even learner)
    assert rows[str(room.learners[5].id)] == "5"  # both right
    assert rows[str(room.learners[1].id)] == "4"  # question 0 missed
    assert rows[str(room.learners[29].id)] == ""  # never sat

    progress = await api.client.get("/api/v1/me/progress", headers=room.learners[0].headers)
    assert progress.status_code == 200, progress.text
    assert progress.json()["recent_grades"], progress.json()
