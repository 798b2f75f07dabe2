"""The verifiable draw (摇号): committed seeds, frozen pools, picks anyone can re-run."""
