"""The region tree (行政区划): which region lies within which. Pure.

The regions themselves (GB/T 2260 codes, names, levels) are the catalog's; any mapping of
code → region with a `parent` code is a tree here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Node(Protocol):
    @property
    def parent(self) -> str | None: ...


def ancestors(regions: Mapping[str, Node], region: str) -> list[str]:
    """The region and every region above it, nearest first."""
    chain: list[str] = []
    code: str | None = region
    while code is not None and code not in chain:
        chain.append(code)
        parent = regions.get(code)
        code = parent.parent if parent else None
    return chain


def within(regions: Mapping[str, Node], region: str, scope: str) -> bool:
    """Whether `region` is `scope` or lies below it."""
    return scope in ancestors(regions, region)


def descendants(regions: Mapping[str, Node], scope: str) -> set[str]:
    """`scope` and every region below it."""
    return {code for code in regions if within(regions, code, scope)}
