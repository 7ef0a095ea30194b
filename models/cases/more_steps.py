"""Steps outside the lifecycle table (states.ALLOWED): undoing a merge, resuming a paused case and
deciding a waiting extension request. They depend on more than the case's state (a merge record,
`paused_since`, a pending request), so a screen asks here whether they apply — the same rules the
operations in models/intake/merge.py and models/cases/pausing.py check again when they run.
"""

from __future__ import annotations

from models.errors import DomainError, InvalidState
from models.org.context import Context
from models.org.permissions import require_role
from models.store.schema import Case
from models.store.states import MERGED

# step → the role action that authorises it (permissions.ROLE_ACTIONS)
AUTHORITY = {"unmerge": "merge", "resume": "pause", "decide_extension": "decide_extension"}


def more_refusal(ctx: Context, case: Case, step: str, pending_extension: bool) -> DomainError | None:
    """Why `step` (a key of AUTHORITY) may not be taken on this loaded case now, or None.

    `pending_extension` is whether an extension request waits (read with the case), so this needs
    no database access.
    """
    try:
        require_role(ctx, AUTHORITY[step])
    except DomainError as exc:
        return exc
    if step == "unmerge" and case.state != MERGED:
        return InvalidState(f"case {case.id} is {case.state}, not merged: nothing to unmerge")
    if step == "resume" and not case.paused_since:
        return InvalidState(f"case {case.id} is {case.state} and not paused")
    if step == "decide_extension" and not pending_extension:
        return InvalidState(f"case {case.id} is {case.state} and has no extension request waiting")
    return None


def more_steps(ctx: Context, case: Case, pending_extension: bool) -> list[str]:
    """The steps of AUTHORITY this operator may take on the case now."""
    return [step for step in AUTHORITY if more_refusal(ctx, case, step, pending_extension) is None]
