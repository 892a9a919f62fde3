"""Errors that the one Slack error handler turns into friendly replies."""

from __future__ import annotations


class OpsbotError(Exception):
    """An expected problem that the user should read about, not a bug."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(OpsbotError):
    """Malformed input: explain what was wrong and show the correct usage."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class NotFoundError(OpsbotError):
    """The thing asked for does not exist in this workspace."""


class PermissionDeniedError(OpsbotError):
    """The caller may not do this; the message says who can."""


class ConflictError(OpsbotError):
    """The action no longer applies (already done, or changed by someone else)."""
