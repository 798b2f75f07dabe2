"""The kernel below every domain: the context, the clock, the principal and its roles, the
region tree, ids, errors, settings, the database, the working-day calendar and the message
bus. It imports no domain."""
