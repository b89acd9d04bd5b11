"""HTTP endpoint of the ML engineers' overview (``/api/v1/ml``)."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query

from core.errors import Forbidden, ServiceUnavailable
from platform_api.auth.permissions import Admin
from platform_api.deps import StoresDep
from platform_api.http.errors import responses
from platform_api.ml.overview import overview
from platform_api.ml.schemas import MlOverview

router = APIRouter(prefix="/api/v1/ml", tags=["ml"], responses=responses(401, 422, 429))


@router.get(
    "/overview",
    response_model=MlOverview,
    summary="Registered models and their aliases, the latest evaluation runs per suite, the "
    "promotion decisions (administrators)",
    responses=responses(Forbidden, ServiceUnavailable),
)
async def ml_overview(
    stores: StoresDep,
    actor: Admin,
    runs_per_suite: Annotated[int, Query(ge=1, le=20, description="Runs shown per suite.")] = 3,
    promotions: Annotated[int, Query(ge=1, le=100, description="Decisions shown.")] = 10,
) -> MlOverview:
    settings = stores.settings
    return await asyncio.to_thread(
        overview, settings.tracking_uri, settings.mlflow_ui, runs_per_suite, promotions
    )
