"""A sitting reopened after a technical failure: an answer changed since its grade is graded
again (as its next revision); an unchanged one keeps its grade."""

import uuid

from sqlalchemy import select

from platform_api.assessments.models import GradeRevision, Response
from tests.assessments.factory import classroom, exam, start
from tests.fixtures.app import Api
from tests.infra.bus_support import eventually


async def revisions(api: Api, sitting_id: str, item_id: str) -> list[tuple[int, float]]:
    async with api.stores.database.session() as session:
        rows = await session.execute(
            select(GradeRevision.version, GradeRevision.points)
            .join(Response, Response.id == GradeRevision.response_id)
            .where(
                Response.sitting_id == uuid.UUID(sitting_id),
                Response.item_id == uuid.UUID(item_id),
            )
            .order_by(GradeRevision.version)
        )
        return [(row.version, row.points) for row in rows]


async def test_a_changed_answer_in_a_reopened_sitting_is_graded_again(api: Api) -> None:
    room = await classroom(api, learners=1, mc_items=1)
    learner, teacher = room.learners[0], room.teacher
    sitting = await start(api, learner, (await exam(api, room))["id"])
    answers, mc, numeric = (
        f"/api/v1/sittings/{sitting['id']}/answers",
        room.items["mc0"],
        room.items["numeric"],
    )
    for item, answer in ((mc, "a"), (numeric, "6 N"), (room.items["short"], "Friction.")):
        saved = await api.client.put(
            f"{answers}/{item}", headers=learner.headers, json={"answer": answer}
        )
        assert saved.status_code == 200, saved.text
    submit = f"/api/v1/sittings/{sitting['id']}/submit"
    assert (await api.client.post(submit, headers=learner.headers)).status_code == 200

    async def rule_graded() -> bool:
        return bool(await revisions(api, sitting["id"], mc))

    await eventually(rule_graded, within_seconds=30)
    assert await revisions(api, sitting["id"], mc) == [(1, 0.0)]

    reopened = await api.client.post(
        f"/api/v1/sittings/{sitting['id']}/reopen",
        headers=teacher.headers,
        json={"reason": "The page froze before the learner could check", "minutes": 5},
    )
    assert reopened.status_code == 201, reopened.text
    changed = await api.client.put(f"{answers}/{mc}", headers=learner.headers, json={"answer": "b"})
    assert changed.status_code == 200, changed.text
    same = await api.client.put(
        f"{answers}/{numeric}", headers=learner.headers, json={"answer": "6 N"}
    )
    assert same.status_code == 200, same.text
    assert (await api.client.post(submit, headers=learner.headers)).status_code == 200

    async def regraded() -> bool:
        return len(await revisions(api, sitting["id"], mc)) == 2

    await eventually(regraded, within_seconds=30)
    assert await revisions(api, sitting["id"], mc) == [(1, 0.0), (2, 1.0)]
    assert await revisions(api, sitting["id"], numeric) == [(1, 1.0)]
