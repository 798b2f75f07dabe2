"""Benchmarks (`make bench`). They start `onething serve` as the suite does, with the suite's
helper (tests/served.py), and send the suite's samples (tests/samples.py)."""

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if TESTS not in sys.path:
    sys.path.append(TESTS)
