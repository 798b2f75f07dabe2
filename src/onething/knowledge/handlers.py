"""What the knowledge base answers its siblings: whether an article is published and in
force (`kernel.links.Articles`), for the hotline's 直接答复 that names the article it used."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from onething.kernel import links
from onething.knowledge import service


class Articles:
    def published(self, session: Session, article_id: int, today: dt.date) -> str | None:
        return service.published(session, article_id, today)


links.answer_articles(Articles())
