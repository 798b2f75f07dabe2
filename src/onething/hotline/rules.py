"""What a 12345 ticket is, its flow and who may move it, and its due times. Pure.

The flow (国办发〔2020〕53号, 国办函〔2025〕66号):

    submitted ──accept──▶ accepted (受理; an operator's own ticket starts here)
    accepted ──answer──▶ answered (直接答复, closed)
             ──transfer─▶ transferred (转办 110/119/120/122, closed)
             ──redirect─▶ redirected (告知其他途径, closed)
             ──dispatch─▶ dispatched (派单 to a 主办 office and any 协办 offices)
    dispatched ──sign──▶ handling (签收)      ──return──▶ disputed (退单, with a reason)
    disputed ──reassign──▶ dispatched (改派)  ──overrule──▶ dispatched (the same office)
    handling ──reply──▶ replied (答复)
    replied ──approve──▶ closed (审核通过, 办结)  ──send_back──▶ handling (审核退回)
    closed ──callback──▶ visited (回访: satisfied / basic / not satisfied for a reason the
                          office does not own) | handling (not satisfied, office's fault: 重办)
    visited ──evaluate──▶ evaluated (评价)
    submitted | accepted ──merge──▶ merged (并单: a duplicate follows its parent ticket; it
                          gets the parent's reply when the parent ends)
    merged ──unmerge──▶ accepted (取消并单, while the parent has not ended: the ticket is
                          handled on its own again)

Moves that change no state: 延期 (`extend`, asked by the office while it handles;
`decide_extension` by the centre), 催办 (`urge`, by the centre). A ticket sent back to its
office three times (审核退回 and 重办) is escalated to 督办.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from onething.kernel.clock import CHINA
from onething.kernel.principal import Role
from onething.kernel.workdays import Calendar


class Channel(StrEnum):
    phone = "phone"
    web = "web"
    mobile = "mobile"
    open311 = "open311"
    email = "email"
    rating = "rating"  # 好差评: a bad rating turned into a complaint


class Kind(StrEnum):
    enquiry = "enquiry"  # 咨询
    help = "help"  # 求助
    complaint = "complaint"  # 投诉
    report = "report"  # 举报
    suggestion = "suggestion"  # 建议
    praise = "praise"  # 表扬


class Urgency(StrEnum):
    normal = "normal"  # 普通
    urgent = "urgent"  # 紧急


class Status(StrEnum):
    submitted = "submitted"  # 待受理 (sent in online by a citizen)
    accepted = "accepted"  # 已受理
    answered = "answered"  # 直接答复
    transferred = "transferred"  # 转办 110/119/120/122
    redirected = "redirected"  # 告知其他途径
    dispatched = "dispatched"  # 已派单，待签收
    disputed = "disputed"  # 退单，待中心审核
    handling = "handling"  # 办理中
    replied = "replied"  # 已答复，待审核
    closed = "closed"  # 办结，待回访
    visited = "visited"  # 已回访，待评价
    evaluated = "evaluated"  # 已评价
    merged = "merged"  # 已并单 (follows its parent ticket)


class Move(StrEnum):
    accept = "accept"
    answer = "answer"
    transfer = "transfer"
    redirect = "redirect"
    dispatch = "dispatch"
    sign = "sign"
    give_back = "return"  # 退单
    reassign = "reassign"
    overrule = "overrule"
    reply = "reply"
    approve = "approve"
    send_back = "send_back"
    callback = "callback"
    evaluate = "evaluate"
    extend = "extend"
    decide_extension = "decide_extension"
    urge = "urge"
    merge = "merge"  # 并单
    unmerge = "unmerge"  # 取消并单


class Emergency(StrEnum):
    """The emergency lines 12345 transfers to at once, outside its own flow."""

    police = "110"
    fire = "119"
    ambulance = "120"
    traffic = "122"


class OtherWay(StrEnum):
    """Requests that belong to another channel (告知其他途径)."""

    litigation = "litigation"  # 诉讼
    reconsideration = "reconsideration"  # 行政复议
    petition = "petition"  # 信访
    disclosure = "disclosure"  # 政府信息公开申请


class Satisfaction(StrEnum):
    satisfied = "satisfied"
    basic = "basic"
    unsatisfied = "unsatisfied"


class Fault(StrEnum):
    """Why a caller is not satisfied: the office's own (重办) or not."""

    office = "office"  # 主观原因：办理不到位、态度、未答复诉求
    objective = "objective"  # 客观原因：政策不允许、诉求不合理、条件不具备


KIND_NAMES = {Kind.enquiry: "咨询", Kind.help: "求助", Kind.complaint: "投诉",
              Kind.report: "举报", Kind.suggestion: "建议", Kind.praise: "表扬"}
CHANNEL_NAMES = {Channel.phone: "电话", Channel.web: "网站", Channel.mobile: "移动端",
                 Channel.open311: "Open311", Channel.email: "电子邮件",
                 Channel.rating: "好差评"}
URGENCY_NAMES = {Urgency.normal: "普通", Urgency.urgent: "紧急"}
STATUS_NAMES = {
    Status.submitted: "待受理", Status.accepted: "已受理", Status.answered: "已直接答复",
    Status.transferred: "已转办", Status.redirected: "已告知其他途径",
    Status.dispatched: "已派单，待签收", Status.disputed: "退单待审核",
    Status.handling: "办理中", Status.replied: "已答复，待审核", Status.closed: "已办结，待回访",
    Status.visited: "已回访", Status.evaluated: "已评价", Status.merged: "已并单"}
MOVE_NAMES = {
    Move.accept: "受理", Move.answer: "直接答复", Move.transfer: "转办紧急热线",
    Move.redirect: "告知其他途径", Move.dispatch: "派单", Move.sign: "签收",
    Move.give_back: "退单", Move.reassign: "改派", Move.overrule: "驳回退单",
    Move.reply: "答复", Move.approve: "审核通过", Move.send_back: "审核退回",
    Move.callback: "回访", Move.evaluate: "评价", Move.extend: "申请延期",
    Move.decide_extension: "审批延期", Move.urge: "催办", Move.merge: "并单",
    Move.unmerge: "取消并单"}
# every step a timeline records: the moves, and the steps no one takes as a move
STEP_NAMES = {**{m.value: n for m, n in MOVE_NAMES.items()},
              "submit": "在线提交", "escalate": "转督办", "reopen": "重办", "assist": "协办意见",
              "merged_in": "重复工单并入", "merged_out": "重复工单取消并单",
              "parent_ended": "主工单办结"}
EMERGENCY_NAMES = {Emergency.police: "110 报警", Emergency.fire: "119 火警",
                   Emergency.ambulance: "120 急救", Emergency.traffic: "122 交通事故"}
OTHER_WAY_NAMES = {OtherWay.litigation: "诉讼", OtherWay.reconsideration: "行政复议",
                   OtherWay.petition: "信访", OtherWay.disclosure: "政府信息公开申请"}
SATISFACTION_NAMES = {Satisfaction.satisfied: "满意", Satisfaction.basic: "基本满意",
                      Satisfaction.unsatisfied: "不满意"}
LEVELS = ("county", "city", "province")

CENTRE, OFFICE, CALLER = "centre", "office", "caller"  # who takes a move
# (state, move) → (next state, who); None: the state does not change
TABLE: dict[tuple[Status, Move], tuple[Status | None, str]] = {
    (Status.submitted, Move.accept): (Status.accepted, CENTRE),
    (Status.accepted, Move.answer): (Status.answered, CENTRE),
    (Status.accepted, Move.transfer): (Status.transferred, CENTRE),
    (Status.accepted, Move.redirect): (Status.redirected, CENTRE),
    (Status.accepted, Move.dispatch): (Status.dispatched, CENTRE),
    (Status.dispatched, Move.sign): (Status.handling, OFFICE),
    (Status.dispatched, Move.give_back): (Status.disputed, OFFICE),
    (Status.disputed, Move.reassign): (Status.dispatched, CENTRE),
    (Status.disputed, Move.overrule): (Status.dispatched, CENTRE),
    (Status.handling, Move.reply): (Status.replied, OFFICE),
    (Status.handling, Move.extend): (None, OFFICE),
    (Status.handling, Move.decide_extension): (None, CENTRE),
    (Status.replied, Move.approve): (Status.closed, CENTRE),
    (Status.replied, Move.send_back): (Status.handling, CENTRE),
    (Status.closed, Move.callback): (Status.visited, CENTRE),
    (Status.visited, Move.evaluate): (Status.evaluated, CENTRE),
    (Status.dispatched, Move.urge): (None, CENTRE),
    (Status.handling, Move.urge): (None, CENTRE),
    (Status.submitted, Move.merge): (Status.merged, CENTRE),
    (Status.accepted, Move.merge): (Status.merged, CENTRE),
    (Status.merged, Move.unmerge): (Status.accepted, CENTRE),
}
OPEN = frozenset({Status.submitted, Status.accepted, Status.dispatched, Status.disputed,
                  Status.handling, Status.replied})
ENDED = frozenset({Status.answered, Status.transferred, Status.redirected, Status.closed,
                   Status.visited, Status.evaluated})
MERGEABLE = frozenset({Status.submitted, Status.accepted})  # 并单 comes before 派单
ASSISTING = frozenset({Status.dispatched, Status.handling, Status.replied})  # 协办意见
SIGNING = frozenset({Status.dispatched, Status.disputed})  # the 签收 clock runs
REPLYING = frozenset({Status.dispatched, Status.disputed, Status.handling})  # the 答复 clock
ESCALATE_AFTER = 3  # returns to the office (审核退回, 重办) before 督办
DESCRIPTION_MAX = 4000


class IllegalMove(Exception):
    """The move is not in the table for this state."""


def next_status(status: Status, move: Move) -> Status:
    """The state after `move` (the same for a move that changes none); IllegalMove if the
    table has no such move in this state."""
    found = TABLE.get((status, move))
    if found is None:
        raise IllegalMove(f"{status.value} × {move.value}")
    return found[0] or status


def taken_by(move: Move) -> str:
    return next(who for (_, m), (_, who) in TABLE.items() if m == move)


def is_operator(role: Role) -> bool:
    return role == Role.operator


def moves(status: Status, side: str, *, extension_asked: bool = False) -> list[Move]:
    """The moves `side` (CENTRE, OFFICE) may take in `status`, in the table's order, less
    those the ticket's facts settle (an extension asked and not decided, or none asked)."""
    found = [m for (s, m), (_, who) in TABLE.items() if s == status and who == side]
    if extension_asked:
        found = [m for m in found if m != Move.extend]
    else:
        found = [m for m in found if m != Move.decide_extension]
    return found


def reopens(satisfaction: Satisfaction, fault: Fault | None) -> bool:
    """Not satisfied for a reason the office owns: 重办."""
    return satisfaction == Satisfaction.unsatisfied and fault == Fault.office


def escalates(returns: int) -> bool:
    return returns >= ESCALATE_AFTER


@dataclass(frozen=True)
class Limit:
    """A time limit: `working_days` (whole days, on the calendar) or `hours` (the clock)."""

    unit: str  # working_days | hours
    value: float

    @property
    def text(self) -> str:
        if self.unit == "hours":
            minutes = round(self.value * 60)
            return f"{minutes} 分钟" if minutes < 60 else f"{self.value:g} 小时"
        return f"{int(self.value)} 个工作日"


def due_at(limit: Limit, start: dt.datetime, calendar: Calendar) -> dt.datetime:
    """When a limit counted from `start` runs out: `hours` on the clock; `working_days`
    counted from the day after `start` (China date), due at the end of the last day (the
    first instant of the next day, China time), so a holiday moves it."""
    if limit.unit == "hours":
        return start + dt.timedelta(hours=limit.value)
    day = calendar.add(start.astimezone(CHINA).date(), int(limit.value)).date
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    return end.astimezone(dt.UTC)


def due_day(when: dt.datetime) -> dt.date:
    """The China date a due time falls on (the last day it may be met), as supervision
    watches it: an end-of-day deadline (midnight) belongs to the day before."""
    local = when.astimezone(CHINA)
    if local.time() == dt.time():
        return local.date() - dt.timedelta(days=1)
    return local.date()


# --- 并单 (duplicates) -----------------------------------------------------------------


@dataclass(frozen=True)
class MergeRule:
    """When two tickets are the same 诉求 (国办函〔2025〕66号: 重复诉求合并办理): received
    within `window_hours` of each other, and, when both give a position, within `metres`."""

    window_hours: int = 72
    metres: float = 300.0


@dataclass(frozen=True)
class Place:
    """What the duplicate rule compares of a ticket."""

    category: str
    region: str
    received_at: dt.datetime
    lat: float | None = None
    long: float | None = None
    address: str | None = None


@functools.lru_cache(maxsize=4096)  # the same few streets over and over
def normalised(address: str | None) -> str:
    """An address as compared: full-width folded to half-width (NFKC), lower case, without
    spaces or punctuation."""
    text = unicodedata.normalize("NFKC", address or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def metres_between(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """The great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def due_text(when: dt.datetime | None) -> str:
    """A deadline as people read it, in China's time: one at midnight is the end of the day
    before (24:00), as the working-day limits count."""
    if when is None:
        return "—"
    local = when.astimezone(CHINA)
    if local.time() == dt.time():
        return f"{(local - dt.timedelta(days=1)).date().isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def duplicates(a: Place, b: Place, rule: MergeRule) -> bool:
    """Whether `b` may be the same 诉求 as `a`: the same category leaf and region, received
    within the window, and the same place — within `rule.metres` when both give latitude
    and longitude, else the same normalised address. A ticket that names only its region
    is never suggested (a county is not a place)."""
    if a.category != b.category or a.region != b.region:
        return False
    if abs(a.received_at - b.received_at) > dt.timedelta(hours=rule.window_hours):
        return False
    if None not in (a.lat, a.long, b.lat, b.long):
        assert a.lat is not None and a.long is not None
        assert b.lat is not None and b.long is not None
        return metres_between(a.lat, a.long, b.lat, b.long) <= rule.metres
    here, there = normalised(a.address), normalised(b.address)
    return bool(here) and here == there
