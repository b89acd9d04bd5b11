"""Route-table refinements: UUID path parameters that match only UUIDs, and shortcut routes.

Starlette matches ``{job_id}`` against any segment, so ``GET /content/jobs/file`` reached the
``GET /content/jobs/{job_id}`` handler and failed there with 422, where the path has no GET at
all (405). Tightening each UUID parameter's pattern makes routing see what the OpenAPI says.
"""

import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

# Answers the common case of a route, or None to leave the request to the declared endpoint.
Shortcut = Callable[[Request], Awaitable[Response | None]]

UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def match_uuid_parameters_only(routes: Iterable[BaseRoute]) -> None:
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        pattern = route.path_regex.pattern
        for parameter in route.dependant.path_params:
            if parameter.field_info.annotation is uuid.UUID:
                pattern = pattern.replace(
                    f"(?P<{parameter.name}>[^/]+)", f"(?P<{parameter.name}>{UUID_PATTERN})"
                )
        route.path_regex = re.compile(pattern)


class ShortcutRoute(APIRoute):
    """A route that offers each request to its ``shortcut`` before the declared endpoint.

    Resolving an endpoint's dependencies costs FastAPI more than a cache hit costs us (measured on
    the lesson GET: bench/api.py), so the hottest reads answer their common case in a plain
    function. The endpoint's signature stays the route's contract: its permission dependency,
    parameters and responses are what the OpenAPI and the authorization matrix read, and the
    shortcut enforces that same permission with the functions behind the dependency. Whatever
    the shortcut does not answer (a cache miss, a header to validate) goes to the endpoint.
    """

    shortcut: Shortcut

    def get_route_handler(self) -> Callable[[Request], Any]:
        declared = super().get_route_handler()
        shortcut = self.shortcut

        async def handle(request: Request) -> Response:
            return await shortcut(request) or await declared(request)

        return handle


def shortcut_route(shortcut: Shortcut) -> type[ShortcutRoute]:
    """The route class (``route_class_override``) that tries ``shortcut`` first."""
    attributes = {"shortcut": staticmethod(shortcut)}
    return type(f"ShortcutRoute[{shortcut.__name__}]", (ShortcutRoute,), attributes)
