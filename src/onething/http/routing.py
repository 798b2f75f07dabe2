"""Finding a request's route without trying every route of the platform.

FastAPI keeps each included router as one entry of the app's routes and, for every request,
asks each entry in turn, and each of them asks each of its routes: a request to a route
near the end (`/healthz`, the pages) went through some 450 route checks, half the time of
the trivial endpoint. `RouteIndex` sits first in the app's routes and knows, for the first
three literal segments of a path, which entries have a route that can match it; it asks
only those, in their order, so the route chosen is the one the full walk would choose.
Whatever it does not find in full (a 404, a 405, a trailing-slash redirect) falls through to
the app's own walk over every route, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

_CHOSEN = "onething.route"
DEPTH = 3  # /api/v1/<resource>: the API's routers part at the third segment
Key = tuple[str, ...]


def _segments(path: str) -> list[str]:
    trimmed = path.strip("/")
    return trimmed.split("/") if trimmed else []


def _paths(route: BaseRoute) -> Iterator[tuple[str, bool]]:
    """Each path a top-level entry can serve, and whether it is a prefix (a mount)."""
    contexts = getattr(route, "effective_route_contexts", None)
    if contexts is not None:  # an included router: every route under it
        for context in contexts():
            yield from _paths(context.starlette_route or context)
        return
    path = getattr(route, "path", None)
    if not isinstance(path, str):  # unknown kind: it may serve anything
        yield "", True
        return
    yield path, isinstance(route, Mount)


class RouteIndex(BaseRoute):
    """The app's top-level routes by the literal head of the paths they serve: `exact`
    for a request whose first segments (up to `DEPTH`) are the key, `under` for any
    request whose path starts with the key (a parameter or a mount follows it)."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self.routes = list(routes)
        self.exact: dict[Key, list[int]] = {}
        self.under: dict[Key, list[int]] = {}
        for position, route in enumerate(self.routes):
            for path, prefix in _paths(route):
                self._add(position, _segments(path), prefix)

    def _add(self, position: int, segments: list[str], prefix: bool) -> None:
        head: list[str] = []
        for part in segments[:DEPTH]:
            if "{" in part:
                break
            head.append(part)
        literal = len(head) == len(segments) and not prefix
        table = self.exact if literal or len(head) == DEPTH else self.under
        places = table.setdefault(tuple(head), [])
        if not places or places[-1] != position:
            places.append(position)

    def candidates(self, path: str) -> list[BaseRoute]:
        head = tuple(_segments(path)[:DEPTH])
        found: set[int] = set(self.exact.get(head, ()))
        for depth in range(len(head) + 1):
            found.update(self.under.get(head[:depth], ()))
        return [self.routes[i] for i in sorted(found)]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        for route in self.candidates(scope["path"]):
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                return Match.FULL, {**child_scope, _CHOSEN: route}
        return Match.NONE, {}  # the app's own walk decides: a 404, a 405 or a redirect

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope.pop(_CHOSEN)
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        from starlette.routing import NoMatchFound

        raise NoMatchFound(name, path_params)  # the routes themselves answer, after it


def install(app: Any) -> RouteIndex:
    """Put an index of the app's routes first (after every router is included)."""
    routes = app.router.routes
    routes[:] = [r for r in routes if not isinstance(r, RouteIndex)]
    index = RouteIndex(routes)
    routes.insert(0, index)
    return index
