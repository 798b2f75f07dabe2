"""The JSON API under /api/v1: one router module per domain, thin (parse the request, call
the service, answer)."""
