"""The one base of every refusal a user reads: the message is Chinese and says what to do.

A subclass may carry more (the issues of a workbook, the errors of a submission, one message per
problem), but `str(exc)` and `exc.message` are always the Chinese text to show, and `where`, when
given, names the sheet, cell, field or row it is about.
"""

from __future__ import annotations


class UserError(Exception):
    """A refused request, explained in Chinese (`message`); `where` optionally names the place."""

    def __init__(self, message: str = "", *, where: str | None = None):
        super().__init__(message)
        self.where = where

    @property
    def message(self) -> str:
        return self.__dict__.get("_message", str(self.args[0]) if self.args else "")

    @message.setter
    def message(self, value: str) -> None:
        self.__dict__["_message"] = value
