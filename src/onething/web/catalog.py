"""The catalog's pages, open to anyone: the 一件事 to choose from (searched by words and
by audience) and each item (事项) with its materials, fields and the bundles using it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from onething.catalog import browse
from onething.catalog.spec import LEVEL_NAMES, Level
from onething.http.deps import CatalogDep
from onething.web.render import AUDIENCES, render_public

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
@router.get("/bundles", response_class=HTMLResponse)
def bundle_list(request: Request, catalog: CatalogDep,
                q: Annotated[str | None, Query(max_length=100)] = None,
                audience: Annotated[str | None, Query(max_length=16)] = None) -> HTMLResponse:
    chosen = audience if audience in AUDIENCES else None
    found = browse.search_bundles(catalog, q, chosen)
    return render_public(request, "bundles.html", bundles=found, q=q or "",
                         audience=chosen, catalog=catalog)



@router.get("/items/{code}", response_class=HTMLResponse)
def item_page(request: Request, code: str, catalog: CatalogDep) -> HTMLResponse:
    item = catalog.items.get(code)
    if item is None:
        raise HTTPException(404, f"没有代码为 {code} 的事项")
    return render_public(request, "item.html", item=item,
                         bundles=browse.bundles_using(catalog, code),
                         level_name=LEVEL_NAMES[Level(item.level)], fields=catalog.fields)
