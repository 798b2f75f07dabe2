"""The document library (文件库): documents kept by their issuing bodies' editors (and the
folder import), each with its status history; read by anyone — searched by words (ranked:
the title above the text; filtered by body, year, status on the day and category), one
document with its status on any date (`as_of`), the newest as an Atom feed.

Issuing bodies (发文机关) are known from the catalog: for every province, city and county
its 人民政府 and 人民政府办公厅 (办公室 of a county), and every catalog department's office
there as the catalog names it (`cases.routing.office_name`: 长沙市市场监督管理局)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, extract, func, or_, select, text
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.cases.routing import office_name
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.kernel import regions
from onething.kernel.clock import china_date
from onething.kernel.errors import FieldProblem, Forbidden, Invalid, NotFound
from onething.library import rules
from onething.library.models import (
    FTS_TABLE,
    PG_TITLE_VECTOR,
    PG_VECTOR,
    Document,
    DocumentText,
    StatusChange,
)
from onething.library.rules import Body, Change, DocStatus, StatusOn
from onething.text import fulltext
from onething.text.segment import index_words, query_words

SUBJECT = "library_document"  # in the audit trail
SEARCH = fulltext.Index(FTS_TABLE, ("title", "body"), (5.0, 1.0),
                        "library_texts.search_vector",
                        (DocumentText, DocumentText.document_id),
                        PG_TITLE_VECTOR)
# A search counts its matches up to COUNTED (past it the page says "1000 多件") and ranks
# at most RANKED of the title's matches, then TEXT_RANKED of the text's only (their
# vectors are long: PostgreSQL reads each from its TOAST).
COUNTED = 1000
RANKED = 1000
TEXT_RANKED = 200
IMPORTED = "导入"


# --- issuing bodies ---------------------------------------------------------------


def bodies(catalog: Catalog) -> list[Body]:
    """Every issuing body the library knows: each province's, city's and county's
    government and its office, and every catalog department's office there."""
    found: list[Body] = []
    for code, node in sorted(catalog.regions.items()):
        if node.level not in rules.GOVERNMENT_LEVELS:
            continue
        for body, name in rules.government_names(node.name, node.level).items():
            found.append(Body(body, code, name))
        for department in sorted(catalog.departments):
            found.append(Body(department, code, office_name(catalog, code, department)))
    return found


def body_name(catalog: Catalog, code: str, region: str) -> str:
    node = catalog.regions.get(region)
    if node is not None and code in (rules.GOVERNMENT, rules.GOVERNMENT_OFFICE):
        return rules.government_names(node.name, node.level)[code]
    return office_name(catalog, region, code)


def find_body(catalog: Catalog, name: str) -> Body | None:
    by_name = catalog_bodies(catalog)
    return by_name.get((name or "").strip())


_BODIES: dict[tuple[int, str], Mapping[str, Body]] = {}


def catalog_bodies(catalog: Catalog) -> Mapping[str, Body]:
    """The catalog's bodies by name (computed once per catalog in force: by the object and
    its version, the last one kept)."""
    key = (id(catalog), catalog.version)
    found = _BODIES.get(key)
    if found is None:
        found = rules.bodies_by_name(bodies(catalog))
        _BODIES.clear()
        _BODIES[key] = found
    return found


# --- writing ----------------------------------------------------------------------


@dataclass
class DocumentInput:
    number: str
    title: str
    issuer: str  # the issuing body's name (发文机关)
    written_on: dt.date
    published_on: dt.date
    effective_on: dt.date | None = None
    categories: list[str] = dataclasses.field(default_factory=list)
    text: str = ""
    interpretation: str | None = None
    related: list[str] = dataclasses.field(default_factory=list)  # 文号


def cleaned(given: DocumentInput) -> DocumentInput:
    return dataclasses.replace(
        given, number=(given.number or "").strip(), title=(given.title or "").strip(),
        issuer=(given.issuer or "").strip(), text=(given.text or "").strip(),
        interpretation=(given.interpretation or "").strip() or None,
        categories=[c.strip() for c in given.categories if c and c.strip()],
        related=[r.strip() for r in given.related if r and r.strip()])


def problems(catalog: Catalog, given: DocumentInput,
             changes: Sequence[Change] = ()) -> list[FieldProblem]:
    """What is wrong with a document's metadata (and its status history), by field."""
    found: list[FieldProblem] = []
    if not given.number or len(given.number) > rules.NUMBER_MAX:
        found.append(FieldProblem("number", f"请填写文号（{rules.NUMBER_MAX} 字以内）"))
    if not given.title or len(given.title) > rules.TITLE_MAX:
        found.append(FieldProblem("title", f"请填写标题（{rules.TITLE_MAX} 字以内）"))
    if find_body(catalog, given.issuer) is None:
        found.append(FieldProblem("issuer", f"发文机关“{given.issuer[:40]}”不是已知的机关"
                                            "（各级人民政府及其办公厅、办公室，或事项目录中的部门）"))
    if not given.text or len(given.text) > rules.TEXT_MAX:
        found.append(FieldProblem("text", f"请提供全文（{rules.TEXT_MAX} 字以内）"))
    if given.interpretation and len(given.interpretation) > rules.INTERPRETATION_MAX:
        found.append(FieldProblem("interpretation",
                                  f"政策解读不能超过 {rules.INTERPRETATION_MAX} 字"))
    if len(given.categories) > rules.CATEGORIES_MAX:
        found.append(FieldProblem("categories", f"主题分类不超过 {rules.CATEGORIES_MAX} 个"))
    found += [FieldProblem("categories", why) for c in given.categories
              if (why := rules.category_problem(c))]
    if given.number and given.number in given.related:
        found.append(FieldProblem("related", "相关文件不能是本文件自己"))
    found += [FieldProblem(field, why) for field, why in rules.date_problems(
        given.written_on, given.published_on, given.effective_on, changes)]
    return found


def _check(catalog: Catalog, given: DocumentInput) -> None:
    found = problems(catalog, given)
    if found:
        raise Invalid("文件信息有误", problems=found)


def content(doc: Document) -> dict[str, Any]:
    """What the document's metadata says (kept in the audit trail; compared on import)."""
    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    return {"number": doc.number, "title": doc.title, "body": doc.body_code,
            "region": doc.region_code, "categories": rules.categories_of(doc.categories),
            "written_on": day(doc.written_on), "published_on": day(doc.published_on),
            "effective_on": day(doc.effective_on), "text": doc.body_text,
            "interpretation": doc.interpretation, "related": list(doc.related or [])}


def fill(catalog: Catalog, doc: Document, given: DocumentInput, now: dt.datetime) -> None:
    body = find_body(catalog, given.issuer)
    assert body is not None  # checked before
    doc.number, doc.title = given.number, given.title
    doc.body_code, doc.region_code = body.code, body.region
    doc.categories = rules.categories_text(given.categories)
    doc.written_on, doc.published_on = given.written_on, given.published_on
    doc.effective_on = given.effective_on
    doc.related = list(given.related)
    if doc.id is None or doc.texts is None:
        doc.texts = DocumentText()
    texts = doc.texts
    texts.body_text, texts.interpretation = given.text, given.interpretation
    texts.search_title = index_words(f"{given.title} {given.number}")
    texts.search_text = index_words(given.text)
    doc.updated_at = now


def reindex(session: Session, doc: Document) -> None:
    """The document's words into the search: SQLite's FTS5 row, PostgreSQL's tsvector."""
    session.flush()
    fulltext.reindex(session, SEARCH, doc.id, (doc.texts.search_title,
                                               doc.texts.search_text))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"UPDATE library_texts SET search_vector = {PG_VECTOR} "
                             "WHERE document_id = :id"), {"id": doc.id})


def by_number(session: Session, number: str) -> Document | None:
    return session.scalar(select(Document).where(Document.number == number))


def _scope_ok(ctx: Ctx, body: str, region: str) -> bool:
    actor = ctx.actor
    in_scope = actor.region is not None and regions.within(ctx.catalog.regions, region,
                                                           actor.region)
    return rules.may_edit(actor, body, in_scope)


def may_edit(ctx: Ctx, doc: Document) -> bool:
    """Whether the actor may change this document (its metadata and its status)."""
    return _scope_ok(ctx, doc.body_code, doc.region_code)


def not_editor() -> Forbidden:
    return Forbidden("只有发文机关（本地区及上级）的审批人员或管理员可以修改该文件",
                     code="not_editor")


def _editable(ctx: Ctx, doc_id: int) -> Document:
    doc = get(ctx.session, doc_id)
    if not may_edit(ctx, doc):
        raise not_editor()
    return doc


def bodies_for(ctx: Ctx) -> list[Body]:
    """The issuing bodies whose documents the actor may enter."""
    return [b for b in bodies(ctx.catalog) if _scope_ok(ctx, b.code, b.region)]


def _unique(session: Session, number: str, doc_id: int | None) -> None:
    other = by_number(session, number)
    if other is not None and other.id != doc_id:
        raise Invalid("文号已存在", problems=[FieldProblem(
            "number", f"文号 {number} 已是第 {other.id} 号文件的文号")], code="duplicate_number")


def create(ctx: Ctx, given: DocumentInput) -> Document:
    """A new document, by an editor of its issuing body."""
    if not rules.edits_any(ctx.actor):
        raise Forbidden("只有管理员和部门审批人员可以录入文件", code="role_not_allowed")
    given = cleaned(given)
    _check(ctx.catalog, given)
    body = find_body(ctx.catalog, given.issuer)
    assert body is not None
    if not _scope_ok(ctx, body.code, body.region):
        raise Forbidden("只能录入本部门、本地区（及下级）发布的文件", problems=[FieldProblem(
            "issuer", "只能录入本部门、本地区（及下级）发布的文件")], code="not_editor")
    _unique(ctx.session, given.number, None)
    doc = Document(created_at=ctx.now)
    fill(ctx.catalog, doc, given, ctx.now)
    ctx.session.add(doc)
    ctx.session.flush()
    reindex(ctx.session, doc)
    audit.record(ctx.session, ctx.actor, "create_document", SUBJECT, doc.id,
                 region=doc.region_code, after=_short(content(doc)))
    return doc


def edit(ctx: Ctx, doc_id: int, given: DocumentInput) -> Document:
    """Changes a document's metadata and text (its status history is kept)."""
    doc = _editable(ctx, doc_id)
    given = cleaned(given)
    found = problems(ctx.catalog, given, changes(ctx.session, doc.id))
    if found:
        raise Invalid("文件信息有误", problems=found)
    body = find_body(ctx.catalog, given.issuer)
    assert body is not None
    if not _scope_ok(ctx, body.code, body.region):
        raise Forbidden("只能把文件归属本部门、本地区（及下级）", problems=[FieldProblem(
            "issuer", "只能归属本部门、本地区（及下级）")], code="not_editor")
    _unique(ctx.session, given.number, doc.id)
    before = content(doc)
    fill(ctx.catalog, doc, given, ctx.now)
    ctx.session.flush()
    reindex(ctx.session, doc)
    audit.record(ctx.session, ctx.actor, "edit_document", SUBJECT, doc.id,
                 region=doc.region_code, before=_short(before), after=_short(content(doc)))
    return doc


def _short(record: dict[str, Any]) -> dict[str, Any]:
    """A record for the audit trail: the full text by its length only."""
    return {**record, "text": f"{len(record['text'])} 字"}


def replacing(session: Session, ref: str | None) -> Document | None:
    """The replacing document named by its id (digits) or its 文号; None for nothing."""
    ref = (ref or "").strip()
    if not ref:
        return None
    doc = (session.get(Document, int(ref)) if ref.isdigit() and len(ref) < 10
           else by_number(session, ref))
    if doc is None:
        raise Invalid("替代文件不在文件库中", problems=[FieldProblem(
            "replaced_by", f"文件库中没有文号或编号为 {ref[:40]} 的文件")])
    return doc


def record_change(ctx: Ctx, doc_id: int, *, on: dt.date, status: DocStatus,
                  replaced_by: str | None = None, note: str | None = None) -> StatusChange:
    """A status change of a document from a date (已修改, 失效, 废止 or 有效 again), with the
    later document that replaced it, if any."""
    doc = _editable(ctx, doc_id)
    later = replacing(ctx.session, replaced_by)
    if later is not None and later.id == doc.id:
        raise Invalid("替代文件不能是本文件", problems=[FieldProblem("replaced_by",
                                                                     "替代文件不能是本文件自己")])
    note = (note or "").strip() or None
    if note and len(note) > rules.NOTE_MAX:
        raise Invalid("说明过长", problems=[FieldProblem("note",
                                                          f"说明不超过 {rules.NOTE_MAX} 字")])
    new = Change(on, status, later.id if later else None, note)
    why = rules.change_problem(doc.published_on, doc.effective_on,
                               changes(ctx.session, doc.id), new)
    if why:
        raise Invalid("状态变更有误", problems=[FieldProblem("on", why)],
                      code="bad_status_date")
    row = StatusChange(document_id=doc.id, effective_on=on, status=status,
                       replaced_by_id=new.replaced_by, note=note,
                       recorded_by=ctx.actor.display_name[:50], recorded_at=ctx.now)
    ctx.session.add(row)
    doc.updated_at = ctx.now
    ctx.session.flush()
    keep_status(ctx.session, doc, china_date(ctx.now))
    audit.record(ctx.session, ctx.actor, "change_document_status", SUBJECT, doc.id,
                 region=doc.region_code, after={"on": on.isoformat(), "status": status.value,
                                                "replaced_by": new.replaced_by, "note": note})
    return row


def keep_status(session: Session, doc: Document, day: dt.date) -> None:
    """The document's history kept short on its row as of `day`: its latest change on or
    before the day (status and date) and the date of its next change."""
    kept = rules.kept_status(changes(session, doc.id), day)
    doc.changed_status, doc.changed_on, doc.next_change_on = kept
    session.flush()


def keep_statuses(session: Session, day: dt.date) -> int:
    """The documents whose next change has come into force by `day` (or whose kept change
    is later than it: a clock set back) kept again; how many (the daily job)."""
    docs = list(session.scalars(select(Document).where(or_(
        Document.next_change_on <= day, Document.changed_on > day))))
    for doc in docs:
        keep_status(session, doc, day)
    return len(docs)


# --- reading ----------------------------------------------------------------------


def get(session: Session, doc_id: int) -> Document:
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound("文件库中没有该文件", code="document_not_found")
    return doc


def history(session: Session, doc_id: int) -> list[StatusChange]:
    """The document's status changes, oldest first."""
    return list(session.scalars(select(StatusChange).where(
        StatusChange.document_id == doc_id).order_by(StatusChange.effective_on)))


def changes(session: Session, doc_id: int) -> list[Change]:
    return [Change(c.effective_on, c.status, c.replaced_by_id, c.note)
            for c in history(session, doc_id)]


def status_on(session: Session, doc: Document, day: dt.date) -> StatusOn:
    """The document's status on `day` (`as_of`), and since when."""
    return rules.status_on(doc.published_on, doc.effective_on, changes(session, doc.id), day)


def related(session: Session, doc: Document) -> list[tuple[str, Document | None]]:
    """The related documents by 文号, with the library's document where it has one."""
    numbers = [str(n) for n in doc.related or []]
    found = {d.number: d for d in session.scalars(select(Document).where(
        Document.number.in_(numbers)))} if numbers else {}
    return [(n, found.get(n)) for n in numbers]


def replaced(session: Session, doc: Document) -> list[Document]:
    """The earlier documents this one replaced (their status changes name it)."""
    return list(session.scalars(select(Document).join(
        StatusChange, StatusChange.document_id == Document.id).where(
        StatusChange.replaced_by_id == doc.id).order_by(Document.published_on)))


@dataclass
class Filters:
    query: str | None = None
    body: str | None = None  # the issuing body's name
    year: int | None = None  # of the 发布
    status: str | None = None  # on the day: valid, amended, expired, repealed, pending
    category: str | None = None


@dataclass
class Found:
    total: int  # counted up to COUNTED
    documents: list[Document]
    words: list[str]
    more: bool = False  # more than `total` match ("1000 多件")


def _kept(day: dt.date) -> ColumnElement[bool]:
    """Whether a document's kept status (`keep_status`) is its status on `day`: kept on or
    before the day, the next change after it."""
    return and_(or_(Document.changed_on.is_(None), Document.changed_on <= day),
                or_(Document.next_change_on.is_(None), Document.next_change_on > day))


def _unkept_latest(day: dt.date) -> Any:
    """Of the documents whose kept status is not their status on `day` (a change come into
    force before the daily job ran; a day before the kept change), the latest change on or
    before the day (document_id, status): a window over their few histories."""
    unkept = select(Document.id).where(or_(Document.next_change_on <= day,
                                           Document.changed_on > day))
    ranked = select(StatusChange.document_id, StatusChange.status, func.row_number().over(
        partition_by=StatusChange.document_id,
        order_by=StatusChange.effective_on.desc()).label("n")).where(
        StatusChange.effective_on <= day, StatusChange.document_id.in_(unkept)).subquery()
    return select(ranked.c.document_id, ranked.c.status).where(ranked.c.n == 1).subquery()


def _status_filter(status: str, day: dt.date) -> ColumnElement[bool]:
    """Documents whose status on `day` is `status` (`pending`: published, not yet in
    force): 有效 is in force with no change since, or changed back to 有效. Read from the
    status kept on each document, the history only where it is not that day's."""
    published = Document.published_on <= day
    if status == rules.NOT_YET:
        return and_(published, Document.effective_on > day)
    started = and_(published, or_(Document.effective_on.is_(None),
                                  Document.effective_on <= day))
    latest = _unkept_latest(day)
    kept = _kept(day)
    if status == DocStatus.valid:
        other = select(latest.c.document_id).where(latest.c.status != DocStatus.valid.value)
        return and_(started, or_(
            and_(kept, or_(Document.changed_status.is_(None),
                           Document.changed_status == DocStatus.valid)),
            and_(~kept, Document.id.not_in(other))))
    wanted = DocStatus(status)  # a few documents, by the kept status's index
    return and_(started, Document.id.in_(
        select(Document.id).where(Document.changed_status == wanted,
                                  Document.changed_on <= day, or_(
                                      Document.next_change_on.is_(None),
                                      Document.next_change_on > day)).union(
            select(latest.c.document_id).where(latest.c.status == wanted.value))))


def _conditions(catalog: Catalog, filters: Filters, today: dt.date
                ) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [Document.published_on <= today]
    if filters.body:
        body = find_body(catalog, filters.body)
        if body is None:
            raise Invalid("没有该发文机关", problems=[FieldProblem("body", "没有该发文机关")])
        found += [Document.body_code == body.code, Document.region_code == body.region]
    if filters.year:
        found += [Document.published_on >= dt.date(filters.year, 1, 1),
                  Document.published_on <= dt.date(filters.year, 12, 31)]
    if filters.status:
        if filters.status != rules.NOT_YET and filters.status not in DocStatus.__members__:
            raise Invalid("没有该状态", problems=[FieldProblem("status", "没有该状态")])
        found.append(_status_filter(filters.status, today))
    if filters.category:
        found.append(Document.categories.contains(f"|{filters.category}|"))
    return found


def search(session: Session, catalog: Catalog, filters: Filters, today: dt.date,
           limit: int, offset: int) -> Found:
    """Published documents by the words of `filters.query`, or else the newest first.
    Ranked: the documents holding all the words before those holding some (only when none
    holds all); of these, those with the words in their title first, ranked among the best
    `RANKED` candidates, then those with them in the text. Counted up to `COUNTED`."""
    ids = select(Document.id).where(*_conditions(catalog, filters, today))
    words = query_words(filters.query or "")
    fulltext.custom_plans(session)
    if not words:
        total, more = _count(session, ids)
        page = list(session.scalars(ids.order_by(Document.published_on.desc(),
                                                 Document.id.desc()).limit(limit)
                                    .offset(offset)))
        return Found(total, _rows(session, page), words, more)
    found = Found(0, [], words)
    for joiner in ("AND", "OR") if len(words) > 1 else ("AND",):
        if _narrow(filters):
            narrow = fulltext.narrowed_first(session, SEARCH, ids, Document.id, words, joiner)
            total, more = _count(session, narrow)
            among = select(Document.id).where(Document.id.in_(narrow))
        else:
            matched, _ = fulltext.matching(session, SEARCH, ids, Document.id, words, joiner)
            (total, more), among = _count(session, matched), ids
        if total:
            page = _ranked_page(session, among, words, joiner, limit, offset)
            return Found(total, _rows(session, page), words, more)
    return found


def _narrow(filters: Filters) -> bool:
    """Whether the filters keep few documents, read by an index (a year: a twentieth of
    the library), better read first, then looked up among the words' matches (a body or
    a status other than 有效 measured slower so: the words' matches read first)."""
    return bool(filters.year)


def _count(session: Session, ids: Select[Any]) -> tuple[int, bool]:
    """How many rows `ids` has, counted up to `COUNTED`; whether there are more."""
    total = session.scalar(select(func.count()).select_from(
        ids.limit(COUNTED + 1).subquery())) or 0
    return min(total, COUNTED), total > COUNTED


def _ranked_page(session: Session, ids: Select[Any], words: list[str], joiner: str,
                 limit: int, offset: int) -> list[int]:
    """The page's ids: the title's matches ranked, then the text's to fill the page."""
    page = _ranked(session, ids, words, joiner, fulltext.TITLE, limit, offset)
    if len(page) == limit:
        return page
    titled = offset + len(page)  # all the title's (ranked) matches, this page short
    if not page and offset:
        titled = min(RANKED, _count(session, fulltext.matching(
            session, SEARCH, ids, Document.id, words, joiner, fulltext.TITLE)[0])[0])
    return page + _ranked(session, ids, words, joiner, fulltext.REST, limit - len(page),
                          max(0, offset - titled))


def _ranked(session: Session, ids: Select[Any], words: list[str], joiner: str, part: str,
            limit: int, offset: int) -> list[int]:
    """A page of the `part`'s matches, ranked among its first candidates (`RANKED` of the
    title's; `TEXT_RANKED` of the text's for their first pages, `COUNTED` past them — the
    one page where the two rankings meet may repeat or skip a document)."""
    matched, score, ascending = fulltext.scored(session, SEARCH, ids, Document.id, words,
                                                joiner, part)
    bound = RANKED if part == fulltext.TITLE else (
        TEXT_RANKED if offset + limit <= TEXT_RANKED else COUNTED)
    candidates = matched.add_columns(score.label("score")).limit(bound).subquery()
    order = candidates.c.score.asc() if ascending else candidates.c.score.desc()
    return list(session.scalars(select(candidates.c.id).order_by(order, candidates.c.id)
                                .limit(limit).offset(offset)))


def _rows(session: Session, page: list[int]) -> list[Document]:
    """The page's documents in its order."""
    rows = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(page)))
            } if page else {}
    return [rows[i] for i in page]


def statuses_on(session: Session, docs: Sequence[Document], day: dt.date
                ) -> dict[int, StatusOn]:
    """Each document's status on `day`, reading their histories at once."""
    ids = [d.id for d in docs]
    by_doc: dict[int, list[Change]] = {i: [] for i in ids}
    if ids:
        for c in session.scalars(select(StatusChange).where(
                StatusChange.document_id.in_(ids))):
            by_doc[c.document_id].append(Change(c.effective_on, c.status, c.replaced_by_id,
                                                c.note))
    return {d.id: rules.status_on(d.published_on, d.effective_on, by_doc[d.id], day)
            for d in docs}


def newest(session: Session, today: dt.date, limit: int = 50) -> list[Document]:
    """The newest published documents (the Atom feed), by 发布 then by when recorded."""
    return list(session.scalars(select(Document).where(Document.published_on <= today)
                                .order_by(Document.published_on.desc(), Document.id.desc())
                                .limit(limit)))


def years(session: Session) -> list[int]:
    """The years documents were published in, newest first (the search's filter)."""
    found = session.scalars(select(extract("year", Document.published_on)).distinct())
    return sorted((int(y) for y in found if y is not None), reverse=True)


def categories(session: Session) -> list[str]:
    found: set[str] = set()
    for stored in session.scalars(select(Document.categories).distinct()):
        found.update(rules.categories_of(stored))
    return sorted(found)
