"""The catalog file format as Pydantic models.

These models are the single source of the published JSON Schema
(`onething catalog schema`) and of the structural checks of
`onething catalog validate`. Cross-references (an item naming a department,
a bundle naming an item, an expression naming a question) are checked in
`validate.py`, which knows where in which file each entity was written.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from onething.kernel.privacy import Personal

Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$"),
]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[1-9]\d{5}(\d{3}(\d{3})?)?$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True,
                                        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]
Expression = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Days = Annotated[int, Field(ge=0, le=3650)]


class Level(StrEnum):
    """Administrative level of a region, and the level at which an item is handled."""

    province = "province"
    city = "city"
    county = "county"
    township = "township"
    village = "village"


LEVEL_ORDER: list[Level] = list(Level)  # from the top down

LEVEL_NAMES: dict[Level, str] = {
    Level.province: "省级",
    Level.city: "市级",
    Level.county: "县级",
    Level.township: "乡镇（街道）级",
    Level.village: "村（社区）级",
}


class ItemType(StrEnum):
    """Kinds of government-service items (事项类型)."""

    licensing = "行政许可"
    confirmation = "行政确认"
    adjudication = "行政裁决"
    payment = "行政给付"
    award = "行政奖励"
    filing = "行政备案"
    levy = "行政征收"
    other_power = "其他行政权力"
    public_service = "公共服务"


class QuestionType(StrEnum):
    bool = "bool"
    choice = "choice"
    multichoice = "multichoice"
    number = "number"
    integer = "integer"
    text = "text"


class FieldType(StrEnum):
    text = "text"
    textarea = "textarea"
    number = "number"
    integer = "integer"
    date = "date"
    bool = "bool"
    choice = "choice"
    id_number = "id_number"  # 居民身份证号, GB 11643
    uscc = "uscc"  # 统一社会信用代码, GB 32100
    phone = "phone"
    email = "email"
    region = "region"  # 行政区划代码, GB/T 2260


PERSONAL_TYPES = {FieldType.id_number: Personal.id_number, FieldType.phone: Personal.phone}


class Audience(StrEnum):
    person = "person"  # 个人办事
    company = "company"  # 法人办事


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Options = dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], Name]


class RegionSpec(_Spec):
    """行政区划, GB/T 2260 (6 digits), 9 or 12 digits for townships and villages."""

    code: RegionCode
    name: Name
    level: Level
    parent: RegionCode | None = None


class DepartmentSpec(_Spec):
    """A kind of office that exists in every region (市场监督管理局)."""

    code: Code
    name: Name
    short_name: Name | None = None
    # what its office is called at a level, where that is not the region's name followed by
    # `name` (a county's 卫生健康局, a street's 社区卫生服务中心): `{region}` is the region's
    # name, `{parent}` the name of the region above it
    offices: dict[Level, Name] = {}


class FieldSpec(_Spec):
    """A reusable data element of the merged form (一表申请)."""

    code: Code
    label: Name
    type: FieldType = FieldType.text
    required: bool = True
    min: float | None = None
    max: float | None = None
    max_length: Annotated[int, Field(ge=1, le=10000)] | None = None
    pattern: str | None = None
    options: Options | None = None
    help: str | None = None
    personal: Personal | None = None  # id_number and phone fields are personal anyway


class AgencyService(StrEnum):
    """The types of intermediary service (中介服务) the intermediary market (中介服务超市)
    offers: 技术审查, 论证, 评估, 评价, 检验, 检测, 鉴定, 鉴证, 证明, 咨询, 实验."""

    review = "review"
    demonstration = "demonstration"
    assessment = "assessment"
    evaluation = "evaluation"
    inspection = "inspection"
    testing = "testing"
    appraisal = "appraisal"
    attestation = "attestation"
    certification = "certification"
    consulting = "consulting"
    experiment = "experiment"


AGENCY_SERVICE_NAMES: dict[AgencyService, str] = {
    AgencyService.review: "技术审查", AgencyService.demonstration: "论证",
    AgencyService.assessment: "评估", AgencyService.evaluation: "评价",
    AgencyService.inspection: "检验", AgencyService.testing: "检测",
    AgencyService.appraisal: "鉴定", AgencyService.attestation: "鉴证",
    AgencyService.certification: "证明", AgencyService.consulting: "咨询",
    AgencyService.experiment: "实验",
}


class MaterialSpec(_Spec):
    """A reusable material definition (居民身份证, 租赁合同 …)."""

    code: Code
    name: Name
    licence_type: Code | None = None
    description: str | None = None
    source: str | None = None  # 来源渠道: 申请人自备 / 政府部门核发 …
    paper_copies: Annotated[int, Field(ge=0, le=100)] = 0  # 0 = electronic only
    # an intermediary's report: the guide links it to the intermediary market (中介服务超市)
    intermediary_service: AgencyService | None = None


class MaterialUseSpec(_Spec):
    """A material as one item asks for it."""

    material: Code
    key: bool = False  # 关键材料: cannot be missing at 容缺受理
    required: bool = True
    when: Expression | None = None
    commitment_allowed: bool = False  # 告知承诺 may replace it
    note: str | None = None


class FieldUseSpec(_Spec):
    """A form field as one item asks for it; written as a bare code or as a mapping."""

    field: Code
    when: Expression | None = None


def _field_use(value: Any) -> Any:
    return {"field": value} if isinstance(value, str) else value


FieldUse = Annotated[FieldUseSpec, BeforeValidator(_field_use)]


class HolderKind(StrEnum):
    """Whom a licence is about (持证主体): it goes into the applicant's wallet either way."""

    applicant = "applicant"  # the applicant in person (本人)
    person = "person"  # another natural person the applicant acts for: a child (子女)
    company = "company"  # a market entity (企业, 个体工商户) named by its 统一社会信用代码


class HolderSpec(_Spec):
    """Whom the result is about, read from the application's form when it is issued."""

    kind: HolderKind = HolderKind.applicant
    name: Code | None = None  # the form field with the holder's name
    id: Code | None = None  # the form field with the holder's ID number or USCC
    title: Name | None = None  # how the wallet names the holder: 子女, 个体工商户 …


class ResultSpec(_Spec):
    licence_type: Code
    name: Name
    valid_years: Annotated[int, Field(ge=0, le=100)] | None = None  # None = long-term
    # form fields whose values this item creates (统一社会信用代码, 银行账号 …): set when it is
    # approved, never asked of the applicant where the item runs in an earlier stage
    fills: list[Code] = []
    holder: HolderSpec | None = None  # None: the applicant


Visits = Annotated[int, Field(ge=0, le=20)]
Money = Annotated[float, Field(ge=0, le=9_999_999_999.99, allow_inf_nan=False)]


class CheckSpec(_Spec):
    """A cross-field check a clerk would make (交叉校验): a CEL rule over the merged form that
    must hold, and the message shown when it does not. The rule sees `form` (the values the
    form has, by field code: dates as timestamps at 00:00 China time, numbers as doubles,
    integers as ints) and `today` (today at 00:00 China time); it fires only when every
    field it names has a value."""

    rule: Expression
    message: Name


class PaymentSpec(_Spec):
    """Money the applicant pays beside the item's fixed `fee`, never added to it: a payment
    that is not an administrative fee (a social insurance contribution), or, with `fee`, an
    administrative fee (行政事业性收费) whose amount depends on the case (水土保持补偿费 by
    the area occupied): the guide lists it with the fees, its amount told by the note."""

    name: Name
    amount: Money | None = None  # None: set locally or per case, see the note
    unit: Name = "元"
    note: str | None = None
    fee: bool = False  # an administrative fee whose amount depends on the case


class CommitmentNoticeSpec(_Spec):
    """告知承诺书: what the applicant is told in writing before committing instead of proving
    (国办发〔2020〕42号). Parts left out are generated from the item and the material."""

    conditions: str | None = Field(default=None, max_length=2000)  # 证明义务: what must hold
    consequence: str | None = Field(default=None, max_length=2000)  # 不实承诺的法律责任


class AutoConditionSpec(_Spec):
    """One condition of an item's automatic decision (智能办, 秒批): a CEL rule and what it
    means in words (shown to the approver when it does not hold). The rule reads `form`
    (the application's values of the item's fields, typed as in `checks`), `licences` (the
    licence types the applicant holds, valid today), `profile` (the applicant's profile
    from the shared data: `age` and one map per person data set, as a policy reads it),
    `credit` (`bad`: a current 失信 record; `good`: on a 守信 list now) and `today`."""

    rule: Expression
    text: Name


class CrossRegion(StrEnum):
    """跨域通办: how far from its competent region an item may be received (异地代收)."""

    none = "none"  # only in the competent region (and the regions below it)
    city = "city"  # anywhere in the competent region's city (市域通办)
    province = "province"  # anywhere in the province (全省通办)
    nationwide = "nationwide"  # anywhere (跨省通办)


class RegionFrom(StrEnum):
    """Whose region's office is competent for an item."""

    receiving = "receiving"  # where the application is received (the default)
    applicant = "applicant"  # the applicant's registered region (户籍地, 登记地)


class FieldRegionSpec(_Spec):
    """The region a form field gives (`{field: business_region}`): the business address's,
    the household's."""

    field: Code


class ItemSpec(_Spec):
    """One administrative item (事项) of one department."""

    code: Code
    name: Name
    type: ItemType
    department: Code  # the competent department (主管部门), shown in the guide
    # the department whose office handles the task, where not the competent one's (the
    # bank opens the account the 人民银行 supervises); the task is routed to it
    handled_by: Code | None = None
    implementing_body: Name | None = None  # 实施主体, where it is not the department itself
    level: Level
    # whose region's office at `level` decides: the receiving region's (the default), the
    # applicant's registered region's, or that of a `region` field of the form
    competent_region: RegionFrom | FieldRegionSpec = RegionFrom.receiving
    cross_region: CrossRegion = CrossRegion.none  # where else it may be received (通办)
    legal_days: Days
    promised_days: Days
    fee: Money = 0  # 行政事业性收费
    payments: list[PaymentSpec] = []  # other payments, not fees
    visits: Visits = 1  # trips to a counter within its bundle (到办事现场次数)
    visits_alone: Visits = 2  # trips when applied for alone: to apply and to collect
    basis: str | None = None  # 设定依据
    description: str | None = None
    materials: list[MaterialUseSpec] = []
    fields: list[FieldUse] = []
    result: ResultSpec | None = None
    checks: list[CheckSpec] = []  # over the item's own fields
    commitment_notice: CommitmentNoticeSpec | None = None  # for materials it allows 告知承诺
    # 秒批: decided by the platform when its task opens if every condition holds (and the
    # applicant may use 秒批: no current 失信 record); else by people, as any other
    auto: Annotated[list[AutoConditionSpec], Field(max_length=20)] = []


class QuestionSpec(_Spec):
    """A situation question (情形)."""

    code: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$", max_length=64)]
    text: Name
    type: QuestionType
    options: Options | None = None
    default: Any = None
    help: str | None = None


class StageItemSpec(_Spec):
    item: Code
    when: Expression | None = None


class StageSpec(_Spec):
    name: Name | None = None
    items: list[StageItemSpec]


class BaselineSpec(_Spec):
    """Published before-the-reform figures of a bundle (改革前), shown in the guide with their
    source in place of the figures computed item by item. A figure left out stays computed;
    `when` limits the figures to the situation they were published for."""

    applications: Annotated[int, Field(ge=0, le=10000)] | None = None
    forms: Annotated[int, Field(ge=0, le=10000)] | None = None
    materials: Annotated[int, Field(ge=0, le=10000)] | None = None
    fields: Annotated[int, Field(ge=0, le=100000)] | None = None
    days: Days | None = None
    visits: Annotated[int, Field(ge=0, le=1000)] | None = None
    source: Annotated[str, StringConstraints(min_length=1, max_length=500,
                                             strip_whitespace=True)]
    when: Expression | None = None
    situation: Name | None = None  # the situation `when` stands for, in words


BASELINE_FIGURES = ("applications", "forms", "materials", "fields", "days", "visits")


class BundleSpec(_Spec):
    """A bundle (一件事): questions and stages of parallel items."""

    code: Code
    name: Name
    audience: Audience = Audience.person
    description: str | None = None
    keywords: list[Name] = []
    regions: list[RegionCode] = []  # where it is offered; empty = everywhere
    questions: list[QuestionSpec] = []
    stages: Annotated[list[StageSpec], Field(min_length=1)]
    promised_days: Days | None = None  # the bundle's own promise, if any
    visits: Visits | None = None  # trips in the bundle, if not the most of any item
    baseline: BaselineSpec | None = None
    checks: list[CheckSpec] = []  # over the fields of any of its items
    # 信用修复: when an application of it is completed (every task approved), the
    # applicant's current 失信 records are repaired
    repairs_credit: bool = False


class FactType(StrEnum):
    """What one fact of a shared data set holds."""

    text = "text"
    number = "number"
    integer = "integer"
    date = "date"
    bool = "bool"
    region = "region"  # 行政区划代码 of the catalog


class FactSpec(_Spec):
    """One column of a shared data set: a fact about its holder."""

    code: Annotated[str, StringConstraints(min_length=1, max_length=64,
                                           pattern=r"^[a-z][a-z0-9_]*$")]
    label: Name
    type: FactType = FactType.text
    required: bool = True  # every row gives it (else the column may be empty)
    options: list[Name] | None = None  # the values a text fact may take


class SourceHolder(StrEnum):
    person = "person"  # keyed by 居民身份证号 (`id_number`)
    company = "company"  # keyed by 统一社会信用代码 (`uscc`)


class SourceSpec(_Spec):
    """A data set another department shares (数据共享): who it is about, and its facts. Loaded
    from CSV or JSON lines with `onething data load CODE FILE`; a `monthly` set has one row
    per holder and month (column `month`, YYYY-MM), any other one row per holder."""

    code: Code
    name: Name
    department: Code
    holder: SourceHolder
    monthly: bool = False
    description: str | None = Field(default=None, max_length=2000)
    facts: Annotated[list[FactSpec], Field(min_length=1, max_length=64)]


class PolicyTier(StrEnum):
    proactive = "proactive"  # 免申即享: paid without applying
    quick = "quick"  # 快申快享: a short confirmation, redeemed within 60 working days
    on_request = "on_request"  # 依申请: the statutory procedure


class Recurrence(StrEnum):
    once = "once"
    monthly = "monthly"
    yearly = "yearly"


class PolicyConditionSpec(_Spec):
    """One condition of a policy: a CEL rule over the holder's profile, and what it means in
    words (what the policy calculator says a holder does not meet)."""

    rule: Expression
    text: Name


class PolicySpec(_Spec):
    """A policy (政策) paid from what the platform knows (免申即享): who qualifies (every
    condition holds: CEL rules over the holder's profile — `today`, `age` for a person, and
    one variable per shared data set of its holder kind, named by the set's code in lower
    case) and how much (a CEL expression, in 元, never negative)."""

    code: Code
    name: Name
    department: Code
    legal_basis: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    holder: SourceHolder
    tier: PolicyTier = PolicyTier.proactive
    valid_from: dt.date
    valid_until: dt.date | None = None  # the last day it applies; None = until repealed
    eligible: Annotated[list[PolicyConditionSpec], Field(min_length=1, max_length=20)]
    amount: Expression
    recurrence: Recurrence = Recurrence.once
    channel: Name  # 社保卡, 对公账户 …
    budget: Money | None = None  # 元 a year; None = not capped
    confirm: bool = False  # the beneficiary confirms the account and the amount online
    publicity_days: Annotated[int, Field(ge=0, le=60)] = 0  # 公示, in working days
    description: str | None = Field(default=None, max_length=4000)


class CatalogFileSpec(_Spec):
    """One YAML file of the catalog; all files below the catalog directory merge."""

    regions: list[RegionSpec] = []
    departments: list[DepartmentSpec] = []
    fields: list[FieldSpec] = []
    materials: list[MaterialSpec] = []
    items: list[ItemSpec] = []
    bundles: list[BundleSpec] = []
    sources: list[SourceSpec] = []
    policies: list[PolicySpec] = []


# The top-level lists of a catalog file, each with the model of its entries.
SECTIONS: dict[str, type[_Spec]] = {
    "regions": RegionSpec,
    "departments": DepartmentSpec,
    "fields": FieldSpec,
    "materials": MaterialSpec,
    "items": ItemSpec,
    "bundles": BundleSpec,
    "sources": SourceSpec,
    "policies": PolicySpec,
}

SECTION_NAMES: dict[str, str] = {
    "regions": "行政区划",
    "departments": "部门",
    "fields": "表单字段",
    "materials": "材料",
    "items": "事项",
    "bundles": "一件事",
    "sources": "共享数据",
    "policies": "政策",
}


def json_schema() -> dict[str, Any]:
    schema = CatalogFileSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://onething.example/schema/catalog-file.json"
    schema["title"] = "onething catalog file"
    # An item's field may be written as a bare field code.
    uses = schema["$defs"]["ItemSpec"]["properties"]["fields"]
    uses["items"] = {"anyOf": [{"type": "string"}, uses["items"]]}
    return schema
