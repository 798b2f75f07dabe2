"""Schemas shared by every API package."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    """One page of a list; ask again with `offset=next_offset` for the next one."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None
