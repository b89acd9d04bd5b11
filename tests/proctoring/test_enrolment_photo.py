"""Enrolment photos through the real API, PostgreSQL and object store: one face accepted and
sealed at rest; no face, two faces, an oversized file or a non-image refused with nothing kept."""

import cv2
import numpy as np
from skimage import data
from sqlalchemy import func, select

from platform_api.auth.models import Role
from platform_api.proctor.enrolment import enrolment_prefix
from platform_api.proctor.models import BiometricAccess, EnrolmentPhoto
from proctor.analysers.identity import enrolment_embedding
from proctor.faces import face_models
from proctor.staging.portraits import astronaut_photo, grace_hopper_photo
from tests.fixtures.app import Account, Api
from tests.proctoring.factory import encoded, person, upload_photo


async def _stored(api: Api, learner: Account) -> tuple[EnrolmentPhoto | None, list[str]]:
    async with api.stores.database.session() as session:
        row = await session.get(EnrolmentPhoto, learner.id)
    return row, await api.stores.objects.list_keys(enrolment_prefix(learner.id))


async def test_a_portrait_is_enrolled_and_sealed_at_rest(api: Api) -> None:
    learner = await person(api, Role.STUDENT)
    photo = encoded(astronaut_photo(), ".png")

    uploaded = await upload_photo(api, learner, photo)

    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["content_type"] == "image/png"
    row, keys = await _stored(api, learner)
    assert row is not None and keys == [row.photo_key]
    assert len(row.photo_key.rsplit("/", 1)[1]) >= 32, "192 random bits: no guessing the key"
    raw_object = await api.stores.objects.get(row.photo_key)
    assert raw_object is not None and photo[:256] not in raw_object.data
    assert b"PNG" not in raw_object.data[:64], "the object store holds ciphertext only"
    # The embedding in the row is not the embedding in plaintext.
    models = face_models()
    expected = enrolment_embedding(astronaut_photo(), models.finder, models.embedder)
    assert expected.tobytes()[:64] not in row.sealed_embedding
    assert len(row.sealed_embedding) >= expected.nbytes

    shown = await api.client.get("/api/v1/me/enrolment-photo", headers=learner.headers)
    assert shown.status_code == 200 and shown.content == photo
    assert shown.headers["content-type"] == "image/png"
    async with api.stores.database.session() as session:
        views = await session.scalar(
            select(func.count()).where(BiometricAccess.subject_id == learner.id)
        )
    assert views == 1, "each view of the photo is recorded"


async def test_a_new_photo_replaces_the_old_one_and_delete_removes_both(api: Api) -> None:
    learner = await person(api, Role.STUDENT)
    # JPEGs: at quality 95 the astronaut's suit shows dlib a faint false "face" (score ~0),
    # which must not get a real portrait refused as showing two faces.
    astronaut_jpeg = encoded(astronaut_photo(), ".jpg")
    assert (await upload_photo(api, learner, astronaut_jpeg)).status_code == 200
    first, _ = await _stored(api, learner)
    hopper_jpeg = encoded(grace_hopper_photo(), ".jpg")
    assert (await upload_photo(api, learner, hopper_jpeg)).status_code == 200
    second, keys = await _stored(api, learner)
    assert first is not None and second is not None and keys == [second.photo_key]
    assert second.photo_key != first.photo_key

    deleted = await api.client.delete("/api/v1/me/enrolment-photo", headers=learner.headers)
    assert deleted.status_code == 204
    assert await _stored(api, learner) == (None, [])
    missing = await api.client.get("/api/v1/me/enrolment-photo", headers=learner.headers)
    assert missing.status_code == 404


def _two_faces() -> bytes:
    astronaut = cv2.resize(astronaut_photo(), (400, 400))
    hopper = cv2.resize(grace_hopper_photo(), (400, 470))[35:435]
    return encoded(np.hstack([astronaut, hopper]))


async def test_photos_the_identity_check_cannot_use_are_refused_and_not_kept(api: Api) -> None:
    learner = await person(api, Role.STUDENT)
    no_face = encoded(cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2BGR))
    oversized = encoded(astronaut_photo()) + b"\0" * api.settings.max_enrolment_photo_bytes
    cases = [
        (no_face, 422, "enrolment_no_face"),
        (_two_faces(), 422, "enrolment_many_faces"),
        (oversized, 413, "payload_too_large"),
        (b"GIF89a not a photo", 415, "unsupported_media_type"),
        (b"\xff\xd8\xff broken jpeg", 422, "enrolment_rejected"),
    ]
    for photo, status, code in cases:
        refused = await upload_photo(api, learner, photo)
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code)
        assert await _stored(api, learner) == (None, [])


async def test_only_learners_enrol(api: Api) -> None:
    teacher = await person(api, Role.TEACHER)
    refused = await upload_photo(api, teacher, encoded(astronaut_photo()))
    assert refused.status_code == 403


async def test_erasing_the_account_erases_the_photo_object(api: Api) -> None:
    learner = await person(api, Role.STUDENT)
    assert (await upload_photo(api, learner, encoded(astronaut_photo()))).status_code == 200
    erased = await api.client.delete("/api/v1/users/me", headers=learner.headers)
    assert erased.status_code == 204
    assert await api.stores.objects.list_keys(enrolment_prefix(learner.id)) == []
