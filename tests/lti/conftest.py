"""The LTI tests' world: one app served on loopback (it must be reachable by the platform, which
fetches the tool's JWKS), on Redis for nonces and states, with the test platform registered by
an admin over the API. Shared by the package's tests; each uses contexts and people of its own."""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from tests.fixtures.app import Account, Api, make_settings, running_api, served_on_loopback
from tests.fixtures.postgres import create_test_database, free_port
from tests.lti.platform import Platform, running_platform
from tests.web.conftest import browser, web_dist  # noqa: F401  (Chromium, for the browser launch)


@dataclass
class World:
    api: Api
    url: str  # the app's address on loopback (its public URL)
    platform: Platform
    admin: Account
    registration_id: str


@pytest.fixture(scope="package")
def platform() -> Iterator[Platform]:
    with running_platform() as running:
        yield running


@pytest.fixture(scope="package")
async def world(
    postgres_server_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    platform: Platform,
) -> AsyncIterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        await create_test_database(postgres_server_url),
        tmp_path_factory.mktemp("lti"),
        public_url=url,
        redis_url=redis_url,
        sitting_sweep_seconds=0,
    )
    async for api in running_api(settings):
        async with served_on_loopback(api.app, port):
            platform.tool_launch_url = f"{url}/api/v1/lti/launch"
            platform.tool_jwks_url = f"{url}/api/v1/lti/jwks"
            admin = await api.account("admin")
            registered = await api.client.post(
                "/api/v1/lti/registrations", headers=admin.headers, json=platform.registration()
            )
            assert registered.status_code == 201, registered.text
            yield World(api, url, platform, admin, registered.json()["id"])
