"""FastAPI dependencies shared by every domain, as ``Annotated`` aliases."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.wiring import Stores


async def get_stores(request: Request) -> Stores:
    stores: Stores = request.app.state.stores
    return stores


StoresDep = Annotated[Stores, Depends(get_stores)]


async def get_session(stores: StoresDep) -> AsyncIterator[AsyncSession]:
    async with stores.database.session() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_session)]
