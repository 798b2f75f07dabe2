"""The context of every case service: the kernel's context and the catalog in force."""

from __future__ import annotations

from dataclasses import dataclass

from onething.catalog.linked import Catalog
from onething.kernel.context import Context


@dataclass(frozen=True, kw_only=True)
class Ctx(Context):
    catalog: Catalog
