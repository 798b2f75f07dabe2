"""Demo people and demo worlds (`onething demo generate`)."""
