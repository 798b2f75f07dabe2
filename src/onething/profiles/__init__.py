"""一人一档、一企一档: what the platform already knows about a person or a company (profiles)."""
