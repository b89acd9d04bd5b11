"""``wc generate``: bad rows reported, a job run to its end, and the same command resuming it."""

import json
from pathlib import Path

from sqlalchemy import select

from core.infra.database import Database
from platform_api.auth.admin import create_or_promote_admin
from platform_api.content.models import ContentTopic
from tests.fixtures.cli import run_wc
from tests.fixtures.llm import LlmServer
from tests.rag.factories import make_course


async def test_generate_reports_bad_rows_runs_the_good_and_resumes(
    database: Database, database_url_for_test: str, llm_server: LlmServer, tmp_path: Path
) -> None:
    async with database.session() as session:
        course = await make_course(session, "Everyday arithmetic", [])
        await create_or_promote_admin(session, "ops@example.org", "Operator", "x" * 12)
    env = {
        "WC_LLM_BASE_URL": llm_server.base_url,
        "WC_DATA_DIR": str(tmp_path / "data"),
        "WC_CONTENT_REGENERATIONS": "1",
    }
    topics = tmp_path / "topics.csv"
    topics.write_text('topic,objectives\nAdding fractions,Add two fractions\n"broken",a,b\n')
    args = ["generate", "--input", str(topics), "--course", str(course.course_id)]

    first = await run_wc(database_url_for_test, *args, "--allow-ungrounded", "--json", env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "row 2: 3 fields where the header has 2" in first.stderr
    job = json.loads(first.stdout)
    assert job["total"] == 1 and job["finished_at"] and job["status"] == "finished"
    assert sum(job["topics_by_status"].values()) == 1
    assert job["input_errors"] == [{"row": 2, "error": "3 fields where the header has 2"}]
    async with database.session() as session:
        topic = await session.scalar(select(ContentTopic))
    assert topic is not None and topic.result is not None
    # No source to compose a lesson from: the writer drafted it from an outline.
    assert {"compose_lesson", "write_outline", "write_lesson"} <= set(topic.result["node_seconds"])
    for item in topic.result["items"]:  # a failing item was written again, once
        if not all(verdict["passed"] for verdict in item["verdicts"]):
            assert item["attempts"] == 2, item

    # The same command again is the same job, already finished: nothing is generated twice.
    again = await run_wc(database_url_for_test, *args, "--allow-ungrounded", "--json", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout)["id"] == job["id"]
    assert "100% done" in again.stderr

    nothing = tmp_path / "empty.jsonl"
    nothing.write_text('{"topic": ""}\n')
    refused = await run_wc(
        database_url_for_test,
        "generate",
        "--input",
        str(nothing),
        "--course",
        str(course.course_id),
        env=env,
    )
    assert refused.returncode == 2
    assert "row 1: the topic is empty" in refused.stderr
