"""Paging query parameters of every list endpoint, bounded in one place.

An unbounded offset reached PostgreSQL as a bigint it could not hold (a 500); these limits keep
every page request inside what the database answers quickly.
"""

from typing import Annotated

from fastapi import Query

MAX_PAGE_SIZE = 200
MAX_OFFSET = 100_000

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
