"""APIs for proctoring tests on the tests' S3 server: one beside the tests' Serve application
(its proctor deployment, the same biometric key), one on S3 alone for the privacy tests."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.app import Api, make_settings, running_api
from tests.fixtures.llm import LlmServer
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
    """The API with its objects on the S3 server; no proctor runs (none is called)."""
    settings = make_settings(database_url_for_test, tmp_path, **s3_settings(s3_server))
    async for running in running_api(settings):
        yield running
