"""What the admin modules (campaigns, units, targets) share: the refusal they raise and the clock
they stamp writes with."""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import UserError


class AdminError(UserError):
    """A refused admin change. `messages` are Chinese, one per problem, each saying where."""

    def __init__(self, messages: str | Sequence[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))

    @property
    def message(self) -> str:
        return "；".join(self.messages)


