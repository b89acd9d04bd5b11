"""Deep linking: an instructor places a lesson and a quiz; the platform verifies the signed
response with the tool's published JWKS, and a launch of the placed quiz lands on it."""

import httpx

from tests.lti.conftest import World
from tests.lti.flows import launch, learner, teaching_context
from tests.lti.platform import Launch, form_fields

CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


async def test_an_instructor_places_a_lesson_and_a_quiz(world: World) -> None:
    api, taught = world.api, await teaching_context(world)
    context, instructor, account = taught.context_id, taught.instructor, taught.teacher
    course, quiz = taught.course, {"id": taught.quiz_id}

    picking = await launch(world, Launch(instructor, context, deep_linking=True))
    page = picking.landing["next"]
    assert page.startswith("/lti/deep-linking/")
    launch_id = page.rsplit("/", 1)[1]
    base = f"/api/v1/lti/deep-linking/{launch_id}"
    listed = await api.client.get(
        f"{base}/candidates", params={"kind": "quiz"}, headers=account.headers
    )
    assert [c["id"] for c in listed.json()] == [quiz["id"]]
    lessons = await api.client.get(
        f"{base}/candidates",
        params={"kind": "lesson", "course_id": course.course_id},
        headers=account.headers,
    )
    assert [c["id"] for c in lessons.json()] == [course.lesson_id]
    someone_else = await api.client.post(
        base, json={"items": [{"kind": "quiz", "id": quiz["id"]}]}, headers=world.admin.headers
    )
    assert someone_else.status_code == 403

    chosen = await api.client.post(
        base,
        json={
            "items": [
                {"kind": "lesson", "id": course.lesson_id},
                {"kind": "quiz", "id": quiz["id"]},
            ]
        },
        headers=account.headers,
    )
    assert chosen.status_code == 200, chosen.text
    answer = chosen.json()
    assert answer["return_url"] == f"{world.platform.url}/deep-link-return"
    action, fields = form_fields(answer["form_html"])
    assert (action, fields) == (answer["return_url"], {"JWT": answer["jwt"]})
    async with httpx.AsyncClient(timeout=10) as browser:
        posted = await browser.post(action, data=fields)
    assert posted.status_code == 200, posted.text  # the platform verified it with our JWKS
    response = world.platform.deep_link_responses[-1]
    assert response["iss"] == world.platform.client_id
    assert response["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    lesson_item, quiz_item = response[CONTENT_ITEMS]
    assert lesson_item["custom"] == {"wc_target": f"lesson:{course.lesson_id}"}
    assert quiz_item["lineItem"] == {
        "scoreMaximum": 1.0,
        "label": "Compass quiz",
        "resourceId": f"quiz:{quiz['id']}",
    }
    spent = await api.client.post(
        base, json={"items": [{"kind": "quiz", "id": quiz["id"]}]}, headers=account.headers
    )
    assert spent.status_code == 404

    opened = await launch(world, Launch(learner(), context, "placed-quiz", quiz_item["custom"]))
    assert opened.landing["next"] == "/work"
