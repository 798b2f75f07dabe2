"""What every `onething` command shares: its failure, and the exit codes."""

from __future__ import annotations

EXIT_INVALID = 1  # the input is wrong (catalog problems, bad answers)
EXIT_USAGE = 2  # the command line is wrong


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.code = code
