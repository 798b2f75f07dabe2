"""What the outbox sends when others record facts: a password recovery code."""

from __future__ import annotations

from onething.identity.events import RecoveryCodeIssued
from onething.kernel import bus
from onething.kernel.context import Context
from onething.outbox.service import queue


@bus.handles(RecoveryCodeIssued)
def send_recovery_code(ctx: Context, event: RecoveryCodeIssued) -> None:
    """The one-time code, to the phone (SMS) or the mail address on file."""
    queue(ctx.session, [event.user_id], "找回密码验证码",
          f"您正在找回一件事一次办平台的登录密码，验证码：{event.code}，{event.minutes} 分钟内"
          "有效，仅可使用一次。如非本人操作，请忽略并注意账号安全；工作人员不会向您索要验证码。",
          ctx.now, channel=event.channel)
