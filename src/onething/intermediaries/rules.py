"""What the intermediary market (中介服务超市) is, pure: the selection methods, funding
sources, the states of an intermediary and of a project, the mandatory rules for public money,
who wins a selection, and an intermediary's credit score.

The numbers below are the platform's settings, not law where no source confirms them: the
2 working days of the 入驻 check (Hunan's 2020 rules), 3 candidates for 随机抽取 and 3 bids
for 竞价 when 财政性资金 pays (practice of other markets), the credit score's base and moves
(the platform's own).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum

from onething.catalog.spec import AGENCY_SERVICE_NAMES, AgencyService
from onething.kernel import regions as region_tree
from onething.kernel.principal import Principal, Role

__all__ = ["AGENCY_SERVICE_NAMES", "AgencyService"]

# the defaults of the settings ONETHING_AGENCY_REVIEW_DAYS (working days within which an
# administrator checks an 入驻 application) and ONETHING_AGENCY_MIN_PUBLIC (随机抽取 paid by
# 财政性资金: at least this many in the pool; 竞价 and 择优: at least this many valid bids)
REVIEW_DAYS = 2
MIN_PUBLIC = 3
CREDIT_BASE = 100  # an approved intermediary's credit score before any rating or complaint
CREDIT_PER_STAR = 2  # a rating of r (1–5) moves the score by (r − 3) × CREDIT_PER_STAR
CREDIT_PER_COMPLAINT = 10  # an upheld complaint takes this much off
DRAW_LABEL = "agencies"  # the draw's stream for 随机抽取 (docs/DRAW.md)
TIE_LABEL = "agencies:tie"  # the stream that breaks a tie of 竞价 or 择优


class AgencyStatus(StrEnum):
    pending = "pending"  # 入驻 applied for, waiting for the administrators' check
    approved = "approved"  # 已入驻: may be chosen, drawn and bid
    rejected = "rejected"  # 未通过: may apply again


class Method(StrEnum):
    direct = "direct"  # 直接选取: the buyer names one
    random = "random"  # 随机抽取: drawn from every qualified intermediary
    bidding = "bidding"  # 竞价: the lowest valid bid
    merit = "merit"  # 择优: the buyer scores the bids, the best score wins


class Funding(StrEnum):
    public = "public"  # 财政性资金: the mandatory rules apply
    own = "own"  # 自有资金


class ProjectStatus(StrEnum):
    open = "open"  # taking bids (竞价, 择优) or waiting for the selection
    frozen = "frozen"  # 随机抽取: the pool frozen and the seed committed, the draw to come
    selected = "selected"  # an intermediary chosen
    contracted = "contracted"  # the contract signed
    delivered = "delivered"  # the intermediary delivered its work
    closed = "closed"  # the buyer rated it
    failed = "failed"  # the selection failed (流标), with its reason


METHOD_NAMES = {Method.direct: "直接选取", Method.random: "随机抽取", Method.bidding: "竞价",
                Method.merit: "择优"}
FUNDING_NAMES = {Funding.public: "财政性资金", Funding.own: "自有资金"}
AGENCY_STATUS_NAMES = {AgencyStatus.pending: "待审核", AgencyStatus.approved: "已入驻",
                       AgencyStatus.rejected: "未通过"}
PROJECT_STATUS_NAMES = {
    ProjectStatus.open: "征集中", ProjectStatus.frozen: "待抽取", ProjectStatus.selected: "已选定",
    ProjectStatus.contracted: "已签约", ProjectStatus.delivered: "已交付",
    ProjectStatus.closed: "已评价", ProjectStatus.failed: "选取失败"}
TAKES_BIDS = frozenset({Method.bidding, Method.merit})
COMPLAINABLE = frozenset({ProjectStatus.contracted, ProjectStatus.delivered,
                          ProjectStatus.closed})


def serves(services: Iterable[str], service_regions: Iterable[str],
           regions: Mapping[str, region_tree.Node], service: str, region: str) -> str | None:
    """Why an intermediary may not do a project's work (its service type or its region), in
    Chinese; None when it is qualified."""
    if service not in set(services):
        return f"未登记“{AGENCY_SERVICE_NAMES[AgencyService(service)]}”服务类别"
    if not set(region_tree.ancestors(regions, region)) & set(service_regions):
        return "服务区域不含项目所在地"
    return None


def too_few(funding: Funding, method: Method, count: int, minimum: int = MIN_PUBLIC
            ) -> str | None:
    """The mandatory rule of public money a selection breaks (in Chinese), or None."""
    if funding != Funding.public or count >= minimum:
        return None
    if method == Method.random:
        return f"财政性资金项目随机抽取须至少 {minimum} 家符合条件的中介机构，现有 {count} 家"
    if method in TAKES_BIDS:
        return f"财政性资金项目须至少 {minimum} 家有效报价，现有 {count} 家"
    return None


def lowest(prices: Mapping[str, Decimal]) -> list[str]:
    """竞价: the bidders (ids) tied at the lowest price."""
    if not prices:
        return []
    best = min(prices.values())
    return sorted(uscc for uscc, price in prices.items() if price == best)


def best_scored(scores: Mapping[str, int]) -> list[str]:
    """择优: the bidders tied at the highest score."""
    if not scores:
        return []
    top = max(scores.values())
    return sorted(uscc for uscc, score in scores.items() if score == top)


def credit_score(ratings: Sequence[int], upheld_complaints: int) -> int:
    """CREDIT_BASE, moved (r − 3) × CREDIT_PER_STAR by each rating r and down
    CREDIT_PER_COMPLAINT by each upheld complaint; never below 0."""
    moved = sum((r - 3) * CREDIT_PER_STAR for r in ratings)
    return max(0, CREDIT_BASE + moved - CREDIT_PER_COMPLAINT * upheld_complaints)


def reviews(actor: Principal) -> bool:
    """Who checks 入驻 applications and decides complaints: administrators."""
    return actor.role == Role.admin


def joins(actor: Principal) -> bool:
    """Who applies for 入驻 and acts for an intermediary: its legal representative's account."""
    return actor.role == Role.applicant


def buys(actor: Principal) -> bool:
    """Who posts projects: a department's approvers, or an applicant for their own need."""
    return actor.role in (Role.approver, Role.applicant)
