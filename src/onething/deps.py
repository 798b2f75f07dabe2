"""FastAPI dependencies shared by routes and pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.catalog.service import NoCatalog
from onething.db import unit_of_work
from onething.problems import ApiProblem


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; the request owns the transaction."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_catalog(request: Request) -> Catalog:
    """The current catalog; the database is asked for a newer one every few seconds."""
    settings = request.app.state.settings
    try:
        return request.app.state.catalogs.recent(  # type: ignore[no-any-return]
            request.app.state.sessions, settings.catalog_refresh_seconds)
    except NoCatalog as exc:
        raise ApiProblem(503, "catalog_not_loaded", "事项目录尚未加载", str(exc)) from exc


CatalogDep = Annotated[Catalog, Depends(get_catalog)]


class Paging:
    def __init__(
        self,
        request: Request,
        limit: Annotated[int | None, Query(ge=1, le=200, description="每页条数")] = None,
        offset: Annotated[int, Query(ge=0, le=1_000_000, description="跳过的条数")] = 0,
    ) -> None:
        self.limit = limit or request.app.state.settings.page_size
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]
