"""Steps outside the lifecycle table (states.ALLOWED): undoing a merge, resuming a paused case and
deciding a waiting extension request. They depend on more than the case's state (a merge record,
`paused_since`, a pending request), so a screen asks here whether they apply — the same rules the
operations in models/intake/merge.py and models/cases/pausing.py check again when they run.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.errors import DomainError, InvalidState
from models.org.context import Context
from models.org.permissions import require_role
from models.store.schema import Case
from models.store.states import MERGED
from models.text.messages import Ref

# step → the role action that authorises it (permissions.ROLE_ACTIONS)
AUTHORITY = {"unmerge": "merge", "resume": "pause", "decide_extension": "decide_extension"}


def more_refusal(ctx: Context, case: Case, step: str, pending_extension: bool,
                 merged_sources: Sequence[int] = ()) -> DomainError | None:
    """Why `step` (a key of AUTHORITY) may not be taken on this loaded case now, or None.

    `pending_extension` is whether an extension request waits and `merged_sources` the cases merged
    into this one (both read with the case), so this needs no database access. A merge is undone
    from the merged case itself or from the case it went into (naming which source).
    """
    try:
        require_role(ctx, AUTHORITY[step])
    except DomainError as exc:
        return exc
    if step == "unmerge" and case.state != MERGED and not merged_sources:
        return InvalidState("case.not_merged", case=case.id, state=Ref("state", case.state))
    if step == "resume" and not case.paused_since:
        return InvalidState("case.not_paused", case=case.id, state=Ref("state", case.state))
    if step == "decide_extension" and not pending_extension:
        return InvalidState("case.no_extension_waiting", case=case.id, state=Ref("state", case.state))
    return None


def more_steps(ctx: Context, case: Case, pending_extension: bool, merged_sources: Sequence[int] = ()) -> list[str]:
    """The steps of AUTHORITY this operator may take on the case now."""
    return [step for step in AUTHORITY
            if more_refusal(ctx, case, step, pending_extension, merged_sources) is None]
