"""API conventions: error shape, request ids, metrics, health, rate limits, complete OpenAPI."""

import uuid
from pathlib import Path
from typing import Any

from core.infra.database import Database
from tests.fixtures.app import Api, make_settings, running_api


async def test_unknown_route_and_method_use_the_error_shape(api: Api) -> None:
    missing = await api.client.get("/api/v1/nowhere")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong_method = await api.client.put("/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


async def test_a_405_lists_every_method_of_the_path_in_allow(api: Api) -> None:
    # Starlette named only the first route of the path: GET /users/me hid PATCH and DELETE.
    wrong = await api.client.put("/api/v1/users/me")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "DELETE, GET, PATCH"
    assert (await api.client.options("/api/v1/classes")).headers["allow"] == "GET, POST"


async def test_a_body_that_cannot_be_read_is_a_validation_error(api: Api) -> None:
    # FastAPI answers an undecodable body with a 400 no operation documented.
    teacher = await api.account("teacher")
    headers = {**teacher.headers, "Content-Type": "application/json"}
    for body in (b"\xff\xfe\x00", b"{not json"):
        response = await api.client.post("/api/v1/curricula", content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "validation_error"


async def test_request_id_is_echoed_or_assigned(api: Api) -> None:
    echoed = await api.client.get("/healthz", headers={"X-Request-ID": "trace-12345678"})
    assert echoed.headers["x-request-id"] == "trace-12345678"
    hostile = await api.client.get("/healthz", headers={"X-Request-ID": "bad id\r\n"})
    assert hostile.headers["x-request-id"] != "bad id"
    assert len(hostile.headers["x-request-id"]) == 32


async def test_health_readiness_and_metrics(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok", "checks": {}}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "cache": True, "bus": True, "objects": True}
    await api.client.get("/api/v1/curricula")
    metrics = (await api.client.get("/metrics")).text
    assert 'wc_http_requests_total{method="GET",route="/api/v1/curricula",status="401"}' in metrics


async def test_readiness_reports_a_store_that_does_not_answer(api: Api) -> None:
    working = api.stores.database
    unreachable = working.engine.url.set(database=f"wc_missing_{uuid.uuid4().hex}")
    api.stores.database = Database(unreachable.render_as_string(hide_password=False))
    try:
        response = await api.client.get("/readyz")
    finally:
        await api.stores.database.close()
        api.stores.database = working
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] is False


async def test_requests_are_rate_limited_per_user(
    database_url_for_test: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url_for_test, tmp_path, rate_limit_per_minute=5)
    async for api in running_api(settings):
        first, second = await api.account("teacher"), await api.account("teacher")
        statuses = [
            (await api.client.get("/api/v1/users/me", headers=first.headers)).status_code
            for _ in range(8)
        ]
        assert 429 in statuses
        limited = await api.client.get("/api/v1/users/me", headers=first.headers)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["error"]["code"] == "rate_limited"
        other = await api.client.get("/api/v1/users/me", headers=second.headers)
        assert other.status_code == 200


async def test_openapi_documents_every_operation_and_its_errors(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    assert "ErrorResponse" in spec["components"]["schemas"]
    gaps = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            if not operation.get("summary"):
                gaps.append(f"{where}: no summary")
            documented = set(operation.get("responses", {}))
            if path.startswith("/api/") and not {"422", "429"} <= documented:
                gaps.append(f"{where}: 422/429 undocumented")
            if operation.get("security") and "401" not in documented:
                gaps.append(f"{where}: protected but 401 undocumented")
    assert not gaps, "\n".join(gaps)


def unbounded_inputs(spec: dict[str, Any]) -> list[str]:
    """Every integer, number, string or array a client sends that has no upper bound."""
    components = spec["components"]["schemas"]
    gaps: list[str] = []

    def visit(schema: dict[str, Any], where: str, seen: frozenset[str]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                visit(components[name], where, seen | {name})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                visit(option, where, seen)
        kind = schema.get("type")
        bounded = {
            "integer": "maximum" in schema,
            "number": "maximum" in schema,
            "string": "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in {"uuid", "date", "date-time"}
            or "contentMediaType" in schema,  # an upload: read_limited bounds its size
            "array": "maxItems" in schema,
        }.get(kind or "", True)
        if not bounded:
            gaps.append(f"{where}: unbounded {kind}")
        for name, child in schema.get("properties", {}).items():
            visit(child, f"{where}.{name}", seen)
        if isinstance(schema.get("items"), dict):
            visit(schema["items"], f"{where}[]", seen)
        if isinstance(schema.get("additionalProperties"), dict):
            visit(schema["additionalProperties"], f"{where}{{}}", seen)

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                visit(parameter["schema"], where, frozenset())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                visit(media["schema"], f"{method.upper()} {path} body", frozenset())
    return gaps


async def test_every_input_is_bounded(api: Api) -> None:
    # Unbounded numbers reached SQL as values PostgreSQL cannot hold (500s found by fuzzing).
    spec = (await api.client.get("/openapi.json")).json()
    gaps = unbounded_inputs(spec)
    assert not gaps, "\n".join(gaps)
