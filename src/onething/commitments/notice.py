"""The written notice of 告知承诺 (国办发〔2020〕42号), per item and material. Pure.

The administration tells the applicant in writing what must hold (证明义务), what the
commitment replaces (证明内容), how to commit, that the office will check, and what a
false commitment costs; the applicant commits in writing. An item's catalog entry may
word the conditions and the consequence (`commitment_notice`); whatever it leaves out is
generated from the item and the material.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from onething.catalog.linked import Item, Material

DEFAULT_CONSEQUENCE = (
    "行政机关将在作出决定后对承诺内容进行核查。经核查承诺不实的，依法终止办理；已作出决定的，"
    "依法撤销该决定及据此核发的证照，并依法予以行政处罚；虚假承诺情况记入申请人信用记录（失信），"
    "在信用修复前不再适用告知承诺和容缺受理。")


@dataclass(frozen=True)
class Notice:
    """The notice for one item and one material, and the commitment the applicant signs."""

    item: str
    item_name: str
    material: str
    material_name: str
    conditions: str  # 证明义务：what must hold
    statement: str  # 承诺内容：what the applicant commits to
    consequence: str  # 不实承诺的法律责任

    @property
    def text(self) -> str:
        """The whole notice as shown, kept with the signed commitment."""
        return (f"告知承诺书（{self.item_name}）\n一、告知的条件：{self.conditions}\n"
                f"二、承诺的内容：{self.statement}\n三、不实承诺的后果：{self.consequence}")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.text}


def notice_for(item: Item, material: Material) -> Notice:
    given = item.commitment_notice
    conditions = (given.conditions if given and given.conditions else
                  f"办理“{item.name}”须具备“{material.name}”所证明的条件；选择告知承诺的，"
                  f"无需提交“{material.name}”，以书面承诺代替。")
    statement = (f"本人已阅读并知晓上述告知内容，承诺已符合办理“{item.name}”所要求的、"
                 f"“{material.name}”所证明的条件，所填信息真实、准确、完整；愿意接受行政机关"
                 "核查并予以配合，愿意承担不实承诺的法律责任。")
    consequence = given.consequence if given and given.consequence else DEFAULT_CONSEQUENCE
    return Notice(item.code, item.name, material.code, material.name, conditions, statement,
                  consequence)


def notices_for(items: dict[str, Item], material: Material, item_codes: list[str]
                ) -> list[Notice]:
    """One notice per item that asks for the material (a merged material may serve several)."""
    return [notice_for(items[code], material) for code in dict.fromkeys(item_codes)
            if code in items]
