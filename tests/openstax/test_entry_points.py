"""The two ways in: ``wc import openstax`` and ``POST /api/v1/curricula/import``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from core.curriculum.models import Course, Lesson
from tests.fixtures.app import Api
from tests.openstax import BOOKS_DIR, PYTHON_BOOK, expected_counts
from tests.openstax.books import insert_line, small_book, zip_book

WC = str(Path(sys.executable).with_name("wc"))


def run_wc(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WC_DATABASE_URL": database_url, "WC_DATA_DIR": str(data_dir)}
    return subprocess.run([WC, *args], env=env, capture_output=True, text=True, timeout=300)


def test_cli_imports_a_book_and_prints_a_json_summary(
    database_url_for_test: str, tmp_path: Path
) -> None:
    book = BOOKS_DIR / PYTHON_BOOK
    result = run_wc(database_url_for_test, tmp_path, "import", "openstax", str(book), "--json")
    assert result.returncode == 0, result.stderr
    (course,) = json.loads(result.stdout)["courses"]
    (expected,) = expected_counts(book).values()
    assert (course["chapters"], course["lessons"], course["exercises"]) == (
        expected.chapters,
        expected.lessons,
        expected.exercises,
    )
    assert course["created"] is True

    again = run_wc(database_url_for_test, tmp_path, "import", "openstax", str(book), "--json")
    (second,) = json.loads(again.stdout)["courses"]
    assert (second["course_id"], second["created"]) == (course["course_id"], False)


def test_cli_refuses_a_malformed_book_with_its_location(
    database_url_for_test: str, tmp_path: Path
) -> None:
    book = small_book(tmp_path)
    module = book / "modules" / "m00002" / "index.cnxml"
    insert_line(module, "<content>", "<para>open")
    with pytest.raises(etree.XMLSyntaxError) as syntax:
        etree.fromstring(module.read_bytes())
    result = run_wc(database_url_for_test, tmp_path, "import", "openstax", str(book))
    assert result.returncode == 2
    assert f"m00002:{syntax.value.lineno}" in result.stderr


async def test_http_import_of_a_zip(api: Api, tmp_path: Path) -> None:
    teacher, student = await api.account("teacher"), await api.account("student")
    book = small_book(tmp_path)
    archive = zip_book(book)
    files = {"file": ("book.zip", archive, "application/zip")}
    refused = await api.client.post(
        "/api/v1/curricula/import", headers=student.headers, files=files
    )
    assert refused.status_code == 403
    imported = await api.client.post(
        "/api/v1/curricula/import", headers=teacher.headers, files=files
    )
    assert imported.status_code == 200, imported.text
    (summary,) = imported.json()
    (expected,) = expected_counts(book).values()
    assert summary["lessons"] == expected.lessons
    outline = await api.client.get(
        f"/api/v1/curricula/courses/{summary['course_id']}", headers=student.headers
    )
    assert sum(len(unit["lessons"]) for unit in outline.json()["units"]) == expected.lessons


async def test_http_import_of_a_malformed_zip_writes_nothing(api: Api, tmp_path: Path) -> None:
    teacher = await api.account("teacher")
    book = small_book(tmp_path)
    insert_line(book / "modules" / "m00002" / "index.cnxml", "<content>", "<para>open")
    response = await api.client.post(
        "/api/v1/curricula/import",
        headers=teacher.headers,
        files={"file": ("book.zip", zip_book(book), "application/zip")},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert error["details"]["module"] == "m00002"
    assert isinstance(error["details"]["line"], int)
    not_a_zip = await api.client.post(
        "/api/v1/curricula/import",
        headers=teacher.headers,
        files={"file": ("book.zip", b"plain text", "application/zip")},
    )
    assert not_a_zip.status_code == 422
    async with api.stores.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Course)) == 0
        assert await session.scalar(select(func.count()).select_from(Lesson)) == 0
