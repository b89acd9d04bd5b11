"""The APIs of proctoring tests: beside the tests' Serve application (its proctor deployment), on
the same S3 server and biometric key, for tests that stream to the proctor; on its own, once per
module, for the review tests (they record sessions in-process: tests/proctoring/recorded.py); on
the S3 server alone, a fresh database each, for the privacy tests (the purge is global).
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.app import Api, make_settings, running_api
from tests.fixtures.llm import LlmServer
from tests.fixtures.postgres import create_test_database, free_port
from tests.fixtures.servers import S3Server


def s3_settings(s3_server: S3Server) -> dict[str, Any]:
    return {
        "s3_endpoint_url": s3_server.endpoint_url,
        "s3_bucket": s3_server.bucket,
        "s3_access_key": s3_server.access_key,
        "s3_secret_key": s3_server.secret_key,
    }


@pytest.fixture
async def served_api(
    database_url_for_test: str,
    tmp_path: Path,
    llm_server: LlmServer,
    s3_server: S3Server,
    biometric_key: str,
) -> AsyncIterator[Api]:
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        llm_base_url=llm_server.base_url,
        proctor_url=llm_server.proctor_url,
        biometric_key=biometric_key,
        **s3_settings(s3_server),
    )
    async for running in running_api(settings):
        yield running


@pytest.fixture
async def s3_api(
    database_url_for_test: str, tmp_path: Path, s3_server: S3Server
) -> AsyncIterator[Api]:
    """The API with its objects on the S3 server. Neither the LLM nor the proctor runs: their
    URLs are closed ports (a hosted session the erasure closes is not found there)."""
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
        proctor_url=f"http://127.0.0.1:{free_port()}/proctor",
        **s3_settings(s3_server),
    )
    async for running in running_api(settings):
        yield running


@pytest.fixture(scope="module")
async def review_api(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Api]:
    """One API for a module's review tests (each test makes its own class and exam). Neither the
    LLM nor the proctor is called: their URLs are closed ports."""
    settings = make_settings(
        await create_test_database(postgres_server_url),
        tmp_path_factory.mktemp("review-api"),
        llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
        proctor_url=f"http://127.0.0.1:{free_port()}/proctor",
    )
    async for running in running_api(settings):
        yield running
