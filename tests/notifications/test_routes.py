"""The inbox over HTTP: each caller sees and marks only their own notifications."""

import uuid

from platform_api.auth.models import User
from platform_api.notifications.service import notify
from tests.fixtures.app import Account, Api


async def send(api: Api, account: Account, *titles: str) -> list[str]:
    """Notify the account once per title (oldest first); return the notification ids."""
    ids = []
    async with api.stores.database.session() as session:
        recipient = await session.get_one(User, account.id)
        for title in titles:
            notification = await notify(session, recipient, "test.note", title, "Body.", {})
            assert notification is not None
            ids.append(str(notification.id))
            await session.commit()
    return ids


async def test_inbox_lists_own_notifications_newest_first(api: Api) -> None:
    teacher, other = await api.account("teacher"), await api.account("parent")
    first, second, third = await send(api, teacher, "first", "second", "third")
    await send(api, other, "not yours")

    inbox = await api.client.get("/api/v1/notifications", headers=teacher.headers)
    assert inbox.status_code == 200
    page = inbox.json()
    assert [n["id"] for n in page["items"]] == [third, second, first]
    assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)

    paged = await api.client.get(
        "/api/v1/notifications", headers=teacher.headers, params={"limit": 1, "offset": 1}
    )
    assert [n["title"] for n in paged.json()["items"]] == ["second"]
    assert paged.json()["total"] == 3


async def test_marking_read_and_the_unread_filter(api: Api) -> None:
    student = await api.account("student")
    first, second = await send(api, student, "first", "second")

    marked = await api.client.post(f"/api/v1/notifications/{first}/read", headers=student.headers)
    assert marked.status_code == 204
    again = await api.client.post(f"/api/v1/notifications/{first}/read", headers=student.headers)
    assert again.status_code == 204

    unread = await api.client.get(
        "/api/v1/notifications", headers=student.headers, params={"unread": "true"}
    )
    assert [n["id"] for n in unread.json()["items"]] == [second]
    everything = (await api.client.get("/api/v1/notifications", headers=student.headers)).json()
    read_at = {n["id"]: n["read_at"] for n in everything["items"]}
    assert read_at[first] is not None
    assert read_at[second] is None


async def test_another_users_notification_is_not_found(api: Api) -> None:
    owner, intruder = await api.account("teacher"), await api.account("teacher")
    (notification_id,) = await send(api, owner, "private")
    for missing in (notification_id, str(uuid.uuid4())):
        response = await api.client.post(
            f"/api/v1/notifications/{missing}/read", headers=intruder.headers
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    unread = await api.client.get(
        "/api/v1/notifications", headers=owner.headers, params={"unread": "true"}
    )
    assert [n["id"] for n in unread.json()["items"]] == [notification_id]


async def test_paging_beyond_the_bounds_is_refused_not_a_server_error(api: Api) -> None:
    # Was a 500: an offset past int64 reached PostgreSQL (found by fuzzing).
    reader = await api.account("teacher")
    for query in ("offset=32589158477190044731", "offset=100001", "limit=201", "offset=-1"):
        refused = await api.client.get(f"/api/v1/notifications?{query}", headers=reader.headers)
        assert refused.status_code == 422, query
        assert refused.json()["error"]["code"] == "validation_error"
    last = await api.client.get("/api/v1/notifications?offset=100000", headers=reader.headers)
    assert last.status_code == 200 and last.json()["items"] == []
