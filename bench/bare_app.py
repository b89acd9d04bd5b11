"""The baseline: a bare FastAPI endpoint returning the same JSON bytes as the platform's lesson."""

import os
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Response

body = Path(sys.argv[1]).read_bytes()
app = FastAPI()


@app.get("/lesson")
async def lesson() -> Response:
    return Response(body, media_type="application/json")


if __name__ == "__main__":
    uvicorn.run(
        app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False
    )
