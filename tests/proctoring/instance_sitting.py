"""A proctored sitting driven through a running instance's HTTP API, as a learner's browser and a
teacher would: ``python -m tests.proctoring.instance_sitting http://127.0.0.1:8000``, with the
instance's ``WC_*`` settings in the environment. Prints one JSON object: the proctor's SDP answer,
the session once live with the identity matched, and the session once ended.

It runs beside the instance (tests/test_offline_namespace.py runs it inside the instance's
network namespace): accounts are made at the service level on the instance's database with its
signing key, as the factories do in-process; everything else goes over HTTP, and the webcam
(tests/proctor/webrtc_client.py) streams to the instance's proctor over WebRTC.
"""

import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any, cast

import httpx

from core.infra.database import Database
from core.settings import Settings
from platform_api.auth.keys import SigningKey, load_or_create_signing_key
from platform_api.wiring import prepare_database
from proctor.signals import Image
from proctor.staging.portraits import astronaut_frame, empty_scene_frame
from proctor.staging.videos import FPS, Scene, staged_pictures
from tests.fixtures.app import Api
from tests.proctor.webrtc_client import WebcamClient
from tests.proctoring.factory import (
    offer_webcam,
    proctored_exam,
    ready_to_stream,
    session_when,
)

IDENTITY_TIMEOUT_SECONDS = 30.0
END_TIMEOUT_SECONDS = 30.0
HTTP_TIMEOUT_SECONDS = 60.0  # the first enrolment photo loads dlib's models in the API


@dataclass
class InstanceStores:
    """What the factories use of ``Api.stores`` to make signed-in accounts."""

    database: Database
    signing_key: SigningKey


@dataclass
class InstanceApi:
    """A running instance seen as the factories see ``Api``: its HTTP client, its settings and
    the stores they make accounts with (the instance's own database and signing key)."""

    client: httpx.AsyncClient
    settings: Settings
    stores: InstanceStores


def webcam_pictures() -> list[Image]:
    """The learner at the camera for 2 s, away for 3 s (the empty room), back for 1 s."""
    face, room = astronaut_frame(), empty_scene_frame()
    return staged_pictures([Scene(face, 2), Scene(room, 3), Scene(face, 1)])


async def proctored_sitting(api: Api) -> dict[str, Any]:
    """Enrol, consent, sit a proctored exam with the webcam on, submit: what the API showed."""
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    ready = await ready_to_stream(api, proctored, learner)
    session_id, sitting_id = ready["session"]["id"], ready["sitting"]["id"]

    webcam = WebcamClient(webcam_pictures(), FPS)
    answered = await offer_webcam(api, learner, session_id, webcam)
    assert answered.status_code == 200, answered.text
    await webcam.accept(answered.json()["sdp"], "answer")
    live = await session_when(
        api, learner, session_id, lambda s: s["identity_verified"], IDENTITY_TIMEOUT_SECONDS
    )
    await webcam.track.until_finished()
    await webcam.close()

    submitted = await api.client.post(
        f"/api/v1/sittings/{sitting_id}/submit", headers=learner.headers
    )
    assert submitted.status_code == 200, submitted.text
    ended = await session_when(
        api, learner, session_id, lambda s: s["status"] == "ended", END_TIMEOUT_SECONDS
    )
    return {"answer": answered.json(), "live": live, "ended": ended}


async def main(base_url: str) -> dict[str, Any]:
    settings = Settings()
    database = Database(await prepare_database(settings), pool_size=2)
    signing_key = load_or_create_signing_key(
        settings.jwt_private_key_file, settings.resolved_data_dir
    )
    # Loopback only: a proxy named in the environment must not be asked for it.
    client = httpx.AsyncClient(base_url=base_url, timeout=HTTP_TIMEOUT_SECONDS, trust_env=False)
    try:
        instance = InstanceApi(client, settings, InstanceStores(database, signing_key))
        # Not an in-process Api, but everything of one that the factories touch.
        return await proctored_sitting(cast(Api, instance))
    finally:
        await client.aclose()
        await database.close()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
