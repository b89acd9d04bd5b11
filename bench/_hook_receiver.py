"""The webhook benchmark's receiver: a bare ASGI app that reads each POST and answers 204.

Run by ``bench/_webhooks.py`` in its own process under uvicorn, so the dispatcher and the bare
client share no event loop with it.
"""

from typing import Any


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
