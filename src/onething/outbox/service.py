"""Sending the outbox: a log sender for the embedded setup, SMTP for production."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from onething.identity.models import User
from onething.kernel.config import Settings
from onething.outbox.models import Notification

log = logging.getLogger("onething.notify")
MAX_ATTEMPTS = 5
EMAIL, SMS = "email", "sms"  # a notification's channel (none: email)


class Sender(Protocol):
    def send(self, user: User, subject: str, body: str, channel: str = EMAIL) -> None: ...


class LogSender:
    """Writes each notification to the log (the embedded default)."""

    def send(self, user: User, subject: str, body: str, channel: str = EMAIL) -> None:
        log.info("notify %s (%s): %s — %s", user.username, channel, subject, body)


class SmtpSender:
    def __init__(self, host: str, port: int, sender: str, timeout: float = 10) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, user: User, subject: str, body: str, channel: str = EMAIL) -> None:
        if channel != EMAIL:
            raise ValueError(f"未配置短信网关，无法向用户 {user.username} 发送短信")
        if not user.email:
            raise ValueError(f"用户 {user.username} 没有电子邮箱")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, user.email, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def sender_for(settings: Settings) -> Sender:
    if settings.notify == "smtp":
        return SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_from)
    return LogSender()


def deliver_pending(sessions: sessionmaker[Session], sender: Sender, now: dt.datetime,
                    batch: int = 100) -> int:
    """Send everything waiting, a batch per transaction; each row is claimed
    (SKIP LOCKED), so workers running at once never send the same notification twice."""
    total, after = 0, 0
    while True:
        sent, claimed, after = _deliver_batch(sessions, sender, now, batch, after)
        total += sent
        if claimed < batch:
            return total


def _deliver_batch(sessions: sessionmaker[Session], sender: Sender, now: dt.datetime,
                   limit: int, after: int) -> tuple[int, int, int]:
    """One batch after id `after` (so a failing batch is tried once per run, not again)."""
    sent = 0
    with sessions.begin() as session:
        rows = list(session.scalars(
            select(Notification).where(Notification.sent_at.is_(None), Notification.id > after,
                                       Notification.attempts < MAX_ATTEMPTS)
            .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True)))
        for row in rows:
            row.attempts += 1
            try:
                sender.send(session.get_one(User, row.recipient_id), row.subject, row.body,
                            row.channel or EMAIL)
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                row.last_error = str(exc)[:500]
                continue
            row.sent_at, sent = now, sent + 1
        return sent, len(rows), rows[-1].id if rows else after


def queue(session: Session, recipients: list[int], subject: str, body: str,
          now: dt.datetime, channel: str | None = None) -> None:
    """Put a message for each recipient in the outbox (same transaction as what it tells);
    `channel`: `sms` for the phone on file (none: email)."""
    session.add_all(Notification(recipient_id=r, subject=subject, body=body, created_at=now,
                                 channel=channel) for r in recipients)
