"""Contract of ``AnalyticsStore``, run against chDB and the clickhouse-connect adapter."""

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.infra.analytics import AnalyticsError, AnalyticsStore
from core.infra.analytics.chdb import ChdbAnalytics
from core.infra.analytics.clickhouse import ClickHouseAnalytics
from core.infra.analytics.schema import CREATE_TUTOR_TURNS, TUTOR_FEEDBACK, TUTOR_TURNS
from platform_api.analytics.service import erase_learner
from tests.analytics.conftest import open_analytics
from tests.analytics.factories import make_feedback, make_turn
from tests.fixtures.postgres import free_port

TRICKY_TEXT = (
    'it\'s "quoted" \\ back\\slash\ttab\nnewline {x:String}; DROP TABLE tutor_turns -- é ∑ 🎓'
)

TURN_BY_ID = "SELECT * FROM tutor_turns FINAL WHERE turn_id = {turn_id:UUID}"
TURNS_OF_LEARNER = (
    "SELECT count() AS turns FROM tutor_turns FINAL WHERE learner_id = {learner_id:UUID}"
)
FEEDBACK_OF_LEARNER = (
    "SELECT count() AS feedback FROM tutor_feedback FINAL WHERE learner_id = {learner_id:UUID}"
)


async def test_ensure_schema_creates_the_tables_and_can_run_again(
    analytics: AnalyticsStore,
) -> None:
    await analytics.ensure_schema()
    rows = await analytics.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() "
        "AND has({names:Array(String)}, name) ORDER BY name",
        {"names": [TUTOR_TURNS, TUTOR_FEEDBACK]},
    )
    assert rows == [{"name": TUTOR_FEEDBACK}, {"name": TUTOR_TURNS}]


async def test_a_turn_reads_back_as_json_values(analytics: AnalyticsStore) -> None:
    paris = timezone(timedelta(hours=2))
    turn = make_turn(occurred_at=datetime(2026, 5, 1, 14, 0, 0, 123456, tzinfo=paris))
    await analytics.insert(TUTOR_TURNS, [turn.model_dump()])

    [row] = await analytics.query(TURN_BY_ID, {"turn_id": turn.turn_id})

    assert row == {
        **turn.model_dump(mode="json"),
        "occurred_at": "2026-05-01 12:00:00.123",  # UTC, milliseconds
        "retrieved_chunk_ids": [str(i) for i in turn.retrieved_chunk_ids],
        "cited_lesson_ids": [str(i) for i in turn.cited_lesson_ids],
    }


async def test_a_turns_table_from_before_the_support_columns_is_upgraded(
    backend: str, analytics_path: Path
) -> None:
    store = open_analytics(backend, analytics_path)
    lines = CREATE_TUTOR_TURNS.splitlines()
    older = "\n".join(line for line in lines if "support" not in line).replace(
        "model LowCardinality(String),", "model LowCardinality(String)"
    )
    await store.execute(older)
    earlier = make_turn()
    await store.insert(
        TUTOR_TURNS, [earlier.model_dump(exclude={"support_score", "supported", "support_basis"})]
    )

    await store.ensure_schema()
    later = make_turn(support_score=0.82, supported=True, support_basis="answer")
    await store.insert(TUTOR_TURNS, [later.model_dump()])

    [old] = await store.query(TURN_BY_ID, {"turn_id": earlier.turn_id})
    [new] = await store.query(TURN_BY_ID, {"turn_id": later.turn_id})
    assert (old["support_score"], old["supported"], old["support_basis"]) == (None, None, None)
    assert (new["support_score"], new["supported"], new["support_basis"]) == (0.82, True, "answer")
    await store.close()


async def test_a_redelivered_event_counts_once(analytics: AnalyticsStore) -> None:
    turn = make_turn()
    for _ in range(3):  # three deliveries, three separate inserts
        await analytics.insert(TUTOR_TURNS, [turn.model_dump()])
    await analytics.insert(TUTOR_TURNS, [make_turn(learner_id=turn.learner_id).model_dump()])

    assert await analytics.query(TURNS_OF_LEARNER, {"learner_id": turn.learner_id}) == [
        {"turns": 2}
    ]
    grouped = await analytics.query(
        "SELECT count() AS turns FROM (SELECT turn_id FROM tutor_turns "
        "WHERE learner_id = {learner_id:UUID} GROUP BY turn_id)",
        {"learner_id": turn.learner_id},
    )
    assert grouped == [{"turns": 2}]


async def test_text_is_stored_verbatim(analytics: AnalyticsStore) -> None:
    turn = make_turn(question=TRICKY_TEXT, answer="", model="a\\b'c")
    await analytics.insert(TUTOR_TURNS, [turn.model_dump()])

    [row] = await analytics.query(TURN_BY_ID, {"turn_id": turn.turn_id})

    assert (row["question"], row["answer"], row["model"]) == (TRICKY_TEXT, "", "a\\b'c")


async def test_parameters_of_every_kind_bind_exactly(analytics: AnalyticsStore) -> None:
    ids = [uuid.uuid4(), uuid.uuid4()]
    at = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone(timedelta(hours=-5)))
    [row] = await analytics.query(
        "SELECT {text:String} AS text, {ids:Array(UUID)} AS ids, "
        "{at:DateTime64(3, 'UTC')} AS at, {yes:Bool} AS yes, {count:UInt32} AS count, "
        "{ratio:Float64} AS ratio, {words:Array(String)} AS words",
        {
            "text": TRICKY_TEXT,
            "ids": ids,
            "at": at,
            "yes": True,
            "count": 4_000_000_000,
            "ratio": 0.05,
            "words": ["it's", "a\\b", "{c}"],
        },
    )
    assert row == {
        "text": TRICKY_TEXT,
        "ids": [str(i) for i in ids],
        "at": "2026-01-02 08:04:05.678",
        "yes": True,
        "count": 4_000_000_000,
        "ratio": 0.05,
        "words": ["it's", "a\\b", "{c}"],
    }


async def test_erasing_a_learner_deletes_their_rows_only(analytics: AnalyticsStore) -> None:
    erased, kept = make_turn(), make_turn()
    await analytics.insert(TUTOR_TURNS, [erased.model_dump(), kept.model_dump()])
    await analytics.insert(
        TUTOR_FEEDBACK, [make_feedback(erased).model_dump(), make_feedback(kept).model_dump()]
    )

    await erase_learner(analytics, erased.learner_id)

    for learner, remaining in ((erased.learner_id, 0), (kept.learner_id, 1)):
        parameters = {"learner_id": learner}
        assert await analytics.query(TURNS_OF_LEARNER, parameters) == [{"turns": remaining}]
        assert await analytics.query(FEEDBACK_OF_LEARNER, parameters) == [{"feedback": remaining}]


async def test_rows_outlive_the_store(
    analytics: AnalyticsStore, backend: str, analytics_path: Path
) -> None:
    turn = make_turn()
    await analytics.insert(TUTOR_TURNS, [turn.model_dump()])
    await analytics.close()

    reopened = open_analytics(backend, analytics_path)
    try:
        rows = await reopened.query(TURN_BY_ID, {"turn_id": turn.turn_id})
    finally:
        await reopened.close()
    assert [row["turn_id"] for row in rows] == [str(turn.turn_id)]


async def test_inserting_no_rows_does_nothing(analytics: AnalyticsStore) -> None:
    await analytics.insert(TUTOR_TURNS, [])
    assert await analytics.query("SELECT count() AS turns FROM tutor_turns") == [{"turns": 0}]


async def test_statements_clickhouse_refuses_raise_analytics_error(
    analytics: AnalyticsStore,
) -> None:
    with pytest.raises(AnalyticsError, match=r"(?i)syntax"):
        await analytics.query("SELEC 1")
    with pytest.raises(AnalyticsError, match="no_such_table"):
        await analytics.insert("no_such_table", [{"id": 1}])
    with pytest.raises(AnalyticsError):
        await analytics.insert(TUTOR_TURNS, [{"turn_id": "not a uuid"}])
    with pytest.raises(AnalyticsError):
        await analytics.execute("ALTER TABLE no_such_table DELETE WHERE 1")


async def test_table_and_column_names_must_be_plain(analytics: AnalyticsStore) -> None:
    with pytest.raises(AnalyticsError, match="plain"):
        await analytics.insert("tutor_turns; DROP TABLE tutor_feedback", [{"turn_id": "x"}])
    with pytest.raises(AnalyticsError, match="plain"):
        await analytics.insert(TUTOR_TURNS, [{"turn_id`) --": "x"}])


async def test_naive_datetimes_are_refused(analytics: AnalyticsStore) -> None:
    naive = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(ValueError, match="timezone"):
        await analytics.insert(TUTOR_TURNS, [make_turn().model_dump() | {"occurred_at": naive}])
    with pytest.raises(ValueError, match="timezone"):
        await analytics.query("SELECT {at:DateTime64(3, 'UTC')} AS at", {"at": naive})


async def test_a_closed_store_refuses_work(analytics: AnalyticsStore) -> None:
    await analytics.close()
    with pytest.raises(AnalyticsError, match="closed"):
        await analytics.query("SELECT 1")


async def test_chdb_refuses_a_second_data_path_in_one_process(tmp_path: Path) -> None:
    first, second = ChdbAnalytics(tmp_path / "first"), ChdbAnalytics(tmp_path / "second")
    try:
        await first.ensure_schema()
        with pytest.raises(AnalyticsError, match="WC_CLICKHOUSE_URL"):
            await second.ensure_schema()
    finally:
        await second.close()
        await first.close()


async def test_an_unreachable_server_raises_analytics_error() -> None:
    unreachable = ClickHouseAnalytics.from_url(f"http://127.0.0.1:{free_port()}/default")
    try:
        with pytest.raises(AnalyticsError):
            await unreachable.query("SELECT 1")
    finally:
        await unreachable.close()
