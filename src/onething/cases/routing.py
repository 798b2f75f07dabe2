"""Which office handles an item of an application received in a region. Pure."""

from __future__ import annotations

from onething.catalog.model import Catalog
from onething.catalog.spec import Level


def ancestors(catalog: Catalog, region: str) -> list[str]:
    """The region and every region above it, nearest first."""
    chain: list[str] = []
    code: str | None = region
    while code is not None and code not in chain:
        chain.append(code)
        parent = catalog.regions.get(code)
        code = parent.parent if parent else None
    return chain


def within(catalog: Catalog, region: str, scope: str) -> bool:
    """Whether `region` is `scope` or lies below it."""
    return scope in ancestors(catalog, region)


def descendants(catalog: Catalog, scope: str) -> set[str]:
    return {code for code in catalog.regions if within(catalog, code, scope)}


def competent_region(catalog: Catalog, receiving: str, level: Level) -> str:
    """The receiving region's own office at the item's level (a city item received in 芙蓉区
    goes to 长沙市); the receiving region itself when it is above that level."""
    for code in ancestors(catalog, receiving):
        region = catalog.regions.get(code)
        if region is not None and region.level == level:
            return code
    return receiving


def office_name(catalog: Catalog, region: str, department: str) -> str:
    """长沙市 + 市场监督管理局 → 长沙市市场监督管理局."""
    place = catalog.regions[region].name if region in catalog.regions else region
    dept = catalog.departments[department].name if department in catalog.departments else department
    return f"{place}{dept}"
