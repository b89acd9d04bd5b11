"""Lesson assets: uploads checked by content, versioned on the lesson, readable once published."""

from tests.curriculum.test_lessons import make_course, make_lesson, publish
from tests.fixtures.app import Api
from tests.fixtures.media import tiny_png


async def test_asset_upload_versions_the_lesson_and_serves_the_file(api: Api) -> None:
    teacher, student = await api.account("teacher"), await api.account("student")
    _, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    url = f"/api/v1/curricula/lessons/{lesson_id}/assets"
    png = tiny_png()
    no_etag = await api.client.post(
        url, headers=teacher.headers, files={"file": ("d.png", png, "image/png")}
    )
    assert no_etag.status_code == 428  # If-Match is a required header: RFC 6585
    uploaded = await api.client.post(
        url,
        headers={**teacher.headers, "If-Match": etag},
        files={"file": ("diagram.png", png, "image/png")},
        data={"title": "Forces diagram"},
    )
    assert uploaded.status_code == 201, uploaded.text
    lesson = uploaded.json()
    assert lesson["version"] == 2
    (asset,) = lesson["assets"]
    assert (asset["kind"], asset["title"], asset["bytes"]) == ("image", "Forces diagram", len(png))

    hidden = await api.client.get(asset["url"], headers=student.headers)
    assert hidden.status_code == 404  # a draft's files are as private as the draft
    await publish(api, teacher, lesson_id, uploaded.headers["ETag"])
    served = await api.client.get(asset["url"], headers=student.headers)
    assert served.status_code == 200
    assert (served.content, served.headers["content-type"]) == (png, "image/png")


async def test_asset_type_is_checked_by_content(api: Api) -> None:
    teacher = await api.account("teacher")
    _, unit_id = await make_course(api, teacher)
    lesson_id, etag = await make_lesson(api, teacher, unit_id)
    response = await api.client.post(
        f"/api/v1/curricula/lessons/{lesson_id}/assets",
        headers={**teacher.headers, "If-Match": etag},
        files={"file": ("evil.png", b"<html><script>alert(1)</script>", "image/png")},
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert await api.stores.objects.list_keys(f"lessons/{lesson_id}/") == []
