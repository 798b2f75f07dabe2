"""`onething library import DIR`: a folder of documents into the library. Each document is
one YAML metadata file (`*.yaml`) beside its full text (`.txt`, same name unless `text:`
says) and optional PDF (`.pdf`). Idempotent by 文号: a document already there is brought up
to date (its status history replaced by the file's) and the report says what changed. One
transaction: any problem — at its `file:line` — and nothing is written."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.linked import Catalog
from onething.catalog.source import Problem, SourceFile, catalog_files, read_file
from onething.files import service as files
from onething.files.models import StoredFile
from onething.kernel.clock import china_date
from onething.kernel.errors import Invalid
from onething.kernel.principal import Principal
from onething.library import rules, service
from onething.library.models import Document, StatusChange
from onething.library.rules import Change

TOP = "文件顶层必须是映射（number、title、issuer、written、published …）"
KEYS = {"number", "title", "issuer", "categories", "written", "published", "effective",
        "text", "pdf", "interpretation", "related", "status"}
CHANGE_KEYS = {"on", "status", "replaced_by", "note"}
FIELD_KEYS = {"written_on": "written", "published_on": "published",
              "effective_on": "effective"}  # the service's field names that differ


@dataclass
class Parsed:
    """One document read from its files, with where each of its parts was written."""

    source: SourceFile
    path: Path
    given: service.DocumentInput
    changes: list[tuple[dt.date, rules.DocStatus, str | None, str | None]]
    pdf: Path | None


@dataclass
class Report:
    directory: str
    added: list[str] = field(default_factory=list)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)  # 文号, what changed
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class LibraryInvalid(Invalid):
    def __init__(self, report: Report) -> None:
        super().__init__(f"文件库目录有 {len(report.problems)} 处问题，未导入任何文件",
                         code="library_import_invalid")
        self.report = report


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _texts(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v) for v in value]
    return None


class _Reader:
    """Reads one metadata file, noting each problem at its line."""

    def __init__(self, source: SourceFile, path: Path) -> None:
        self.source, self.path, self.problems = source, path, list[Problem]()
        self.tree = source.tree

    def problem(self, where: Sequence[str | int], message: str) -> None:
        self.problems.append(Problem(self.source.name, self.source.line(where), message))

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.tree.get(key)
        if value is None:
            if required:
                self.problem([], f"缺少 {key}")
            return None
        if not isinstance(value, str | int):
            self.problem([key], f"{key} 应为文字")
            return None
        return str(value).strip()

    def day(self, where: Sequence[str | int], value: Any, required: bool = True
            ) -> dt.date | None:
        if value is None:
            if required:
                self.problem(where[:-1], f"缺少 {where[-1]}")
            return None
        found = _day(value)
        if found is None:
            self.problem(where, f"{where[-1]} 应为日期，如 2020-03-01（写的是 {str(value)[:20]}）")
        return found

    def file_text(self) -> str | None:
        name = self.text("text", required=False) or f"{self.path.stem}.txt"
        target = self.path.parent / name
        try:
            return target.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problem(["text"] if "text" in self.tree else [], f"全文文件 {name} 不存在")
        except UnicodeDecodeError:
            self.problem(["text"] if "text" in self.tree else [],
                         f"全文文件 {name} 不是 UTF-8 编码")
        return None

    def pdf(self) -> Path | None:
        name = self.text("pdf", required=False)
        target = self.path.parent / (name or f"{self.path.stem}.pdf")
        if target.is_file():
            return target
        if name:
            self.problem(["pdf"], f"PDF 文件 {name} 不存在")
        return None

    def changes(self) -> list[tuple[dt.date, rules.DocStatus, str | None, str | None]]:
        value = self.tree.get("status")
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(["status"], "status 应为状态变更的列表（on、status、replaced_by、note）")
            return []
        found = []
        for n, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.problem(["status", n], "状态变更应为映射（on、status、replaced_by、note）")
                continue
            for key in sorted(set(entry) - CHANGE_KEYS, key=str):
                self.problem(["status", n, key], f"状态变更没有 {key} 这一项")
            on = self.day(["status", n, "on"], entry.get("on"))
            status = rules.parse_status(str(entry.get("status") or ""))
            if status is None:
                self.problem(["status", n, "status"] if "status" in entry else ["status", n],
                             "状态应为 有效、已修改、失效 或 废止")
            later, note = entry.get("replaced_by"), entry.get("note")
            if on is not None and status is not None:
                found.append((on, status, str(later).strip() if later else None,
                              str(note).strip() if note else None))
        return found

    def read(self) -> Parsed | None:
        for key in sorted(set(self.tree) - KEYS, key=str):
            self.problem([key], f"没有 {key} 这一项（可用：{'、'.join(sorted(KEYS))}）")
        number, title, issuer = self.text("number"), self.text("title"), self.text("issuer")
        categories, related = _texts(self.tree.get("categories")), _texts(
            self.tree.get("related"))
        if categories is None:
            self.problem(["categories"], "categories 应为文字的列表")
        if related is None:
            self.problem(["related"], "related 应为文号的列表")
        written = self.day(["written"], self.tree.get("written"))
        published = self.day(["published"], self.tree.get("published"))
        effective = self.day(["effective"], self.tree.get("effective"), required=False)
        interpretation = self.text("interpretation", required=False)
        body, pdf, changes = self.file_text(), self.pdf(), self.changes()
        if (self.problems or number is None or title is None or issuer is None
                or written is None or published is None or body is None):
            return None
        given = service.DocumentInput(number, title, issuer, written, published, effective,
                                      categories or [], body, interpretation, related or [])
        return Parsed(self.source, self.path, service.cleaned(given), changes, pdf)


def _where(parsed: Parsed, field_name: str) -> list[str | int]:
    """The place in the file of a service problem's field (status[2] → status, 2)."""
    if field_name.startswith("status["):
        return ["status"]
    return [FIELD_KEYS.get(field_name, field_name)]


def _parse(directory: Path, catalog: Catalog, report: Report) -> list[Parsed]:
    found: list[Parsed] = []
    seen: dict[str, str] = {}
    paths = catalog_files(directory)
    if not paths:
        report.problems.append(f"{directory}: 目录下没有 *.yaml 元数据文件")
    for path in paths:
        display = str(path)
        source, trouble = read_file(path, display, top=TOP, empty_ok=False)
        report.problems += [str(p) for p in trouble]
        if source is None:
            continue
        reader = _Reader(source, path)
        parsed = reader.read()
        report.problems += [str(p) for p in reader.problems]
        if parsed is None:
            continue
        changes = [Change(on, status) for on, status, _, _ in parsed.changes]
        for problem in service.problems(catalog, parsed.given, changes):
            line = source.line(_where(parsed, problem.field))
            report.problems.append(f"{display}:{line}: {problem.message}")
        number = parsed.given.number
        if number in seen:
            report.problems.append(f"{display}:{source.line(['number'])}: 文号 {number} "
                                   f"与 {seen[number]} 重复")
        seen[number] = display
        found.append(parsed)
    return found


def _check_references(session: Session, parsed: list[Parsed], report: Report) -> None:
    """Every replacing document named must be in the library or in the folder."""
    mine = {p.given.number for p in parsed}
    named = {later for p in parsed for _, _, later, _ in p.changes if later}
    there = set(session.scalars(select(Document.number).where(
        Document.number.in_(sorted(named - mine))))) if named - mine else set()
    for p in parsed:
        for n, (_, _, later, _) in enumerate(p.changes):
            if later and later not in mine | there:
                report.problems.append(
                    f"{p.source.name}:{p.source.line(['status', n, 'replaced_by'])}: "
                    f"替代文件 {later} 不在文件库中，也不在本目录中")
            elif later and later == p.given.number:
                report.problems.append(
                    f"{p.source.name}:{p.source.line(['status', n, 'replaced_by'])}: "
                    "替代文件不能是本文件自己")


def load(session: Session, catalog: Catalog, directory: Path, by: Principal,
         data_dir: Path, now: dt.datetime) -> Report:
    """Every document of `directory` into the library, or none (LibraryInvalid)."""
    report = Report(str(directory))
    if not directory.is_dir():
        report.problems.append(f"{directory}: 目录不存在")
        raise LibraryInvalid(report)
    parsed = _parse(directory, catalog, report)
    if not report.problems:
        _check_references(session, parsed, report)
    if report.problems:
        raise LibraryInvalid(report)
    docs = {p.given.number: _upsert(session, catalog, p, by, data_dir, now, report)
            for p in parsed}
    session.flush()
    for p in parsed:
        if _replace_history(session, docs[p.given.number], p, now):
            _note(report, p.given.number, "状态")
    for number, doc in docs.items():
        service.reindex(session, doc)
        if number not in report.added and all(number != u[0] for u in report.updated):
            report.unchanged.append(number)
    audit.record(session, by, "import_documents", service.SUBJECT, None,
                 after={"directory": str(directory), "added": len(report.added),
                        "updated": len(report.updated)})
    return report


def _note(report: Report, number: str, what: str) -> None:
    if number in report.added:
        return
    for entry in report.updated:
        if entry[0] == number:
            entry[1].append(what)
            return
    report.updated.append((number, [what]))


NAMES = {"number": "文号", "title": "标题", "body": "发文机关", "region": "发文机关",
         "categories": "主题分类", "written_on": "成文日期", "published_on": "发布日期",
         "effective_on": "施行日期", "text": "全文", "interpretation": "政策解读",
         "related": "相关文件"}


def _upsert(session: Session, catalog: Catalog, p: Parsed, by: Principal, data_dir: Path,
            now: dt.datetime, report: Report) -> Document:
    doc = service.by_number(session, p.given.number)
    before = service.content(doc) if doc is not None else None
    if doc is None:
        doc = Document(created_at=now)
        session.add(doc)
        report.added.append(p.given.number)
    service.fill(catalog, doc, p.given, now)
    doc.source = p.path.name[:300]
    if before is not None:
        after = service.content(doc)
        for key in dict.fromkeys(k for k in after if after[k] != before[k]):
            if NAMES[key] not in _changed(report, p.given.number):
                _note(report, p.given.number, NAMES[key])
    if _attach(session, doc, p.pdf, by, data_dir):
        _note(report, p.given.number, "PDF")
    return doc


def _changed(report: Report, number: str) -> list[str]:
    return next((u[1] for u in report.updated if u[0] == number), [])


def _attach(session: Session, doc: Document, pdf: Path | None, by: Principal,
            data_dir: Path) -> bool:
    """The PDF stored (unless the same bytes are there already); whether it changed."""
    if pdf is None:
        changed = doc.pdf_file_id is not None
        doc.pdf_file_id = None
        return changed
    data = pdf.read_bytes()
    if doc.pdf_file_id is not None:
        stored = session.get(StoredFile, doc.pdf_file_id)
        if stored is not None and stored.sha256 == hashlib.sha256(data).hexdigest():
            return False
    try:
        doc.pdf_file_id = files.store(session, data_dir, by, pdf.name, data).id
    except Invalid as exc:
        raise Invalid(f"{pdf}: {exc.detail}", code="library_pdf_invalid") from exc
    return True


def _replace_history(session: Session, doc: Document, p: Parsed, now: dt.datetime) -> bool:
    """The document's status history as its file says; whether it changed."""
    wanted = sorted((on, status.value, later, note) for on, status, later, note in p.changes)
    rows = list(session.scalars(select(StatusChange).where(
        StatusChange.document_id == doc.id).order_by(StatusChange.effective_on)))
    later_ids = {r.replaced_by_id for r in rows if r.replaced_by_id}
    numbers = dict(session.execute(select(Document.id, Document.number).where(
        Document.id.in_(later_ids))).all()) if later_ids else {}
    had = [(r.effective_on, r.status.value, numbers.get(r.replaced_by_id) if r.replaced_by_id
            else None, r.note) for r in rows]
    if had == wanted:
        return False
    session.execute(delete(StatusChange).where(StatusChange.document_id == doc.id))
    for on, status, later, note in wanted:
        replacing = service.by_number(session, later) if later else None
        session.add(StatusChange(document_id=doc.id, effective_on=on,
                                 status=rules.DocStatus(status),
                                 replaced_by_id=replacing.id if replacing else None,
                                 note=note, recorded_by=service.IMPORTED, recorded_at=now))
    session.flush()
    service.keep_status(session, doc, china_date(now))
    return True
