"""The facts of the wallet, as domain events (`onething.kernel.bus`): ids and values, no rows.

- `LicenceIssued` → profiles record (or update) the company a 营业执照 registers
  (一企一档). Published by licences' handler of `TaskApproved`, in the same unit of work,
  once the licence is in the wallet (valid, or held while 容缺 is not supplemented).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from onething.kernel.bus import Event


@dataclass(frozen=True)
class LicenceIssued(Event):
    """A licence was issued into its owner's wallet: its type, whom it is about (kind
    applicant | person | company, name, ID number or 统一社会信用代码), the values its item
    created (`data`) and the region of the office that issued it."""

    licence_id: int
    number: str
    licence_type: str
    application_id: int
    task_id: int
    owner_id: int  # whose wallet
    holder_kind: str
    holder_title: str
    holder_name: str
    holder_number: str | None
    region_code: str  # the issuing office's region
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))
