"""A proctored exam taken in a real Chromium against a running instance, as a learner and their
teacher would: ``python -m tests.web.instance_exam http://127.0.0.1:8000 FOLDER DONE`` (the pages'
screenshots go to FOLDER; DONE is created when the exam and review are over, before the browser
closes), with the
instance's ``WC_*`` settings in the environment (tests/test_offline_namespace.py runs it inside
the instance's network namespace, where only loopback answers). Prints one JSON object.

The webcam is Chromium's fake capture device fed from a Y4M file written here (ARCHITECTURE.md
§9): the learner at the camera for 4 s, gone for 5 s (an empty room), back for 12 s; Chromium
loops it. The learner consents, enrols from the camera, streams to the proctor over WebRTC
(offer and answer through the platform), answers and submits once the proctor has noted the
face leaving; the teacher then opens the sitting's review and sees that event. Accounts are made
at the service level (tests/proctoring/instance_sitting.py) and their tokens put in the pages'
storage: signing in through the form is tested elsewhere.
"""

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import cv2
import httpx
from playwright.async_api import Browser, Page, async_playwright, expect

from core.infra.database import Database
from core.settings import Settings
from platform_api.auth.keys import load_or_create_signing_key
from platform_api.wiring import prepare_database
from proctor.signals import Image
from proctor.staging.portraits import astronaut_frame, empty_scene_frame
from proctor.staging.videos import FPS, Scene, staged_pictures
from tests.fixtures.app import Account, Api
from tests.proctoring.factory import proctored_exam
from tests.proctoring.instance_sitting import (
    HTTP_TIMEOUT_SECONDS,
    InstanceApi,
    InstanceStores,
)
from tests.web.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.web.pages import capture

FACE_LEFT_SECONDS = 5
EVENT_TIMEOUT_SECONDS = 90.0


def write_y4m(path: Path, pictures: list[Image], fps: int = FPS) -> Path:
    """Frames as a Y4M file (4:2:0), what Chromium's fake camera reads."""
    height, width = pictures[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for picture in pictures:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(picture, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def webcam_file(folder: Path) -> Path:
    face, room = astronaut_frame(), empty_scene_frame()
    scenes = [Scene(face, 4), Scene(room, FACE_LEFT_SECONDS), Scene(face, 12)]
    return write_y4m(folder / "webcam.y4m", staged_pictures(scenes))


async def signed_in_page(browser: Browser, base: str, account: Account) -> Page:
    """A page of its own context whose storage holds the account's session."""
    context = await browser.new_context(base_url=base)
    session = {"access": account.access_token, "refresh": "", "expiresAt": 0}
    await context.add_init_script(
        f"const s = {json.dumps(session)}; s.expiresAt = Date.now() + 3600e3;"
        " localStorage.setItem('wc.session', JSON.stringify(s));"
    )
    return await context.new_page()


async def session_kinds(api: Api, learner: Account, sitting_id: str) -> tuple[str, list[str]]:
    """The sitting's proctoring session (refreshed from the proctor while it is live): its
    status and the kinds of the events noted so far."""
    path = f"/api/v1/proctor/sittings/{sitting_id}"
    placed = (await api.client.get(path, headers=learner.headers)).json()["session"]
    if placed is None:
        return "", []
    path = f"/api/v1/proctor/sessions/{placed['id']}"
    session = (await api.client.get(path, headers=learner.headers)).json()
    return session["status"], [event["kind"] for event in session["events"]]


async def until_kind(api: Api, learner: Account, sitting_id: str, kind: str) -> None:
    deadline = time.monotonic() + EVENT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if kind in (await session_kinds(api, learner, sitting_id))[1]:
            return
        await asyncio.sleep(1)
    raise AssertionError(
        f"the proctor noted no {kind}: {await session_kinds(api, learner, sitting_id)}"
    )


async def take_the_exam(api: Api, browser: Browser, base: str, folder: Path) -> dict[str, Any]:
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    page = await signed_in_page(browser, base, learner)
    await page.goto("/work")
    await page.get_by_role(
        "link", name=f"Take the proctored exam “{proctored.exam['title']}”"
    ).click()
    await page.get_by_role("button", name="I consent: check my camera").click()
    await page.get_by_role("button", name="Start the exam").click()
    indicator = page.get_by_role("status").filter(has_text="Proctoring on")
    await expect(indicator).to_be_visible(timeout=90_000)
    indicator_text = await indicator.text_content()
    await capture(page, folder, "proctored-exam")

    sittings = (await api.client.get("/api/v1/sittings", headers=learner.headers)).json()
    [sitting] = [s for s in sittings if s["assignment_id"] == proctored.id]
    # A client event on the data channel: the learner copies the question.
    await page.evaluate("document.dispatchEvent(new Event('copy'))")
    await page.get_by_role("radiogroup").first.get_by_text("south", exact=True).click()
    await expect(page.get_by_text("Saved ").first).to_be_visible()
    await until_kind(api, learner, sitting["id"], "face_absent")
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_role("heading", name="Results")).to_be_visible()
    await expect(page.get_by_role("status").filter(has_text="Proctoring ended")).to_be_visible()
    deadline = time.monotonic() + 30
    while (status := await session_kinds(api, learner, sitting["id"]))[0] != "ended":
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.5)
    await page.context.close()

    teacher = await signed_in_page(browser, base, proctored.room.teacher)
    await teacher.goto("/reviews")
    await teacher.get_by_role("link", name=f"{proctored.exam['title']}, ended", exact=False).click()
    timeline = teacher.get_by_role("list", name="Time line")
    await expect(timeline).to_contain_text("Face absent")
    keyframe = timeline.get_by_role("img", name="Face absent, keyframe 1")
    await expect(keyframe).to_be_visible()
    await capture(teacher, folder, "proctored-review")
    return {
        "indicator": indicator_text,
        "session": status,
        "timeline": await timeline.text_content(),
    }


async def main(base: str, folder: Path, done: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as media:
        return await _run(base, folder, webcam_file(Path(media)), done)


async def _run(base: str, folder: Path, webcam: Path, done: Path) -> dict[str, Any]:
    settings = Settings()
    database = Database(await prepare_database(settings), pool_size=2)
    key = load_or_create_signing_key(settings.jwt_private_key_file, settings.resolved_data_dir)
    client = httpx.AsyncClient(base_url=base, timeout=HTTP_TIMEOUT_SECONDS, trust_env=False)
    flags = [
        *CHROMIUM_FLAGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={webcam}",
        "--allow-loopback-in-peer-connection",
    ]
    try:
        api = cast(Api, InstanceApi(client, settings, InstanceStores(database, key)))
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=flags)
            try:
                return await take_the_exam(api, browser, base, folder)
            finally:
                done.touch()  # the watcher of the namespace's sockets may stop before the close
                await browser.close()
    finally:
        await client.aclose()
        await database.close()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))))
