"""The outbox: every message to a person leaves through it (log or SMTP), after the
transaction that caused it commits."""
