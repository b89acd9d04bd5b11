"""A teacher and a learner in a real Chromium against the platform on loopback. The teacher
creates a class, enrols the learner, assigns a course, sets homework and a proctored exam; the
learner does the homework and disputes a grade; the teacher sees the dashboard, grades the
disputed answer in the grading queue, and decides the review of the learner's proctored sitting
(its proctoring recorded in-process, tests/proctoring/recorded.py: the webcam leg has its own
test). Each page is captured at phone and desktop width."""

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Locator, Page, expect

from proctor.signals import SignalKind
from proctor.staging.portraits import astronaut_photo
from proctor.timeline import Severity
from tests.assessments.factory import created, start, teaching_course
from tests.fixtures.app import Account, Api
from tests.proctoring.factory import consent, encoded, submitted, upload_photo
from tests.proctoring.recorded import Staged, record_staged
from tests.tutor.sse import ask, new_session
from tests.web.pages import capture, signed_in

GRADING_SECONDS = 60
DISPUTED = "Question 1: which way does a compass point?"
SELF_HARM = "I want to hurt myself tonight."


async def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label`` (React Aria's Select: a button, a list)."""
    await page.get_by_role("button", name=re.compile(re.escape(label))).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def shown_after_refreshing(target: Locator, refresh: Locator, seconds: float) -> None:
    """Press ``refresh`` until ``target`` shows (work the platform finishes in the background)."""
    deadline = datetime.now() + timedelta(seconds=seconds)
    while not await target.is_visible():
        assert datetime.now() < deadline, f"not shown within {seconds} s: {target}"
        await refresh.click()
        await target.page.wait_for_timeout(500)


def local(moment: datetime) -> str:
    """A datetime-local field's value (the browser runs in this machine's time zone)."""
    return moment.strftime("%Y-%m-%dT%H:%M")


async def set_up_the_class(page: Page, learner: Account) -> None:
    await page.get_by_role("link", name="Classes").click()
    await page.get_by_label("Class name").fill("7B")
    await page.get_by_role("button", name="Create the class").click()
    await expect(page.get_by_role("heading", level=1, name="7B")).to_be_visible()
    await page.get_by_label("Learner's e-mail").fill(learner.email)
    await page.get_by_role("button", name="Enrol").click()
    await expect(page.get_by_role("button", name=re.compile("^Remove "))).to_be_visible()
    await choose(page, "Course to assign", "Physics")
    await page.get_by_role("button", name="Assign the course").click()
    await expect(page.get_by_role("link", name="Physics")).to_be_visible()
    await choose(page, "The tutor of Physics", "explains, citing the lessons")
    await expect(page.get_by_role("button", name=re.compile("explains, citing"))).to_be_visible()


async def assign(page: Page, title: str, exam: bool) -> None:
    form = page.get_by_role("form", name="New homework or exam")
    await form.get_by_label("Title").fill(title)
    if exam:
        await choose(page, "Kind", "Exam")
        now = datetime.now()
        await form.get_by_label("Opens").fill(local(now - timedelta(minutes=5)))
        await form.get_by_label("Closes").fill(local(now + timedelta(hours=2)))
        await form.get_by_label("Time allowed (minutes)").fill("30")
        await form.get_by_text("Proctored (webcam)").click()
    await choose(page, "Questions from the lesson", "Physics: Friction")
    await form.get_by_role("button", name="Assign").click()
    await expect(page.get_by_role("cell", name=title, exact=True)).to_be_visible()


async def do_the_homework(page: Page, screenshots: Path) -> None:
    """Question 0 right, question 1 wrong, the numeric one right; the short answer left blank."""
    await page.get_by_role("link", name="My work").click()
    await page.get_by_role("button", name="Start “Forces homework”").click()
    await expect(page.get_by_role("heading", level=1, name="Homework")).to_be_visible()
    for question, option in (("Question 0", "south"), ("Question 1", "north")):
        group = page.get_by_role("radiogroup", name=re.compile(question))
        await group.get_by_text(option, exact=True).click()
    numeric = page.get_by_label(re.compile("What net force acts on it"))
    await numeric.fill("6 N")
    await numeric.blur()
    await expect(page.get_by_text(re.compile("^Saved "))).to_have_count(3)
    await capture(page, screenshots, "homework")
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_role("heading", name="Results")).to_be_visible()
    wrong = page.get_by_text("Not right: 0 of 1.")
    await shown_after_refreshing(
        wrong, page.get_by_role("button", name="Check again"), GRADING_SECONDS
    )
    await expect(page.get_by_text("Right: 1 of 1.")).to_have_count(2)
    missed = page.get_by_role("listitem").filter(has_text=DISPUTED)
    await missed.get_by_text("Dispute this grade").click()
    await missed.get_by_label("Why the grade is wrong").fill("The needle's north end points north.")
    await missed.get_by_role("button", name="Send the dispute").click()
    await expect(missed.get_by_text("Sent to your teacher.")).to_be_visible()
    await capture(page, screenshots, "results")


async def proctored_sitting(api: Api, teacher: Account, learner: Account) -> None:
    """The learner sits the proctored exam: enrolment photo, consent, a session whose recording
    holds a face absent for 4 s (with its keyframe), submitted; the session ended with it."""
    listed = await api.client.get("/api/v1/assignments", headers=teacher.headers)
    [exam] = [a for a in listed.json() if a["title"] == "Forces test"]
    assert (await upload_photo(api, learner, encoded(astronaut_photo()))).status_code == 200
    assert (await consent(api, learner, exam["id"])).status_code == 201
    sitting = await start(api, learner, exam["id"])
    session: dict[str, Any] = await created(
        api, learner, "/api/v1/proctor/sessions", {"sitting_id": sitting["id"]}
    )
    await record_staged(
        api, uuid.UUID(session["id"]), [Staged(SignalKind.FACE_ABSENT, Severity.HIGH)]
    )
    await submitted(api, learner, sitting["id"], session["id"])


async def test_a_teacher_runs_a_class_and_a_learner_does_the_homework(
    web_api: Api, browser: Browser, screenshots: Path
) -> None:
    api, base = web_api, str(web_api.client.base_url)
    teacher = await api.account("teacher")
    learner = await api.account("student")
    course = await teaching_course(api, teacher)
    page = await signed_in(browser, base, teacher.email)
    await capture(page, screenshots, "classes")
    await set_up_the_class(page, learner)
    await assign(page, "Forces homework", exam=False)
    await assign(page, "Forces test", exam=True)
    await capture(page, screenshots, "class")

    learner_page = await signed_in(browser, base, learner.email)
    await do_the_homework(learner_page, screenshots)

    # The dashboard: the learner's mastery of the lesson's objective, the missed question.
    grid = page.get_by_role("region", name="Mastery grid")
    await shown_after_refreshing(grid, page.get_by_role("button", name="Refresh"), GRADING_SECONDS)
    await expect(grid).to_contain_text("(2/3)")  # right / answered, on the lesson's objective
    await expect(page.get_by_role("list", name="Most missed questions")).to_contain_text(DISPUTED)
    await capture(page, screenshots, "dashboard")

    # The disputed answer waits in the grading queue; the teacher gives the point.
    await page.get_by_role("link", name="Grading").click()
    card = page.get_by_role("article", name=f"Answer to “{DISPUTED}”")
    await expect(card).to_contain_text("Disputed")
    await card.get_by_label(re.compile("^Points")).fill("1")
    await card.get_by_label(re.compile("^Reason")).fill("Fair: the question was ambiguous.")
    await card.get_by_role("button", name="Save the grade").click()
    await expect(card.get_by_role("status")).to_have_text("Graded 1 of 1.")
    await capture(page, screenshots, "grading")

    # Graded again, the homework counts in the learner's progress.
    await learner_page.get_by_role("link", name="My progress").click()
    grades = learner_page.get_by_role("list", name="Recent grades")
    await expect(grades).to_contain_text("Forces homework: 3")
    mastery = learner_page.get_by_role("table", name="Mastery by objective")
    await expect(mastery).to_contain_text("Friction")
    await capture(learner_page, screenshots, "progress")

    # The tutor's safety screen alerts the learner's teacher, in the inbox.
    tutor_session = await new_session(api.client, learner.headers, course.course_id)
    await ask(api.client, learner.headers, tutor_session, SELF_HARM)
    await page.get_by_role("link", name="Inbox").click()
    alerts = page.get_by_role("list", name="Safety alerts")
    await expect(alerts).to_contain_text("A learner may need support (self-harm)")
    await capture(page, screenshots, "inbox")
    await alerts.get_by_role("button", name=re.compile("^Mark .* read$")).first.click()
    await expect(alerts).to_contain_text(", read)")

    # The proctored exam's review: the face-absent event with its keyframe, then a decision.
    await proctored_sitting(api, teacher, learner)
    await page.get_by_role("link", name="Proctoring reviews").click()
    await page.get_by_role("link", name=re.compile("Forces test, ended")).click()
    timeline = page.get_by_role("list", name="Time line")
    await expect(timeline).to_contain_text("Face absent")
    await expect(timeline.get_by_role("img", name="Face absent, keyframe 1")).to_be_visible()
    await choose(page, "Decision", "Violation: the rules were broken")
    await page.get_by_label("Note for the learner").fill("Your face left the camera for 4 s.")
    await page.get_by_role("button", name="Record the decision").click()
    await expect(page.get_by_role("list", name="Decisions")).to_contain_text("violation")
    await capture(page, screenshots, "review")

    # The learner reads the decision beside their results and appeals; the reviewer sees it.
    await learner_page.get_by_role("link", name="My work").click()
    await learner_page.get_by_role("link", name="Results of “Forces test”").click()
    outcome = learner_page.get_by_role("region", name="Proctoring")
    await expect(outcome).to_contain_text("Reviewed: violation")
    await outcome.get_by_label("Why the decision is wrong").fill("My camera slipped; I was there.")
    await outcome.get_by_role("button", name="Appeal").click()
    await expect(outcome.get_by_role("status")).to_contain_text("waiting for a second review")
    await capture(learner_page, screenshots, "exam-results-appealed")
    await page.reload()
    await expect(page.get_by_text("Appeal (open)")).to_be_visible()
    await page.context.close()
    await learner_page.context.close()
