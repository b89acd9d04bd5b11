"""Contract of ``ObjectStore``, run against the filesystem and the S3 (SeaweedFS) implementation."""

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.infra.objects.base import ObjectStore
from core.infra.objects.filesystem import FilesystemObjectStore
from core.infra.objects.s3 import S3ObjectStore
from tests.fixtures.postgres import free_port
from tests.fixtures.servers import S3Server

INVALID_KEYS = ["", "/etc/passwd", "a/../b", "..", "a//b", "a/", "./a", "a\\b", "a\nb"]


def s3_store(server: S3Server) -> S3ObjectStore:
    return S3ObjectStore(
        endpoint_url=server.endpoint_url,
        bucket=server.bucket,
        access_key=server.access_key,
        secret_key=server.secret_key,
        region="us-east-1",
    )


@pytest.fixture(params=["filesystem", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    if request.param == "filesystem":
        implementation: ObjectStore = FilesystemObjectStore(tmp_path / "objects")
    else:
        implementation = s3_store(request.getfixturevalue("s3_server"))
    yield implementation
    await implementation.close()


@pytest.fixture
def space() -> str:
    """A key prefix of this test's own: the S3 bucket is shared by the session."""
    return f"t{uuid.uuid4().hex[:12]}"


async def test_put_then_get_returns_bytes_and_content_type(store: ObjectStore, space: str) -> None:
    key = f"{space}/avatars/ada.png"
    await store.put(key, b"\x89PNG\x00binary", "image/png")
    stored = await store.get(key)
    assert stored is not None
    assert (stored.key, stored.data, stored.content_type) == (
        key,
        b"\x89PNG\x00binary",
        "image/png",
    )


async def test_get_missing_is_none(store: ObjectStore, space: str) -> None:
    assert await store.get(f"{space}/missing.txt") is None


async def test_put_replaces_object_and_content_type(store: ObjectStore, space: str) -> None:
    key = f"{space}/doc"
    await store.put(key, b"old", "text/plain")
    await store.put(key, b'{"new": 1}', "application/json")
    stored = await store.get(key)
    assert stored is not None
    assert (stored.data, stored.content_type) == (b'{"new": 1}', "application/json")


async def test_empty_object_round_trips(store: ObjectStore, space: str) -> None:
    await store.put(f"{space}/empty", b"", "application/octet-stream")
    stored = await store.get(f"{space}/empty")
    assert stored is not None
    assert stored.data == b""


async def test_delete_removes_only_that_object(store: ObjectStore, space: str) -> None:
    await store.put(f"{space}/a/one", b"1", "text/plain")
    await store.put(f"{space}/a/two", b"2", "text/plain")
    await store.delete(f"{space}/a/one")
    await store.delete(f"{space}/a/never-existed")
    assert await store.get(f"{space}/a/one") is None
    assert await store.list_keys(f"{space}/") == [f"{space}/a/two"]


async def test_list_keys_by_prefix_is_sorted_and_exact(store: ObjectStore, space: str) -> None:
    keys = [f"{space}/exam/2/b", f"{space}/exam/1/a", f"{space}/exam/10/c", f"{space}/media/x"]
    for key in keys:
        await store.put(key, b"x", "text/plain")
    assert await store.list_keys(f"{space}/exam/") == sorted(keys[:3])
    assert await store.list_keys(f"{space}/exam/1") == [f"{space}/exam/1/a", f"{space}/exam/10/c"]
    assert await store.list_keys(f"{space}/nothing/") == []


async def test_delete_prefix_deletes_and_counts(store: ObjectStore, space: str) -> None:
    for key in ("evidence/s1/f1.jpg", "evidence/s1/f2.jpg", "evidence/s2/f1.jpg"):
        await store.put(f"{space}/{key}", b"jpeg", "image/jpeg")
    assert await store.delete_prefix(f"{space}/evidence/s1/") == 2
    assert await store.list_keys(f"{space}/") == [f"{space}/evidence/s2/f1.jpg"]
    assert await store.delete_prefix(f"{space}/evidence/s1/") == 0


@pytest.mark.parametrize("key", INVALID_KEYS)
async def test_invalid_keys_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError):
        await store.put(key, b"x", "text/plain")
    with pytest.raises(ValueError):
        await store.get(key)
    with pytest.raises(ValueError):
        await store.delete(key)


async def test_prefix_escaping_the_store_is_refused(store: ObjectStore) -> None:
    with pytest.raises(ValueError):
        await store.list_keys("../")
    with pytest.raises(ValueError):
        await store.delete_prefix("/")


async def test_concurrent_puts_of_one_key_leave_one_whole_object(
    store: ObjectStore, space: str
) -> None:
    key = f"{space}/race"
    bodies = [bytes([n]) * 200_000 for n in range(8)]
    await asyncio.gather(
        *(store.put(key, body, f"application/x-{n}") for n, body in enumerate(bodies))
    )
    stored = await store.get(key)
    assert stored is not None
    assert stored.data in bodies


async def test_ping_answers(store: ObjectStore) -> None:
    assert await store.ping() is True


async def test_filesystem_keeps_objects_inside_its_root(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path / "root")
    await store.put("a/b.txt", b"hello", "text/plain")
    files = [p for p in (tmp_path / "root").rglob("*") if p.is_file()]
    assert files and all(p.is_relative_to(tmp_path / "root") for p in files)
    assert not (tmp_path / "root" / "tmp").exists() or not any(
        (tmp_path / "root" / "tmp").iterdir()
    )


async def test_s3_creates_a_missing_bucket_on_first_use(s3_server: S3Server) -> None:
    fresh = dataclasses.replace(s3_server, bucket=f"wc-fresh-{uuid.uuid4().hex[:10]}")
    store = s3_store(fresh)
    try:
        await store.put("first", b"1", "text/plain")
        assert await store.list_keys("") == ["first"]
    finally:
        await store.close()


async def test_s3_ping_is_false_when_nothing_listens(s3_server: S3Server) -> None:
    down = dataclasses.replace(s3_server, endpoint_url=f"http://127.0.0.1:{free_port()}")
    store = s3_store(down)
    try:
        assert await store.ping() is False
    finally:
        await store.close()
