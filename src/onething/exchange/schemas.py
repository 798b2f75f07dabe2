"""The shapes of the exchange's API (pydantic); the package itself is the JSON Schema's."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ForwardingIn(BaseModel):
    partner: str = Field(max_length=16, description="合作平台代码（合作平台配置文件中的 code）")
    reason: str = Field(max_length=500, description="转外省（市）办理的理由")
    region: str | None = Field(default=None, pattern=r"^\d{6}$", description=(
        "在对方平台办理的行政区划代码；省略则为本办件的受理地区"))
