"""What the knowledge base does on its own, periodically: tell owners what is due for
review."""

from __future__ import annotations

from onething.kernel.jobs import Run, Stage, periodic
from onething.knowledge.service import tell_due_for_review


@periodic("knowledge_review", Stage.remind)
def review(run: Run) -> str:
    """Tell, once per review date, the owners of each article whose review date has come."""
    return f"知识复核提醒 {tell_due_for_review(run.sessions, run.now)}"
