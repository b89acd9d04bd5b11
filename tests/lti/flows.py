"""A browser between the test platform and the tool: login initiation, the platform's
auto-posted form, the launch, and what the launch answered."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from sqlalchemy import func, select

from platform_api.auth.models import User
from platform_api.classes.models import Enrollment, SchoolClass
from platform_api.lti.models import LtiContext, LtiIdentity, LtiResourceLink
from tests.assessments.factory import TeachingCourse, created, teaching_course
from tests.fixtures.app import Account, Api
from tests.lti.conftest import World
from tests.lti.platform import INSTRUCTOR, LEARNER, Launch, Person, form_fields


@dataclass
class Launched:
    """A launch's answer, and the form the platform posted (to post it again)."""

    response: httpx.Response
    form: dict[str, str]

    @property
    def landing(self) -> dict[str, str]:
        """The fragment of a successful launch's redirect: tokens and ``next``."""
        assert self.response.status_code == 303, self.response.text
        location = self.response.headers["location"]
        assert location.startswith("/sign-in/complete#"), location
        return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}

    def account(self, role: str) -> Account:
        """The account the launch signed in, with its tokens."""
        landing = self.landing
        claims = jwt.decode(landing["access_token"], options={"verify_signature": False})
        user_id = uuid.UUID(claims["sub"])
        return Account(user_id, "", role, landing["access_token"], landing["refresh_token"])

    def error(self) -> dict[str, Any]:
        body: dict[str, Any] = self.response.json()["error"]
        return body


def teacher() -> Person:
    return Person(roles=[INSTRUCTOR], name="Ada Teacher")


def learner() -> Person:
    return Person(roles=[LEARNER], name="Lin Learner")


def new_context() -> str:
    return f"course-{uuid.uuid4().hex[:8]}"


async def launch(
    world: World,
    plan: Launch,
    browser: httpx.AsyncClient | None = None,
    mutate: Callable[[str], str] | None = None,
    before_post: Callable[[dict[str, str]], Awaitable[object]] | None = None,
    login_by_post: bool = False,
) -> Launched:
    """Open the tool from the platform as ``plan`` says (``mutate`` alters the id token;
    ``before_post`` gets the platform's form before this browser posts it)."""
    platform = world.platform
    hint = platform.plan(plan)
    async with httpx.AsyncClient(base_url=world.url, timeout=10) as own:
        client = browser or own
        initiation = {
            "iss": platform.url,
            "login_hint": hint,
            "target_link_uri": platform.tool_launch_url,
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        }
        if login_by_post:
            started = await client.post("/api/v1/lti/login", data=initiation)
        else:
            started = await client.get("/api/v1/lti/login", params=initiation)
        assert started.status_code == 302, started.text
        at_platform = await client.get(started.headers["location"])
        assert at_platform.status_code == 200, at_platform.text
        action, form = form_fields(at_platform.text)
        assert action == platform.tool_launch_url
        if mutate is not None:
            form["id_token"] = mutate(form["id_token"])
        if before_post is not None:
            await before_post(form)
        return Launched(await client.post(action, data=form), form)


async def counts(api: Api) -> dict[str, int]:
    """Rows a launch may write: nothing of them may stay behind a refused one."""
    async with api.stores.database.session() as session:
        return {
            model.__name__: await session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, LtiIdentity, LtiContext, LtiResourceLink, SchoolClass, Enrollment)
        }


async def class_of(api: Api, context_id: str) -> SchoolClass:
    async with api.stores.database.session() as session:
        found = await session.scalar(
            select(SchoolClass)
            .join(LtiContext, LtiContext.class_id == SchoolClass.id)
            .where(LtiContext.context_id == context_id)
        )
        assert found is not None, context_id
        return found


async def students_of(api: Api, class_id: uuid.UUID) -> set[uuid.UUID]:
    async with api.stores.database.session() as session:
        rows = await session.scalars(
            select(Enrollment.student_id).where(Enrollment.class_id == class_id)
        )
        return set(rows)


@dataclass
class TeachingContext:
    """An LMS course opened by its instructor: the class, a course it follows, and a quiz."""

    context_id: str
    instructor: Person
    teacher: Account
    class_id: str
    course: TeachingCourse
    quiz_id: str


async def teaching_context(world: World) -> TeachingContext:
    api, context, instructor = world.api, new_context(), teacher()
    first = await launch(world, Launch(instructor, context))
    account = first.account("teacher")
    class_id = first.landing["next"].removeprefix("/classes/")
    course = await teaching_course(api, account, mc_items=1)
    assigned = await api.client.post(
        f"/api/v1/classes/{class_id}/courses",
        headers=account.headers,
        json={"course_id": course.course_id},
    )
    assert assigned.status_code == 200, assigned.text
    quiz = await created(
        api,
        account,
        "/api/v1/assignments",
        {
            "class_id": class_id,
            "title": "Compass quiz",
            "kind": "homework",
            "item_ids": [course.items["mc0"]],
            "due_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        },
    )
    return TeachingContext(context, instructor, account, class_id, course, quiz["id"])


# A registration as an admin enters it (the platform is a fake; nothing is fetched from it).
MOODLE = {
    "name": "District Moodle",
    "issuer": "https://moodle.district.example",
    "client_id": "abc123",
    "deployment_ids": ["1"],
    "jwks_url": "https://moodle.district.example/mod/lti/certs.php",
    "auth_login_url": "https://moodle.district.example/mod/lti/auth.php",
    "access_token_url": "https://moodle.district.example/mod/lti/token.php",
}
