"""Profiles, avatars (type and size checked), GDPR export and erasure across stores."""

from sqlalchemy import select

from platform_api.auth.models import RefreshToken, User
from tests.fixtures.app import Api
from tests.fixtures.media import tiny_png


async def test_profile_update_and_validation(api: Api) -> None:
    student = await api.account("student")
    ok = await api.client.patch(
        "/api/v1/users/me",
        headers=student.headers,
        json={"display_name": "Ada", "locale": "fr-CA", "preferences": {"theme": "dark"}},
    )
    assert ok.status_code == 200
    assert (ok.json()["display_name"], ok.json()["locale"]) == ("Ada", "fr-CA")
    bad = await api.client.patch(
        "/api/v1/users/me",
        headers=student.headers,
        json={"locale": "not a locale!", "role": "admin"},
    )
    assert bad.status_code == 422


async def test_profile_fields_sent_as_null_stay_as_they_are(api: Api) -> None:
    # Was a 500: null reached NOT NULL columns (found by fuzzing).
    student = await api.account("student")
    before = (await api.client.get("/api/v1/users/me", headers=student.headers)).json()
    for field in ("locale", "display_name", "preferences"):
        kept = await api.client.patch(
            "/api/v1/users/me", headers=student.headers, json={field: None}
        )
        assert kept.status_code == 200, kept.text
        assert kept.json()[field] == before[field]
    both = await api.client.patch(
        "/api/v1/users/me", headers=student.headers, json={"locale": None, "display_name": "Bo"}
    )
    assert (both.json()["locale"], both.json()["display_name"]) == (before["locale"], "Bo")


async def test_avatar_upload_checks_type_and_size(api: Api) -> None:
    student = await api.account("student")
    png = tiny_png()
    uploaded = await api.client.put(
        "/api/v1/users/me/avatar",
        headers=student.headers,
        files={"file": ("me.png", png, "image/png")},
    )
    assert uploaded.status_code == 200
    assert uploaded.json()["has_avatar"] is True
    fetched = await api.client.get("/api/v1/users/me/avatar", headers=student.headers)
    assert (fetched.content, fetched.headers["content-type"]) == (png, "image/png")

    fake = await api.client.put(
        "/api/v1/users/me/avatar",
        headers=student.headers,
        files={"file": ("me.png", b"<script>", "image/png")},
    )
    assert fake.status_code == 415
    huge = png + b"\x00" * api.settings.max_avatar_bytes
    too_big = await api.client.put(
        "/api/v1/users/me/avatar",
        headers=student.headers,
        files={"file": ("me.png", huge, "image/png")},
    )
    assert too_big.status_code == 413


async def test_export_contains_the_users_data(api: Api) -> None:
    teacher = await api.account("teacher")
    await api.client.post("/api/v1/classes", headers=teacher.headers, json={"name": "Mine"})
    export = await api.client.get("/api/v1/users/me/export", headers=teacher.headers)
    assert export.status_code == 200
    body = export.json()
    assert body["user"]["email"] == teacher.email
    assert [c["name"] for c in body["classes_taught"]] == ["Mine"]
    assert len(body["refresh_tokens"]) == 1


async def test_erasure_removes_rows_objects_and_sessions(api: Api) -> None:
    student = await api.account("student")
    await api.client.put(
        "/api/v1/users/me/avatar",
        headers=student.headers,
        files={"file": ("me.png", tiny_png(), "image/png")},
    )
    assert await api.stores.objects.list_keys(f"avatars/{student.id}/")
    erased = await api.client.delete("/api/v1/users/me", headers=student.headers)
    assert erased.status_code == 204
    async with api.stores.database.session() as session:
        assert await session.get(User, student.id) is None
        tokens = await session.scalars(
            select(RefreshToken).where(RefreshToken.user_id == student.id)
        )
        assert list(tokens) == []
    assert await api.stores.objects.list_keys(f"avatars/{student.id}/") == []
    assert (await api.login(student.email)).status_code == 401
    # Its access token stops working at once (tests/users/test_account_revocation.py).
    assert (await api.client.get("/api/v1/users/me", headers=student.headers)).status_code == 401
