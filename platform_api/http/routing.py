"""Path parameters typed ``uuid.UUID`` match only UUIDs.

Starlette matches ``{job_id}`` against any segment, so ``GET /content/jobs/file`` reached the
``GET /content/jobs/{job_id}`` handler and failed there with 422, where the path has no GET at
all (405). Tightening each UUID parameter's pattern makes routing see what the OpenAPI says.
"""

import re
import uuid
from collections.abc import Iterable

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

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
