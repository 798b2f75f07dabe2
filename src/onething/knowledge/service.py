"""The knowledge base (知识库): articles written and kept by their owning departments
(draft → published → withdrawn, every published edit a new version, audited), searched by
words on both databases, and reviewed by their date (owners told once by a job).

Reads take a `Reader` (who asks, possibly nobody: the public), so the public FAQ and the
API's anonymous search use the same rules as the owners' lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from onething.audit import service as audit
from onething.catalog.context import Ctx
from onething.identity import offices
from onething.kernel import links, regions
from onething.kernel.clock import china_date
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import Principal, Role
from onething.knowledge import rules
from onething.knowledge.models import FTS_TABLE, PG_VECTOR, Article, ArticleVersion
from onething.knowledge.rules import ArticleStatus, Move
from onething.outbox.models import Notification
from onething.text import fulltext
from onething.text.segment import index_words, query_words

SUBJECT = "knowledge_article"  # in the audit trail
SEARCH = fulltext.Index(FTS_TABLE, ("question", "answer"), (3.0, 1.0), PG_VECTOR)


@dataclass
class ArticleInput:
    question: str
    answer: str
    department: str
    region: str
    category: str | None = None
    source_title: str | None = None
    source_number: str | None = None
    source_date: dt.date | None = None
    source_url: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    review_on: dt.date | None = None


@dataclass(frozen=True)
class Reader:
    """Who reads: a signed-in principal, or nobody (the public), on a day."""

    session: Session
    regions: Mapping[str, regions.Node]
    actor: Principal | None
    today: dt.date

    @classmethod
    def of(cls, ctx: Ctx) -> Reader:
        return cls(ctx.session, ctx.catalog.regions, ctx.actor, ctx.today)


# --- writing ----------------------------------------------------------------------


def _cleaned(given: ArticleInput) -> ArticleInput:
    def opt(value: str | None) -> str | None:
        return (value or "").strip() or None

    return dataclasses.replace(
        given, question=(given.question or "").strip(), answer=(given.answer or "").strip(),
        department=(given.department or "").strip(), region=(given.region or "").strip(),
        category=opt(given.category), source_title=opt(given.source_title),
        source_number=opt(given.source_number), source_url=opt(given.source_url))


def _check(ctx: Ctx, given: ArticleInput) -> None:
    problems: list[FieldProblem] = []
    if not given.question or len(given.question) > rules.QUESTION_MAX:
        problems.append(FieldProblem("question", f"请填写问题（{rules.QUESTION_MAX} 字以内）"))
    if not given.answer or len(given.answer) > rules.ANSWER_MAX:
        problems.append(FieldProblem("answer", f"请填写答案（{rules.ANSWER_MAX} 字以内）"))
    if given.department not in ctx.catalog.departments:
        problems.append(FieldProblem("department", f"部门 {given.department[:32]} 不存在"))
    if given.region not in ctx.catalog.regions:
        problems.append(FieldProblem("region", f"行政区划 {given.region[:12]} 不存在"))
    if given.category is not None and (
            len(given.category) > rules.CATEGORY_MAX or not given.category.isascii()
            or not all(ch.isalnum() or ch in ".-_" for ch in given.category)):
        problems.append(FieldProblem("category", f"分类代码应为 {rules.CATEGORY_MAX} 个以内的"
                                                 "字母、数字、点、横线或下划线"))
    elif given.category is not None and links.categories().name(given.category) is None:
        problems.append(FieldProblem("category", f"没有代码为 {given.category} 的诉求分类"
                                                 "（见 12345 诉求分类）"))
    for name, value, limit in (("source_title", given.source_title, rules.SOURCE_TITLE_MAX),
                               ("source_number", given.source_number,
                                rules.SOURCE_NUMBER_MAX)):
        if value is not None and len(value) > limit:
            problems.append(FieldProblem(name, f"不能超过 {limit} 个字符"))
    url = given.source_url
    if url is not None and (len(url) > rules.SOURCE_URL_MAX
                            or not url.startswith(("http://", "https://")) or " " in url):
        problems.append(FieldProblem("source_url", "来源文件链接应为 http:// 或 https:// 开头的"
                                                   f"网址（{rules.SOURCE_URL_MAX} 个字符以内）"))
    if given.valid_from and given.valid_until and given.valid_until < given.valid_from:
        problems.append(FieldProblem("valid_until", "有效期止不能早于有效期起"))
    if problems:
        raise Invalid("知识条目有误", problems=problems)


def in_scope(regions_: Mapping[str, regions.Node], actor: Principal, region: str) -> bool:
    return actor.role == Role.admin or (actor.region is not None
                                        and regions.within(regions_, region, actor.region))


def _owns(ctx: Ctx, department: str, region: str) -> bool:
    return rules.owns(ctx.actor, department,
                      in_scope(ctx.catalog.regions, ctx.actor, region))


def _fill(article: Article, given: ArticleInput) -> None:
    article.question, article.answer = given.question, given.answer
    article.category, article.department_code = given.category, given.department
    article.region_code = given.region
    article.source_title, article.source_number = given.source_title, given.source_number
    article.source_date, article.source_url = given.source_date, given.source_url
    article.valid_from, article.valid_until = given.valid_from, given.valid_until
    article.review_on = given.review_on
    article.search_question = index_words(given.question)
    article.search_answer = index_words(given.answer)


def content(article: Article) -> dict[str, Any]:
    """What the article says (its version's record in the history)."""
    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    return {"question": article.question, "answer": article.answer,
            "category": article.category, "department": article.department_code,
            "region": article.region_code, "source_title": article.source_title,
            "source_number": article.source_number, "source_date": day(article.source_date),
            "source_url": article.source_url, "valid_from": day(article.valid_from),
            "valid_until": day(article.valid_until), "review_on": day(article.review_on)}


def _keep_version(ctx: Ctx, article: Article) -> None:
    """The article's current version in its history: a new row, or the draft's row again."""
    row = ctx.session.scalar(select(ArticleVersion).where(
        ArticleVersion.article_id == article.id, ArticleVersion.version == article.version))
    if row is None:
        row = ArticleVersion(article_id=article.id, version=article.version)
        ctx.session.add(row)
    row.status, row.content = article.status, content(article)
    row.by_id, row.by_name, row.at = ctx.actor.user_id, ctx.actor.display_name[:50], ctx.now


def create(ctx: Ctx, given: ArticleInput) -> Article:
    """A new article, as a draft of the given department and region."""
    if not rules.writes(ctx.actor):
        raise Forbidden("只有管理员和部门工作人员可以编写知识", code="role_not_allowed")
    given = _cleaned(given)
    _check(ctx, given)
    if not _owns(ctx, given.department, given.region):
        raise Forbidden("只能编写本部门、本地区（及下级）的知识",
                        problems=[FieldProblem("department", "只能编写本部门、本地区的知识")],
                        code="not_owner")
    article = Article(status=ArticleStatus.draft, version=1, created_by=ctx.actor.user_id,
                      updated_by=ctx.actor.user_id, created_at=ctx.now, updated_at=ctx.now)
    _fill(article, given)
    ctx.session.add(article)
    ctx.session.flush()
    _keep_version(ctx, article)
    reindex(ctx.session, article)
    audit.record(ctx.session, ctx.actor, "create_article", SUBJECT, article.id,
                 region=article.region_code, after=content(article))
    return article


def _owned(ctx: Ctx, article_id: int, move: Move) -> Article:
    """The article, if the actor owns it and the move is allowed in its state."""
    article = get(Reader.of(ctx), article_id)
    if not _owns(ctx, article.department_code, article.region_code):
        raise Forbidden("只有该知识所属部门的工作人员或管理员可以" + rules.MOVE_NAMES[move],
                        code="not_owner")
    if rules.next_status(article.status, move) is None:
        raise Conflict(f"该知识{rules.STATUS_NAMES[article.status]}，不能"
                       f"{rules.MOVE_NAMES[move]}", code="illegal_transition")
    return article


def edit(ctx: Ctx, article_id: int, given: ArticleInput, version: int | None = None
         ) -> Article:
    """Changes an article: a draft in place; a published or withdrawn one as a new version
    (published at once, or a draft again)."""
    article = _owned(ctx, article_id, Move.edit)
    if version is not None and version != article.version:
        raise Conflict(f"该知识已被他人修改为第 {article.version} 版，请刷新后重试",
                       code="stale_version")
    given = _cleaned(given)
    _check(ctx, given)
    if not _owns(ctx, given.department, given.region):
        raise Forbidden("只能把知识归属本部门、本地区（及下级）",
                        problems=[FieldProblem("department", "只能归属本部门、本地区")],
                        code="not_owner")
    before = content(article)
    if rules.new_version(article.status, Move.edit):
        article.version += 1
    article.status = rules.TRANSITIONS[(article.status, Move.edit)]
    _fill(article, given)
    article.updated_by, article.updated_at = ctx.actor.user_id, ctx.now
    ctx.session.flush()
    _keep_version(ctx, article)
    reindex(ctx.session, article)
    audit.record(ctx.session, ctx.actor, "edit_article", SUBJECT, article.id,
                 region=article.region_code, before=before,
                 after={**content(article), "version": article.version})
    return article


def move(ctx: Ctx, article_id: int, step: Move, reason: str | None = None) -> Article:
    """Publishes or withdraws an article (`step`), as the state table allows; a withdrawal
    says why (shown to the owners, kept in the audit trail)."""
    article = _owned(ctx, article_id, step)
    before = article.status
    if step == Move.withdraw:
        reason = (reason or "").strip()
        if not reason or len(reason) > rules.REASON_MAX:
            raise Invalid("请说明撤回原因", problems=[FieldProblem(
                "reason", f"请说明撤回原因（{rules.REASON_MAX} 字以内）")])
        article.withdrawn_reason = reason
    article.status = rules.TRANSITIONS[(article.status, step)]
    article.updated_by, article.updated_at = ctx.actor.user_id, ctx.now
    if article.status == ArticleStatus.published:
        article.published_at = ctx.now
    ctx.session.flush()
    _keep_version(ctx, article)
    audit.record(ctx.session, ctx.actor, f"{step.value}_article", SUBJECT, article.id,
                 region=article.region_code, before={"status": before.value},
                 after={"status": article.status.value, "version": article.version,
                        "reason": reason})
    return article


# --- search -----------------------------------------------------------------------


def reindex(session: Session, article: Article) -> None:
    """SQLite: the article's words into the FTS5 table (PostgreSQL indexes its columns)."""
    fulltext.reindex(session, SEARCH, article.id,
                     (article.search_question, article.search_answer))


def _valid(today: dt.date) -> ColumnElement[bool]:
    return and_(Article.status == ArticleStatus.published,
                or_(Article.valid_from.is_(None), Article.valid_from <= today),
                or_(Article.valid_until.is_(None), Article.valid_until >= today))


def _owned_by(reader: Reader) -> ColumnElement[bool]:
    """The articles the reader keeps or watches, whatever their state."""
    a = reader.actor
    if a is None or not rules.reads_all(a):
        return false()
    if a.role == Role.admin:
        return true()
    if a.region is None:
        return false()
    scope = Article.region_code.in_(sorted(regions.descendants(reader.regions, a.region)))
    if a.role == Role.supervisor:
        return scope
    return and_(scope, Article.department_code == a.department)


def visible(reader: Reader) -> ColumnElement[bool]:
    """Published and valid articles for everyone; every article to its owners."""
    return or_(_valid(reader.today), _owned_by(reader))


def sees_all(reader: Reader, article: Article) -> bool:
    return reader.actor is not None and reader.session.scalar(select(Article.id).where(
        Article.id == article.id, _owned_by(reader))) is not None


def get(reader: Reader, article_id: int) -> Article:
    article = reader.session.scalar(select(Article).where(Article.id == article_id,
                                                          visible(reader)))
    if article is None:
        raise NotFound("没有该知识条目，或尚未发布", code="article_not_found")
    return article


def history_query(article_id: int) -> Select[ArticleVersion]:
    return select(ArticleVersion).where(ArticleVersion.article_id == article_id).order_by(
        ArticleVersion.version.desc())


def history(reader: Reader, article_id: int) -> list[ArticleVersion]:
    """Every version of an article, newest first (to whoever may see the article)."""
    get(reader, article_id)
    return list(reader.session.scalars(history_query(article_id)))


@dataclass
class Found:
    total: int
    articles: list[Article]
    words: list[str]  # what the query was cut into


@dataclass
class Filters:
    query: str | None = None
    category: str | None = None
    department: str | None = None
    region: str | None = None  # articles that apply there: of the region or above it
    status: str | None = None
    due_for_review: bool = False
    mine: bool = False  # only the reader's own (owned) articles


def search(reader: Reader, filters: Filters, limit: int, offset: int) -> Found:
    """Articles the reader may see, by the words of `filters.query` (ranked: the question's
    words above the answer's; all words first, else any), or else the newest first."""
    a = reader.actor
    conditions: list[ColumnElement[bool]] = [visible(reader)]
    if filters.due_for_review or filters.mine or (
            filters.status and filters.status != ArticleStatus.published):
        if a is None or not rules.reads_all(a):
            raise Forbidden("只有知识的所属部门、管理员和效能监察人员可以查看",
                            code="role_not_allowed")
        conditions.append(_owned_by(reader))
    if filters.due_for_review:
        conditions += [Article.status != ArticleStatus.withdrawn,
                       Article.review_on <= reader.today]
    if filters.status:
        conditions.append(Article.status == ArticleStatus(filters.status))
    if filters.category:
        conditions.append(Article.category == filters.category)
    if filters.department:
        conditions.append(Article.department_code == filters.department)
    if filters.region:
        conditions.append(Article.region_code.in_(regions.ancestors(reader.regions,
                                                                    filters.region)))
    words = query_words(filters.query or "")
    if not words:
        order: list[Any] = ([Article.review_on, Article.id] if filters.due_for_review
                            else [Article.updated_at.desc(), Article.id.desc()])
        return _page(reader.session, select(Article).where(*conditions), order, limit,
                     offset, words)
    found = Found(0, [], words)
    for joiner in ("AND", "OR") if len(words) > 1 else ("AND",):
        matched, rank = fulltext.matching(reader.session, SEARCH,
                                          select(Article).where(*conditions), Article.id,
                                          words, joiner)
        found = _page(reader.session, matched, [rank, Article.id], limit, offset, words)
        if found.total:
            break
    return found


def _page(session: Session, query: Select[Article], order: list[Any], limit: int,
          offset: int, words: list[str]) -> Found:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    articles = list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))
    return Found(total, articles, words)


# --- review -----------------------------------------------------------------------


def owners(session: Session, article: Article) -> list[int]:
    """Who answers for an article: its department's staff in its region, and its author."""
    found = set(session.scalars(offices.office(article.region_code, article.department_code)))
    return sorted(found | {article.created_by})


def tell_due_for_review(sessions: sessionmaker[Session], now: dt.datetime) -> int:
    """Tell the owners of each article whose review date has come, once per review date
    (a new date set on review is told again when it comes); how many articles."""
    today = china_date(now)
    told = 0
    with sessions.begin() as session:
        due = list(session.scalars(select(Article).where(
            Article.status != ArticleStatus.withdrawn, Article.review_on <= today,
            or_(Article.review_told_for.is_(None),
                Article.review_told_for != Article.review_on))
            .order_by(Article.id).limit(500).with_for_update(skip_locked=True)))
        for article in due:
            claimed = session.execute(
                update(Article).where(Article.id == article.id,
                                      or_(Article.review_told_for.is_(None),
                                          Article.review_told_for != Article.review_on))
                .values(review_told_for=Article.review_on)
                .execution_options(synchronize_session=False))
            if not getattr(claimed, "rowcount", 0):
                continue  # another worker told them
            told += 1
            for person in owners(session, article):
                session.add(Notification(
                    recipient_id=person, created_at=now,
                    subject=f"【知识库】第 {article.id} 号知识到期待复核",
                    body=f"知识“{article.question[:60]}”的复核日期为 {article.review_on}，"
                         "请核对其内容与依据文件是否仍然有效，修改后重新设定复核日期，"
                         "或将其撤回。"))
    return told


def published(session: Session, article_id: int, today: dt.date) -> str | None:
    """The question of the article when it is published and in force on `today`."""
    return session.scalar(select(Article.question).where(Article.id == article_id,
                                                         _valid(today)))
