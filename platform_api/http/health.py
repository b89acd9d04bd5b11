"""Liveness, readiness and Prometheus metrics."""

import asyncio
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from platform_api.deps import StoresDep
from platform_api.http.errors import responses

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, bool] = {}


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness: every store answers",
    responses={503: {"model": Health, "description": "a store does not answer"}},
)
async def readyz(stores: StoresDep) -> JSONResponse:
    async def database() -> bool:
        async with stores.database.session() as session:
            return bool((await session.execute(text("SELECT 1"))).scalar_one())

    names = ["database", "cache", "bus", "objects"]
    probes = [database(), stores.cache.ping(), stores.bus.ping(), stores.objects.ping()]
    results = await asyncio.gather(
        *(asyncio.wait_for(p, 3) for p in probes), return_exceptions=True
    )
    checks = {name: result is True for name, result in zip(names, results, strict=True)}
    ready = all(checks.values())
    body = Health(status="ok" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, **responses()},
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
