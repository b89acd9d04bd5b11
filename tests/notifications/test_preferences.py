"""Notification settings over HTTP: a round trip, and bad input refused with nothing half-stored."""

from typing import Any

from tests.fixtures.app import Api
from tests.notifications.helpers import DUE_SOON, GRADED, set_preferences

PREFERENCES = "/api/v1/notifications/preferences"
OFF = {"in_app": False, "email": False, "push": False}


async def test_settings_round_trip(notifying_api: Api) -> None:
    api = notifying_api
    parent = await api.account("parent")
    initial = (await api.client.get(PREFERENCES, headers=parent.headers)).json()
    assert initial["time_zone"] == "UTC" and initial["digest"] == "off"
    assert initial["quiet_hours"] is None
    assert initial["channels"][DUE_SOON] == {"in_app": True, "email": True, "push": True}
    assert {kind["kind"] for kind in initial["kinds"]} == set(initial["channels"])
    assert "account.email_verification" not in initial["channels"]  # account mail always goes

    saved = await set_preferences(
        api,
        parent,
        time_zone="Asia/Kolkata",
        quiet_hours={"start": "21:30", "end": "06:45"},
        digest="weekly",
        digest_time="07:15",
        channels={GRADED: {"in_app": True, "email": False, "push": True}},
    )
    again = (await api.client.get(PREFERENCES, headers=parent.headers)).json()
    assert again == saved
    assert again["quiet_hours"] == {"start": "21:30:00", "end": "06:45:00"}
    assert (again["digest"], again["digest_time"]) == ("weekly", "07:15:00")
    assert again["channels"][GRADED]["email"] is False
    assert again["channels"][DUE_SOON]["email"] is True  # not named: kept
    me = (await api.client.get("/api/v1/users/me", headers=parent.headers)).json()
    assert me["time_zone"] == "Asia/Kolkata"


async def test_bad_settings_are_refused_and_nothing_is_half_stored(notifying_api: Api) -> None:
    api = notifying_api
    teacher = await api.account("teacher")
    before = (await api.client.get(PREFERENCES, headers=teacher.headers)).json()
    valid: dict[str, Any] = {"time_zone": "Europe/Paris", "digest": "daily"}
    bad: list[dict[str, Any]] = [
        {**valid, "time_zone": "Mars/Olympus_Mons"},
        {**valid, "channels": {DUE_SOON: OFF, "no.such.kind": OFF}},
        {**valid, "channels": {GRADED: {**OFF, "sms": True}}},
        {**valid, "channels": {GRADED: {"in_app": False, "email": "no", "push": False}}},
        {**valid, "channels": {"account.email_verification": OFF}},
        {**valid, "quiet_hours": {"start": "22:00", "end": "22:00"}},
        {**valid, "quiet_hours": {"start": "25:00", "end": "07:00"}},
        {**valid, "digest": "hourly"},
    ]
    for body in bad:
        refused = await api.client.put(PREFERENCES, headers=teacher.headers, json=body)
        assert refused.status_code == 422, body
        assert refused.json()["error"]["code"] == "validation_error"
    assert (await api.client.get(PREFERENCES, headers=teacher.headers)).json() == before
    anonymous = await api.client.get(PREFERENCES)
    assert anonymous.status_code == 401
