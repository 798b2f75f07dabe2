"""Schemas shared by every API package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path
from pydantic import BaseModel

from onething.catalog.browse import Page
from onething.kernel.db import MAX_INT

T = TypeVar("T")

Id = Annotated[int, Path(ge=1, le=MAX_INT, description="编号")]


class PageOut(BaseModel, Generic[T]):
    """One page of a list; ask again with `offset=next_offset` for the next one."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None

    @classmethod
    def of(cls, page: Page[Any], convert: Callable[[Any], T]) -> PageOut[T]:
        return cls(items=[convert(e) for e in page.entries], total=page.total,
                   limit=page.limit, offset=page.offset, next_offset=page.next_offset)
