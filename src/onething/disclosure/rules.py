"""The rules of 依申请公开 (政府信息公开条例 arts. 29–37), pure: the states and the moves
between them, the clock on the working-day calendar, the reply types and what each must
say.

The clock (art. 33): the reply is due `REPLY_DAYS` working days after the request is
received — counted from the day after, as every limit — or after the correction (补正,
art. 30) arrives, which starts it again. A third party's consultation (art. 32) does not
count: its working days, at most `CONSULT_DAYS`, are added. One extension of at most
`MAX_EXTENSION` working days, approved and told to the applicant, gives `extended_due_on`
counted from `due_on`.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from onething.kernel.workdays import Calendar

REPLY_DAYS = 20  # art. 33
MAX_EXTENSION = 20  # art. 33
CORRECTION_ASK_DAYS = 7  # art. 30: 补正 asked within 7 working days of receipt
CONSULT_DAYS = 15  # art. 32: the third party's time
SUBJECT = "disclosure"  # as supervision watches the reply's deadline
REDRESS_WORDS = ("行政复议", "行政诉讼")  # what every reply's redress text names


class Status(enum.StrEnum):
    received = "received"  # 办理中: the clock runs
    correcting = "correcting"  # 待补正: the clock stopped until the correction arrives
    consulting = "consulting"  # 征求第三方意见: the third party's days do not count
    replied = "replied"  # 已答复
    withdrawn = "withdrawn"  # 已撤回, or 视为放弃 (no correction in time)


STATUS_NAMES = {Status.received: "办理中", Status.correcting: "待补正",
                Status.consulting: "征求第三方意见", Status.replied: "已答复",
                Status.withdrawn: "已撤回"}
OPEN = (Status.received, Status.correcting, Status.consulting)


class Move(enum.StrEnum):
    ask_correction = "ask_correction"  # 告知补正
    correct = "correct"  # 补正 arrived
    lapse = "lapse"  # no correction in the time set: 视为放弃
    extend = "extend"  # 延期答复
    consult = "consult"  # 征求第三方意见
    consulted = "consulted"  # the third party answered, or its time passed
    reply = "reply"  # 答复
    withdraw = "withdraw"  # the applicant withdraws


class Side(enum.StrEnum):
    office = "office"  # the handling office's approvers (and administrators)
    applicant = "applicant"  # the applicant (online) or the office recording for them
    system = "system"  # the platform's own job


# (state, move) → (next state, who takes it)
TABLE: dict[tuple[Status, Move], tuple[Status, frozenset[Side]]] = {
    (Status.received, Move.ask_correction): (Status.correcting, frozenset({Side.office})),
    (Status.correcting, Move.correct): (Status.received,
                                        frozenset({Side.applicant, Side.office})),
    (Status.correcting, Move.lapse): (Status.withdrawn, frozenset({Side.system})),
    (Status.received, Move.extend): (Status.received, frozenset({Side.office})),
    (Status.received, Move.consult): (Status.consulting, frozenset({Side.office})),
    (Status.consulting, Move.consulted): (Status.received, frozenset({Side.office})),
    (Status.received, Move.reply): (Status.replied, frozenset({Side.office})),
    (Status.received, Move.withdraw): (Status.withdrawn, frozenset({Side.applicant})),
    (Status.correcting, Move.withdraw): (Status.withdrawn, frozenset({Side.applicant})),
    (Status.consulting, Move.withdraw): (Status.withdrawn, frozenset({Side.applicant})),
}
MOVE_NAMES = {Move.ask_correction: "告知补正", Move.correct: "补正", Move.lapse: "视为放弃",
              Move.extend: "延期答复", Move.consult: "征求第三方意见",
              Move.consulted: "第三方意见已回复", Move.reply: "答复", Move.withdraw: "撤回申请"}


def next_status(status: Status, move: Move, side: Side) -> Status | None:
    """The state after `move` taken by `side`, or None when the table has no such move."""
    found = TABLE.get((status, move))
    return found[0] if found is not None and side in found[1] else None


def moves(status: Status, side: Side) -> list[Move]:
    return [m for (s, m), (_, sides) in TABLE.items() if s == status and side in sides]


# --- who asks -----------------------------------------------------------------------------


class ApplicantType(enum.StrEnum):
    person = "person"  # 自然人
    business = "business"  # 商业企业
    research = "research"  # 科研机构
    charity = "charity"  # 社会公益组织
    legal = "legal"  # 法律服务机构
    other = "other"  # 其他组织


APPLICANT_TYPE_NAMES = {ApplicantType.person: "自然人", ApplicantType.business: "商业企业",
                        ApplicantType.research: "科研机构",
                        ApplicantType.charity: "社会公益组织",
                        ApplicantType.legal: "法律服务机构", ApplicantType.other: "其他"}


class Channel(enum.StrEnum):
    online = "online"  # 网上申请
    post = "post"  # 信函
    in_person = "in_person"  # 当面


CHANNEL_NAMES = {Channel.online: "网上申请", Channel.post: "信函申请",
                 Channel.in_person: "当面申请"}


class Delivery(enum.StrEnum):
    online = "online"  # 在线查阅下载
    email = "email"  # 电子邮件
    post = "post"  # 邮寄纸质件
    pickup = "pickup"  # 当面领取


DELIVERY_NAMES = {Delivery.online: "在线查阅、下载", Delivery.email: "电子邮件",
                  Delivery.post: "邮寄纸质件", Delivery.pickup: "当面领取"}


# --- the reply (art. 36) ----------------------------------------------------------------


class ReplyKind(enum.StrEnum):
    proactive = "proactive"  # 已主动公开
    disclose = "disclose"  # 予以公开
    partial = "partial"  # 部分公开 (art. 37)
    refuse = "refuse"  # 不予公开
    not_exist = "not_exist"  # 信息不存在
    not_ours = "not_ours"  # 非本机关负责公开
    duplicate = "duplicate"  # 重复申请
    not_processed = "not_processed"  # 不予处理 (art. 35)


REPLY_NAMES = {ReplyKind.proactive: "已主动公开", ReplyKind.disclose: "予以公开",
               ReplyKind.partial: "部分公开", ReplyKind.refuse: "不予公开",
               ReplyKind.not_exist: "信息不存在", ReplyKind.not_ours: "非本机关负责公开",
               ReplyKind.duplicate: "重复申请", ReplyKind.not_processed: "不予处理"}


@dataclass(frozen=True)
class Part:
    name: str  # the reply's field
    label: str  # as the form and the reply show it
    hint: str


HOW = Part("how_to_obtain", "获取方式和途径", "公开的载体、网址、查阅地点或提供的时间和方式")
WITHHELD = Part("withheld", "不予公开的部分", "哪些内容不予公开")
REASON = Part("reason", "理由", "作出该答复的理由")
BASIS = Part("basis", "法律依据", "所依据的法律、法规条款，如《政府信息公开条例》第十四条")
SEARCH = Part("reason", "检索情况", "本机关检索的范围、方式和结果")
BODY = Part("responsible_body", "负责公开的机关", "知道的，写明负责公开该信息的机关名称和联系方式")
EARLIER = Part("reason", "此前的答复", "此前答复的时间、文号和内容")

# what each type must say (all of them), and what it may say (the responsible body when
# the office knows it); 予以公开 and 部分公开 also give the information: the document
# attached, or how and when it is given
REQUIRED: dict[ReplyKind, tuple[Part, ...]] = {
    ReplyKind.proactive: (HOW,),
    ReplyKind.disclose: (),
    ReplyKind.partial: (WITHHELD, REASON, BASIS),
    ReplyKind.refuse: (REASON, BASIS),
    ReplyKind.not_exist: (SEARCH,),
    ReplyKind.not_ours: (REASON,),
    ReplyKind.duplicate: (EARLIER,),
    ReplyKind.not_processed: (REASON, BASIS),
}
OPTIONAL: dict[ReplyKind, tuple[Part, ...]] = {ReplyKind.not_ours: (BODY,)}
GIVES_INFORMATION = frozenset({ReplyKind.disclose, ReplyKind.partial})


def parts(kind: ReplyKind) -> tuple[Part, ...]:
    """The parts a reply of `kind` shows, the required first (one field once)."""
    seen: dict[str, Part] = {}
    for p in (*REQUIRED[kind], *OPTIONAL.get(kind, ()),
              *((HOW,) if kind in GIVES_INFORMATION else ())):
        seen.setdefault(p.name, p)
    return tuple(seen.values())


def missing_parts(kind: ReplyKind, given: dict[str, str], has_document: bool,
                  redress: str) -> dict[str, str]:
    """What a reply of `kind` lacks, by field, with the reason (empty when complete)."""
    problems = {p.name: f"{REPLY_NAMES[kind]}的答复须写明{p.label}"
                for p in REQUIRED[kind] if not given.get(p.name, "").strip()}
    if kind in GIVES_INFORMATION and not has_document and not given.get(HOW.name, "").strip():
        problems[HOW.name] = (f"{REPLY_NAMES[kind]}的答复须附上公开的信息，"
                              "或写明提供的方式和时间")
    if not all(word in redress for word in REDRESS_WORDS):
        problems["redress"] = "答复须告知申请人申请行政复议和提起行政诉讼的途径和期限"
    return problems


def redress_text(office: str, government: str) -> str:
    """The redress every reply states (条例 art. 51; 行政复议法, 行政诉讼法)."""
    return (f"如对本答复不服，可以自收到本答复之日起 60 日内向{government}申请行政复议，"
            f"或者自收到本答复之日起 6 个月内依法向人民法院提起行政诉讼（被告为{office}）。")


# --- the clock ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    due_on: dt.date
    extended_due_on: dt.date | None

    @property
    def deadline(self) -> dt.date:
        return self.extended_due_on or self.due_on


def clock(calendar: Calendar, start: dt.date, paused_days: int,
          extension_days: int) -> Clock:
    """The reply's due day: `REPLY_DAYS` working days after `start` (the day received, or
    the day the correction arrived) and the `paused_days` of a consultation; with an
    extension, `extension_days` more after that."""
    due = calendar.add(start, REPLY_DAYS + paused_days).date
    return Clock(due, calendar.add(due, extension_days).date if extension_days else None)


def paused(calendar: Calendar, sent_on: dt.date, back_on: dt.date) -> int:
    """The working days a consultation sent on `sent_on` and answered on `back_on` does not
    count: those after it was sent up to its answer, at most the third party's
    `CONSULT_DAYS`."""
    return min(calendar.count(sent_on, back_on), CONSULT_DAYS)


def correction_asked_in_time(calendar: Calendar, received_on: dt.date,
                             today: dt.date) -> bool:
    """Art. 30: 补正 is asked at most `CORRECTION_ASK_DAYS` working days after receipt."""
    return today <= calendar.add(received_on, CORRECTION_ASK_DAYS).date
