"""Resource-link launches from the test platform: accounts, classes, enrolment, landing page."""

import asyncio

from sqlalchemy import func, select

from platform_api.auth.models import Role, User
from platform_api.classes.models import ClassCourse
from platform_api.lti.models import LtiContext, LtiIdentity
from tests.assessments.factory import teaching_course
from tests.lti.conftest import World
from tests.lti.flows import (
    class_of,
    counts,
    launch,
    learner,
    new_context,
    students_of,
    teacher,
)
from tests.lti.platform import Launch, new_key


async def test_launches_link_accounts_and_the_class_and_land_in_the_course(world: World) -> None:
    api, context = world.api, new_context()
    instructor, student = teacher(), learner()
    first = await launch(world, Launch(instructor, context))
    assert first.landing["next"].startswith("/classes/")
    teacher_account = first.account("teacher")
    course = await teaching_course(api, teacher_account, mc_items=1)
    lesson_link = {"wc_target": f"lesson:{course.lesson_id}"}

    opened = await launch(world, Launch(student, context, "lesson-link", lesson_link))
    assert opened.landing["next"] == f"/courses/{course.course_id}/lessons/{course.lesson_id}"
    again = await launch(
        world, Launch(student, context, "lesson-link", lesson_link), login_by_post=True
    )
    assert again.account("student").id == opened.account("student").id

    school_class = await class_of(api, context)
    assert school_class.teacher_id == teacher_account.id
    assert school_class.name == f"Course {context}"
    assert await students_of(api, school_class.id) == {opened.account("student").id}
    async with api.stores.database.session() as session:
        learner_user = await session.get_one(User, opened.account("student").id)
        assert (learner_user.role, learner_user.email) == (Role.STUDENT, student.email.lower())
        identities = await session.scalars(
            select(LtiIdentity.subject).where(LtiIdentity.issuer == world.platform.url)
        )
        assert {instructor.subject, student.subject} <= set(identities)
        followed = await session.scalars(
            select(ClassCourse.course_id).where(ClassCourse.class_id == school_class.id)
        )
        assert [str(c) for c in followed] == [course.course_id]
    # The signed-in learner may read the course the link opened.
    read = await api.client.get(
        f"/api/v1/curricula/courses/{course.course_id}",
        headers=opened.account("student").headers,
    )
    assert read.status_code == 200, read.text


async def test_a_learner_before_any_instructor_is_told_to_wait(world: World) -> None:
    before = await counts(world.api)
    refused = await launch(world, Launch(learner(), new_context()))
    assert refused.response.status_code == 409
    assert refused.error()["code"] == "lti_context_not_ready"
    assert await counts(world.api) == before


async def test_the_tool_publishes_its_keys_and_urls(world: World) -> None:
    jwks = (await world.api.client.get("/api/v1/lti/jwks")).json()
    assert [key["kty"] for key in jwks["keys"]] == ["RSA"] and "d" not in jwks["keys"][0]
    urls = (await world.api.client.get("/api/v1/lti/tool")).json()
    assert urls["launch_url"] == f"{world.url}/api/v1/lti/launch"
    assert urls["login_initiation_url"] == f"{world.url}/api/v1/lti/login"


async def test_a_platform_that_rotates_its_key_is_followed(world: World) -> None:
    """Its JWKS is cached; a token naming a key the cached set lacks fetches the set again."""
    platform = world.platform
    assert (await launch(world, Launch(teacher(), new_context()))).response.status_code == 303
    old_key, platform.key = platform.key, new_key()
    try:
        rotated = await launch(world, Launch(teacher(), new_context()))
    finally:
        platform.key = old_key
    assert rotated.response.status_code == 303, rotated.response.text
    back = await launch(world, Launch(teacher(), new_context()))
    assert back.response.status_code == 303, back.response.text


async def test_simultaneous_first_launches_make_one_account_and_one_class(world: World) -> None:
    """Two tabs (or the course's instructors at once): each launch lands, on the same rows."""
    context, instructor = new_context(), teacher()
    plans = [Launch(instructor, context), Launch(instructor, context), Launch(teacher(), context)]
    launched = await asyncio.gather(*(launch(world, plan) for plan in plans))
    assert [one.response.status_code for one in launched] == [303, 303, 303]
    first, second, _ = (one.account("teacher").id for one in launched)
    assert first == second
    async with world.api.stores.database.session() as session:
        classes = await session.scalar(
            select(func.count()).select_from(LtiContext).where(LtiContext.context_id == context)
        )
    assert classes == 1

    # A class's learners opening the same new lesson link at once.
    course = await teaching_course(world.api, launched[0].account("teacher"), mc_items=1)
    target = {"wc_target": f"course:{course.course_id}"}
    learners = [Launch(learner(), context, "first-lesson", target) for _ in range(4)]
    opened = await asyncio.gather(*(launch(world, plan) for plan in learners))
    assert [one.response.status_code for one in opened] == [303] * 4
    school_class = await class_of(world.api, context)
    assert len(await students_of(world.api, school_class.id)) == 4


async def test_a_verified_account_with_the_address_is_linked_an_unverified_one_is_not(
    world: World,
) -> None:
    api, context = world.api, new_context()
    await launch(world, Launch(teacher(), context))
    verified, unverified = learner(), learner()
    async with api.stores.database.session() as session:
        for person, proved in ((verified, True), (unverified, False)):
            session.add(
                User(
                    email=person.email.lower(),
                    display_name="Registered here first",
                    role=Role.STUDENT,
                    email_verified=proved,
                    preferences={},
                )
            )
        await session.commit()
        existing = await session.scalar(
            select(User.id).where(User.email_hash == verified.email.lower())
        )
    linked = await launch(world, Launch(verified, context))
    assert linked.account("student").id == existing
    before = await counts(api)
    refused = await launch(world, Launch(unverified, context))
    assert refused.response.status_code == 409
    assert refused.error()["details"]["reason"] == "email_unverified_account"
    assert await counts(api) == before
