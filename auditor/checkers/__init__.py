"""Checkers: one rule per class. Built-in ones are registered through the `auditor.checkers`
entry-point group in pyproject.toml, exactly as an add-on package would register its own."""

from auditor.checkers.base import AccountChecker, CheckContext, Checker, Example

__all__ = ["AccountChecker", "CheckContext", "Checker", "Example"]
