"""One-click unsubscribe from an e-mailed link, without signing in (RFC 8058).

GET shows a page with one button (mail scanners follow links: a GET changes nothing); POST, from
that button or from a mail client's List-Unsubscribe-Post, turns e-mail of the link's kinds off.
"""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from markupsafe import escape

from core.errors import InvalidToken, NotFound
from platform_api.deps import DbSession
from platform_api.http.errors import responses
from platform_api.notifications.kinds import kind_of
from platform_api.notifications.runtime import NotificationsDep
from platform_api.notifications.schemas import UnsubscribeOut
from platform_api.notifications.unsubscribe import kinds_of_link, unsubscribe

router = APIRouter(prefix="/unsubscribe")

# The page is HTML; its errors are the API's JSON.
ERROR_SCHEMA = "#/components/schemas/ErrorResponse"
ERRORS_AS_JSON = {
    status: {**entry, "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA}}}}
    for status, entry in responses(401, 404, 422, 429, InvalidToken, NotFound).items()
}

Token = Annotated[str, Query(min_length=20, max_length=4096, description="From the e-mail.")]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Unsubscribe</title></head>
<body><main>
<h1>Stop these e-mails?</h1>
<p>You will no longer get e-mails about: {labels}. They stay in your inbox on the platform, and
you can turn them on again in your notification settings.</p>
<form method="post"><button type="submit">Unsubscribe</button></form>
</main></body></html>
"""


@router.get(
    "",
    response_class=HTMLResponse,
    summary="The unsubscribe page of an e-mailed link",
    responses=ERRORS_AS_JSON,
)
async def unsubscribe_page(
    token: Token, session: DbSession, notifications: NotificationsDep
) -> HTMLResponse:
    _, kinds = await kinds_of_link(session, notifications.links, token)
    labels = ", ".join(str(escape(kind_of(kind).label.lower())) for kind in kinds)
    return HTMLResponse(PAGE.format(labels=labels))


@router.post(
    "",
    response_model=UnsubscribeOut,
    summary="Unsubscribe with one click (RFC 8058): e-mail of the link's kinds is turned off",
    responses=responses(InvalidToken, NotFound),
)
async def unsubscribe_by_link(
    token: Token, session: DbSession, notifications: NotificationsDep
) -> UnsubscribeOut:
    kinds = await unsubscribe(session, notifications.links, token)
    return UnsubscribeOut(status="unsubscribed", kinds=kinds)
