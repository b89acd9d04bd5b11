"""The API for proctoring tests that stream to the proctor: beside the tests' Serve application
(its proctor deployment), on the same S3 server and biometric key."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fixtures.app import Api, make_settings, running_api
from tests.fixtures.llm import LlmServer
from tests.fixtures.servers import S3Server


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
        s3_endpoint_url=s3_server.endpoint_url,
        s3_bucket=s3_server.bucket,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        biometric_key=biometric_key,
    )
    async for running in running_api(settings):
        yield running
