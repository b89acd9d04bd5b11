"""The platform serves the web client at / and answers every deep link with its index page,
while the API keeps its JSON errors; without a build, / is the API's 404."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fixtures.app import Api, make_settings, running_api

INDEX = '<!doctype html><html><body><div id="root"></div></body></html>'
SECRET = "not for the browser"


@pytest.fixture
def built_client(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-3f2a.js").write_text("console.log('client')")
    (dist / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text(SECRET)
    return dist


@pytest.fixture
async def client_api(
    database_url_for_test: str, tmp_path: Path, built_client: Path
) -> AsyncIterator[Api]:
    settings = make_settings(database_url_for_test, tmp_path, web_dist=built_client)
    async for running in running_api(settings):
        yield running


async def test_the_app_and_its_deep_links_are_served(client_api: Api) -> None:
    for path in ("/", f"/courses/{uuid.uuid4()}", "/sign-in?next=%2F", "/courses/x/lessons/y"):
        page = await client_api.client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        assert page.text == INDEX and page.headers["cache-control"] == "no-cache"
    asset = await client_api.client.get("/assets/index-3f2a.js")
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
    assert (await client_api.client.get("/favicon.svg")).text == "<svg/>"
    head = await client_api.client.head(f"/courses/{uuid.uuid4()}")
    assert head.status_code == 200


async def test_the_api_keeps_its_json_errors(client_api: Api) -> None:
    for path in ("/api/v1/no-such-thing", "/api", "/api/v1/curricula/lessons/not-a-uuid/x"):
        missing = await client_api.client.get(path)
        assert missing.status_code == 404, path
        assert missing.json()["error"]["code"] == "not_found"
    posted = await client_api.client.post("/courses/x", json={})
    assert posted.status_code == 404 and posted.json()["error"]["code"] == "not_found"
    # A route that exists keeps its methods: GET-only, so a POST is 405, not the client.
    refused = await client_api.client.post("/api/v1/curricula/courses", json={})
    assert refused.status_code == 405
    # Nothing outside the build's folder is read, however the path is written.
    for path in ("/..%2Fsecret.txt", "/assets/..%2F..%2Fsecret.txt", "/%2E%2E/secret.txt"):
        assert SECRET not in (await client_api.client.get(path)).text, path


async def test_without_a_build_the_root_is_the_apis_404(api: Api, tmp_path: Path) -> None:
    settings = make_settings(api.settings.database_url, tmp_path, web_dist=tmp_path / "none")
    async for running in running_api(settings):
        root = await running.client.get("/")
        assert root.status_code == 404 and root.json()["error"]["code"] == "not_found"
