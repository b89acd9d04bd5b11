"""A class roster imported from CSV: good rows enrol, bad rows come back one by one, a second
import of the same file changes nothing, and a replacing import removes only when all is good."""

from typing import Any

from tests.fixtures.app import Account, Api


async def upload(api: Api, teacher: Account, class_id: str, csv_text: str, **params: Any) -> Any:
    return await api.client.post(
        f"/api/v1/classes/{class_id}/roster",
        headers=teacher.headers,
        params=params,
        files={"file": ("roster.csv", csv_text.encode(), "text/csv")},
    )


async def enrolled(api: Api, teacher: Account, class_id: str) -> set[str]:
    shown = await api.client.get(f"/api/v1/classes/{class_id}", headers=teacher.headers)
    return set(shown.json()["student_ids"])


async def test_a_roster_enrols_good_rows_reports_bad_ones_and_reimports_idempotently(
    api: Api,
) -> None:
    teacher, other_teacher = await api.account("teacher"), await api.account("teacher")
    ana, ben, cleo = [await api.account("student") for _ in range(3)]
    class_id = (
        await api.client.post("/api/v1/classes", headers=teacher.headers, json={"name": "7B"})
    ).json()["id"]
    roster = (
        "\ufeffName,EMAIL,Homeroom\n"
        f"Ana,{ana.email.upper()},7B\n"
        f"Ben,{ben.email},7B\n"
        "\n"
        f"Ben again,{ben.email},7B\n"
        "Nobody,nobody@example.org,7B\n"
        "Typo,not-an-address,7B\n"
        f"A teacher,{other_teacher.email},7B\n"
    )
    first = await upload(api, teacher, class_id, roster)
    assert first.status_code == 200, first.text
    report = first.json()
    assert sorted(report["added"]) == sorted([ana.email, ben.email])
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (4, "duplicate"),
        (5, "no_student_account"),
        (6, "invalid_email"),
        (7, "no_student_account"),
    ]
    assert await enrolled(api, teacher, class_id) == {str(ana.id), str(ben.id)}

    again = (await upload(api, teacher, class_id, roster)).json()
    assert (again["added"], again["already_enrolled"], again["removed"]) == ([], 2, [])

    # Replacing with a file that has a bad row changes nothing; a good one removes who is absent.
    refused = await upload(
        api, teacher, class_id, f"email\n{cleo.email}\nwho@example.org\n", replace=True
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "roster_refused")
    assert refused.json()["error"]["details"][0]["code"] == "no_student_account"
    assert await enrolled(api, teacher, class_id) == {str(ana.id), str(ben.id)}
    replaced = (
        await upload(api, teacher, class_id, f"email\n{ana.email}\n{cleo.email}\n", replace=True)
    ).json()
    assert (replaced["added"], replaced["removed"]) == ([cleo.email], [ben.email])
    assert await enrolled(api, teacher, class_id) == {str(ana.id), str(cleo.id)}

    # Only the class's teacher (or an admin) imports; a malformed file is refused whole.
    assert (await upload(api, other_teacher, class_id, roster)).status_code == 403
    headerless = await upload(api, teacher, class_id, "name\nAna\n")
    assert (headerless.status_code, headerless.json()["error"]["code"]) == (422, "roster_refused")
    binary = await api.client.post(
        f"/api/v1/classes/{class_id}/roster",
        headers=teacher.headers,
        files={"file": ("roster.csv", b"email\n\xff\xfe\n", "text/csv")},
    )
    assert binary.json()["error"]["code"] == "roster_refused"
    huge = await upload(api, teacher, class_id, "email\n" + "x@example.org\n" * 90_000)
    assert huge.status_code == 413
    assert await enrolled(api, teacher, class_id) == {str(ana.id), str(cleo.id)}
