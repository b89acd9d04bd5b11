"""Classes: teachers manage only their own; students and parents see only what is theirs."""

from tests.fixtures.app import Api


async def test_teacher_manages_own_class_and_students_see_theirs(api: Api) -> None:
    teacher, other_teacher = await api.account("teacher"), await api.account("teacher")
    student, outsider = await api.account("student"), await api.account("student")
    created = await api.client.post("/api/v1/classes", headers=teacher.headers, json={"name": "7B"})
    assert created.status_code == 201
    class_id = created.json()["id"]

    enrolled = await api.client.post(
        f"/api/v1/classes/{class_id}/students",
        headers=teacher.headers,
        json={"student_email": student.email},
    )
    assert enrolled.status_code == 200
    assert enrolled.json()["student_ids"] == [str(student.id)]

    hijack = await api.client.post(
        f"/api/v1/classes/{class_id}/students",
        headers=other_teacher.headers,
        json={"student_email": outsider.email},
    )
    assert hijack.status_code == 403

    mine = await api.client.get("/api/v1/classes", headers=student.headers)
    assert [c["id"] for c in mine.json()] == [class_id]
    assert (await api.client.get("/api/v1/classes", headers=outsider.headers)).json() == []
    peek = await api.client.get(f"/api/v1/classes/{class_id}", headers=outsider.headers)
    assert peek.status_code == 403
    assert (await api.client.get("/api/v1/classes", headers=other_teacher.headers)).json() == []


async def test_teacher_sees_own_students_profile_only(api: Api) -> None:
    teacher, student, stranger = (
        await api.account("teacher"),
        await api.account("student"),
        await api.account("student"),
    )
    class_id = (
        await api.client.post("/api/v1/classes", headers=teacher.headers, json={"name": "8A"})
    ).json()["id"]
    await api.client.post(
        f"/api/v1/classes/{class_id}/students",
        headers=teacher.headers,
        json={"student_email": student.email},
    )
    assert (
        await api.client.get(f"/api/v1/users/{student.id}", headers=teacher.headers)
    ).status_code == 200
    assert (
        await api.client.get(f"/api/v1/users/{stranger.id}", headers=teacher.headers)
    ).status_code == 403
    assert (
        await api.client.get(f"/api/v1/users/{student.id}", headers=stranger.headers)
    ).status_code == 403


async def test_enrolling_a_non_student_is_404(api: Api) -> None:
    teacher = await api.account("teacher")
    class_id = (
        await api.client.post("/api/v1/classes", headers=teacher.headers, json={"name": "9C"})
    ).json()["id"]
    response = await api.client.post(
        f"/api/v1/classes/{class_id}/students",
        headers=teacher.headers,
        json={"student_email": teacher.email},
    )
    assert response.status_code == 404
