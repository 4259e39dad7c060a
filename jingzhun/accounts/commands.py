"""The base of the commands officials run as an account (``--user NAME``): a usage error is a
message on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand


class AccountCommand(BaseCommand):
    def fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        sys.exit(2)

    def account(self, username: str) -> Any:
        """The active account ``username`` (the command acts within its areas); exits 2 naming it
        when there is none."""
        from jingzhun.accounts.selectors import active_user

        user = active_user(username)
        if user is None:
            self.fail(f"没有账号 {username}。 No active account {username!r}.")
        return user
