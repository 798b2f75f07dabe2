"""The facts identity records for others to act on."""

from __future__ import annotations

from dataclasses import dataclass

from onething.kernel.bus import Event


@dataclass(frozen=True)
class RecoveryCodeIssued(Event):
    """忘记密码: a one-time code to send to the user through `channel` (sms | email); the
    code itself travels only in this event and the message (identity keeps a hash)."""

    user_id: int
    channel: str
    code: str
    minutes: int
