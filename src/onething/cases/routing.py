"""Which office handles an item of an application received in a region, and whether it may
be received there (跨域通办). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from onething.catalog.linked import Catalog, Item
from onething.catalog.spec import CrossRegion, Level, RegionFrom
from onething.kernel import regions


def ancestors(catalog: Catalog, region: str) -> list[str]:
    """The region and every region above it, nearest first."""
    return regions.ancestors(catalog.regions, region)


def within(catalog: Catalog, region: str, scope: str) -> bool:
    """Whether `region` is `scope` or lies below it."""
    return regions.within(catalog.regions, region, scope)


def descendants(catalog: Catalog, scope: str) -> set[str]:
    return regions.descendants(catalog.regions, scope)


def competent_region(catalog: Catalog, receiving: str, level: Level) -> str:
    """The receiving region's own office at the item's level (a city item received in 芙蓉区
    goes to 长沙市); the receiving region itself when it is above that level."""
    for code in ancestors(catalog, receiving):
        region = catalog.regions.get(code)
        if region is not None and region.level == level:
            return code
    return receiving


@dataclass(frozen=True)
class Deciding:
    """Where an item of an application is decided: the region of its office (at the item's
    level), and whether that lies outside the receiving region (received for another)."""

    item: Item
    region: str
    elsewhere: bool


def region_of_item(item: Item, receiving: str, form: Mapping[str, object],
                   applicant_region: str | None) -> str | None:
    """The region whose office is competent, below the item's level or at it: the one a
    form field gives, the applicant's registered region, or the receiving region. None when
    the form or the applicant does not say (the caller asks for it)."""
    if item.region_field is not None:
        value = form.get(item.region_field.code)
        return value if isinstance(value, str) and value else None
    if item.region_from == RegionFrom.applicant:
        return applicant_region
    return receiving


def deciding(catalog: Catalog, item: Item, receiving: str, form: Mapping[str, object],
             applicant_region: str | None) -> Deciding | None:
    """The office region that decides `item` for an application received in `receiving`."""
    base = region_of_item(item, receiving, form, applicant_region)
    if base is None:
        return None
    region = competent_region(catalog, base, Level(item.level))
    return Deciding(item, region, not within(catalog, receiving, region))


# how far from the competent region each 通办 scope reaches: the level of the common ancestor
REACH = {CrossRegion.city: Level.city, CrossRegion.province: Level.province}


def may_receive(catalog: Catalog, found: Deciding, receiving: str) -> bool:
    """Whether the item may be received in `receiving`: within its competent region always,
    elsewhere as far as its 通办 scope reaches (异地代收)."""
    if not found.elsewhere or found.item.cross_region == CrossRegion.nationwide:
        return True
    level = REACH.get(found.item.cross_region)
    if level is None:
        return False
    return competent_region(catalog, receiving, level) == competent_region(
        catalog, found.region, level)


def not_received_here(catalog: Catalog, found: Iterable[Deciding], receiving: str
                      ) -> list[Deciding]:
    """The items that may not be received in `receiving` (the refusal names them)."""
    return [d for d in found if not may_receive(catalog, d, receiving)]


CROSS_REGION_NAMES = {CrossRegion.none: "不支持异地受理", CrossRegion.city: "市域通办",
                      CrossRegion.province: "全省通办", CrossRegion.nationwide: "跨省通办"}


def office_name(catalog: Catalog, region: str, department: str) -> str:
    """The office of `department` in `region`, as the catalog names it at the region's level
    (文艺路街道 + 卫生健康委员会 → 文艺路街道社区卫生服务中心), else the region's name and the
    department's (长沙市 + 市场监督管理局 → 长沙市市场监督管理局)."""
    found = catalog.regions.get(region)
    dept = catalog.departments.get(department)
    if found is not None and dept is not None and (template := dept.office(found.level)):
        return office_from(template, found.name, _parent_name(catalog, found.parent))
    return f"{region_name(catalog, region)}{dept.name if dept is not None else department}"


def office_or_window_name(catalog: Catalog, region: str, department: str | None) -> str:
    """Who answers for something in `region`: the office of `department`, or with none the
    region's receiving window (a card's office, a rating's or a rectification's)."""
    return office_name(catalog, region, department) if department else window_name(
        catalog, region)


def office_from(template: str, region: str, parent: str) -> str:
    """A department's office name at a level: `{region}` and `{parent}` filled in."""
    return template.replace("{region}", region).replace("{parent}", parent)


def region_name(catalog: Catalog, region: str) -> str:
    """The region's name (长沙市), or its code where the catalog does not have it."""
    found = catalog.regions.get(region)
    return found.name if found is not None else region


def _parent_name(catalog: Catalog, parent: str | None) -> str:
    found = catalog.regions.get(parent) if parent else None
    return found.name if found is not None else ""


# the receiving windows of every region and level together, as one row of figures
WINDOWS = "综合窗口"
# the window that receives applications, by the level of its region
WINDOW_NAMES = {Level.township: "{region}便民服务中心综合窗口",
                Level.village: "{region}便民服务站"}


def window_name(catalog: Catalog, region: str) -> str:
    """芙蓉区政务服务综合窗口; a street's 文艺路街道便民服务中心综合窗口; a community's
    识字里社区便民服务站."""
    found = catalog.regions.get(region)
    if found is None:
        return "政务服务综合窗口"
    return office_from(WINDOW_NAMES.get(found.level, "{region}政务服务综合窗口"), found.name, "")
