from sqlalchemy import text

from core.infra.database import Database


async def test_fresh_database_has_schema_and_pgvector(database: Database) -> None:
    async with database.session() as session:
        tables = (await session.execute(text("SELECT count(*) FROM users"))).scalar_one()
        distance = (
            await session.execute(text("SELECT '[1,2]'::vector <-> '[1,3]'::vector"))
        ).scalar_one()
    assert tables == 0
    assert distance == 1.0
