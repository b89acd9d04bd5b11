"""The one HTTP door: Ray Serve LLM's OpenAI API under ``/v1`` (unchanged) and the proctor's API
under ``/proctor``, which it forwards by handle to the proctor application's deployment.

The proctor is an application of its own (``serving.app``), so that redeploying this one for
another model leaves the proctor's replicas and the exams they host alone; its routes join the
OpenAI ingress here: the class below extends Ray's ``OpenAiIngress`` with them, and
``make_fastapi_ingress`` (Ray's public builder) routes Ray's own endpoint table plus ours. The
proctor's routes are for the platform only (learners reach the platform, never Serve).
"""

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from ray.exceptions import RayTaskError
from ray.serve.deployment import Application
from ray.serve.handle import DeploymentHandle
from ray.serve.llm.ingress import OpenAiIngress

from core.errors import AppError
from serving.proctoring.contract import OpenSession, SdpMessage
from serving.proctoring.errors import ProctorUnavailable

Reply = TypeVar("Reply", bound=BaseModel)


def error_reply(error: AppError) -> JSONResponse:
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


async def forwarded(call: Awaitable[Reply], status_code: int = 200) -> JSONResponse:
    """The proctor deployment's reply as JSON, or its refusal with its stable code."""
    try:
        reply = await call
    except AppError as error:
        return error_reply(error)
    except RayTaskError as error:  # a refusal raised in the replica, as Ray hands it back
        if isinstance(error.cause, AppError):
            return error_reply(error.cause)
        raise
    return JSONResponse(reply.model_dump(mode="json"), status_code=status_code)


class WaterClassroomIngress(OpenAiIngress):
    def __init__(
        self,
        llm_deployments: dict[str, DeploymentHandle],
        model_cards: dict[str, Any],
        *,
        proctor: tuple[str, str],
        lora_paths: dict[str, str] | None = None,
    ) -> None:
        super().__init__(llm_deployments, model_cards, lora_paths=lora_paths)
        self._proctor_app, self._proctor_deployment = proctor
        self._proctor_handle: DeploymentHandle | None = None

    async def _proctor(self) -> DeploymentHandle:
        """The proctor's deployment, looked up by name at first use: its application is deployed
        beside this one, in either order, and outlives this one's redeploys."""
        if self._proctor_handle is None:
            from ray import serve

            try:
                self._proctor_handle = await asyncio.to_thread(
                    serve.get_deployment_handle, self._proctor_deployment, self._proctor_app
                )
            except KeyError as error:  # Serve's answer for a deployment it does not know
                raise ProctorUnavailable(
                    "The proctor application is not deployed.", {"app": self._proctor_app}
                ) from error
        return self._proctor_handle

    async def _forward(self, method: str, *args: Any, status: int = 200, **kw: Any) -> JSONResponse:
        """The proctor deployment's ``method`` called with the arguments, as JSON."""

        async def call() -> BaseModel:
            proctor = await self._proctor()
            reply: BaseModel = await getattr(proctor, method).remote(*args, **kw)
            return reply

        return await forwarded(call(), status_code=status)

    async def proctor_open(self, body: OpenSession) -> JSONResponse:
        return await self._forward("open", body, status=201)

    # ``host`` travels as a keyword argument: SessionAffinityRouter reads it there.
    async def proctor_offer(self, host: str, session_id: str, body: SdpMessage) -> JSONResponse:
        return await self._forward("offer", session_id, body, host=host)

    async def proctor_state(self, host: str, session_id: str) -> JSONResponse:
        return await self._forward("state", session_id, host=host)

    async def proctor_close(self, host: str, session_id: str) -> JSONResponse:
        return await self._forward("close", session_id, host=host)


SESSION_PATH = "/proctor/hosts/{host}/sessions/{session_id}"
PROCTOR_ENDPOINTS = {
    "proctor_open": lambda app: app.post("/proctor/sessions"),
    "proctor_offer": lambda app: app.post(f"{SESSION_PATH}/offer"),
    "proctor_state": lambda app: app.get(SESSION_PATH),
    "proctor_close": lambda app: app.post(f"{SESSION_PATH}/close"),
}


def build_ingress(
    llm_config: Any,
    door_options: dict[str, Any],
    proctor: tuple[str, str],
    card_metadata: dict[str, Any] | None = None,
) -> Application:
    """The ingress deployment bound to the LLM deployment, built as
    ``ray.serve.llm.build_openai_app`` builds its own (same LLM deployment, same model card,
    same endpoints), with the routes of the ``proctor`` (application, deployment) added;
    ``card_metadata`` joins the model card of ``/v1/models``."""
    from ray import serve

    # Ray's documented way to compose the OpenAI ingress by hand takes these two from
    # ray.llm's internals: its endpoint table and the model card of /v1/models.
    from ray.llm._internal.serve.core.configs.openai_api_models import to_model_metadata
    from ray.llm._internal.serve.core.ingress.ingress import DEFAULT_ENDPOINTS
    from ray.serve.llm import build_llm_deployment
    from ray.serve.llm.ingress import make_fastapi_ingress

    ingress_class = make_fastapi_ingress(
        WaterClassroomIngress, endpoint_map={**DEFAULT_ENDPOINTS, **PROCTOR_ENDPOINTS}
    )
    options = {**WaterClassroomIngress.get_deployment_options([llm_config]), **door_options}
    model_id = llm_config.model_id
    return serve.deployment(**options)(ingress_class).bind(
        llm_deployments={model_id: build_llm_deployment(llm_config)},
        model_cards={model_id: to_model_metadata(model_id, llm_config, card_metadata)},
        proctor=proctor,
    )
