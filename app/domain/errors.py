"""The error tree.

Three kinds, one display path (ARCHITECTURE §5.6):

* :class:`UserCancelled` is silent.
* :class:`UserFacingError` subclasses carry a stable ``code`` and ``params`` and render to one
  clear sentence for an operator. Library exception text never reaches an operator.
* Anything else is a bug: logged with its traceback and shown with "copy details".
"""

from __future__ import annotations

from typing import Any, ClassVar


class UserCancelled(Exception):
    """The operator cancelled; nothing to show."""


class UserFacingError(Exception):
    """An error an operator can understand and act on.

    Subclasses set ``code`` (stable, for logs, tests and translations) and ``template``
    (a ``str.format`` template over ``params``).
    """

    code: ClassVar[str] = "error"
    template: ClassVar[str] = "Something went wrong."

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one sentence shown to the operator."""
        return self.template.format(**self.params)


class PermissionDenied(UserFacingError):
    code = "permission.denied"
    template = "{operator} ({role}) may not {action}; ask {article} {needed}."

    @property
    def message(self) -> str:
        # "ask an admin", "ask a supervisor": the article follows the role's first letter.
        article = "an" if str(self.params["needed"])[:1].lower() in "aeiou" else "a"
        return self.template.format(article=article, **self.params)


class NotSignedIn(UserFacingError):
    code = "operator.not_signed_in"
    template = "Nobody is signed in at this station; sign in to {action}."


class SignInFailed(UserFacingError):
    code = "operator.sign_in_failed"
    template = "Badge or PIN not recognised for {who}; try again or ask a supervisor."


class OperatorInactive(UserFacingError):
    code = "operator.inactive"
    template = "{operator} is deactivated and cannot sign in."


class InvalidInput(UserFacingError):
    code = "input.invalid"
    template = "{field}: {problem}."


class DuplicateRecord(UserFacingError):
    code = "record.duplicate"
    template = "{what} '{value}' already exists."


class DatabaseCorrupt(UserFacingError):
    code = "storage.corrupt"
    template = (
        "The station database {path} is damaged ({detail}); it was not modified. "
        "Restore it from a backup or contact support."
    )


class DatabaseLocked(UserFacingError):
    code = "storage.locked"
    template = (
        "The station database {path} is in use by another station process; "
        "close that window first (nothing was changed)."
    )


class DatabaseTooNew(UserFacingError):
    code = "storage.too_new"
    template = (
        "The station database {path} was written by a newer version of the station "
        "(schema {found}); install that version or newer. The file was not modified."
    )


class LedgerBroken(UserFacingError):
    code = "ledger.broken"
    template = "Ledger check failed at event #{seq}: {problem}."
