"""Reading uploaded files with a size limit, without buffering more than the limit allows."""

from fastapi import UploadFile

from core.errors import PayloadTooLarge


async def read_limited(file: UploadFile, max_bytes: int, what: str) -> bytes:
    data = await file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The {what} is too large.", {"max_bytes": max_bytes})
    return data
