"""Exceptions of the cleaning step."""

from __future__ import annotations


class SurveyFileError(ValueError):
    """A survey export cannot be used; the message names the file and, where it applies, row and column."""

    def __init__(self, message: str, path: object = None, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.path = path
        self.row = row
        self.column = column


class TidySchemaError(ValueError):
    """A tidy survey table breaks the schema; the message lists the failing checks (gm_code, column)."""


class CleaningInvariantError(RuntimeError):
    """A bug guard: the cleaning log does not account for every input row exactly once."""
