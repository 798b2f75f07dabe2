"""Finding bundles and items in the in-memory catalog (pure; pages and API share it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from onething.catalog.linked import Bundle, Catalog, Item

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    entries: Sequence[T]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + self.limit
        return following if following < self.total else None


def paginate(found: Sequence[T], limit: int, offset: int) -> Page[T]:
    return Page(found[offset:offset + limit], len(found), limit, offset)


def _terms(query: str | None) -> list[str]:
    return [t.casefold() for t in (query or "").split() if t]


def _matches(terms: list[str], texts: Iterable[str | None]) -> bool:
    haystack = " ".join(t for t in texts if t).casefold()
    return all(term in haystack for term in terms)


def search_bundles(catalog: Catalog, query: str | None = None,
                   audience: str | None = None, region: str | None = None) -> list[Bundle]:
    """Bundles whose name, keywords, description or items mention every word of `query`."""
    terms = _terms(query)
    found = []
    for bundle in catalog.bundles.values():
        if audience and bundle.audience.value != audience:
            continue
        if region and bundle.regions and not offered_in(catalog, bundle, region):
            continue
        texts = [bundle.code, bundle.name, bundle.description, *bundle.keywords,
                 *(i.name for i in bundle.items)]
        if _matches(terms, texts):
            found.append(bundle)
    return sorted(found, key=lambda b: b.code)


def offered_in(catalog: Catalog, bundle: Bundle, region: str) -> bool:
    """Whether `bundle` is offered in `region` (its own regions or any of their descendants)."""
    if not bundle.regions:
        return True
    code: str | None = region
    while code is not None:
        if code in bundle.regions:
            return True
        parent = catalog.regions.get(code)
        code = parent.parent if parent else None
    return False


def search_items(catalog: Catalog, query: str | None = None, department: str | None = None,
                 level: str | None = None) -> list[Item]:
    terms = _terms(query)
    found = [
        item for item in catalog.items.values()
        if (department is None or item.department.code == department)
        and (level is None or item.level.value == level)
        and _matches(terms, [item.code, item.name, item.department.name, item.description])
    ]
    return sorted(found, key=lambda i: i.code)


def bundles_using(catalog: Catalog, item_code: str) -> list[Bundle]:
    return [b for b in catalog.bundles.values() if any(i.code == item_code for i in b.items)]


@dataclass(frozen=True)
class RegionChoice:
    code: str
    label: str


def region_choices(catalog: Catalog, levels: Iterable[str],
                   with_code: bool = False) -> list[RegionChoice]:
    """The regions of `levels` as a list offers them: each under its parent's name
    (长沙市芙蓉区, 芙蓉区文艺路街道), by code; `with_code`: the code after the name."""
    regions, wanted = catalog.regions, set(levels)
    found = []
    for code, r in sorted(regions.items()):
        if r.level in wanted:
            parent = regions.get(r.parent or "")
            label = f"{parent.name if parent else ''}{r.name}"
            found.append(RegionChoice(code, f"{label}（{code}）" if with_code else label))
    return found
