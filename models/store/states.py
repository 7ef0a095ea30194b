"""Case states and which steps each allows: the lifecycle as data, so refusals can list the options."""

from __future__ import annotations

NEW, LOCAL, WHISTLED, DISPATCHED, ACKNOWLEDGED, ON_SITE, RETURNED = (
    "new", "local", "whistled", "dispatched", "acknowledged", "on_site", "returned")
RESOLVED, CLOSED, REJECTED, MERGED, SPLIT = "resolved", "closed", "rejected", "merged", "split"

STATES = (NEW, LOCAL, WHISTLED, DISPATCHED, ACKNOWLEDGED, ON_SITE, RETURNED, RESOLVED, CLOSED,
          REJECTED, MERGED, SPLIT)
FINAL_STATES = frozenset({CLOSED, REJECTED, MERGED, SPLIT})
OPEN_STATES = frozenset(STATES) - FINAL_STATES
IN_PROGRESS = frozenset({LOCAL, DISPATCHED, ACKNOWLEDGED, ON_SITE})
DEPARTMENT_STATES = frozenset({DISPATCHED, ACKNOWLEDGED, ON_SITE, RETURNED})

# Assignment states.
PENDING, A_ACKNOWLEDGED, A_ON_SITE, A_RETURNED, WITHDRAWN = (
    "pending", "acknowledged", "on_site", "returned", "withdrawn")

# step → case states in which it may be taken (finer checks, per assignment, live in the operation).
ALLOWED: dict[str, frozenset[str]] = {
    "triage": frozenset({NEW}),
    "dispatch": frozenset({WHISTLED}),
    # Each department works its own assignment: a cooperating department may sign for, arrive or
    # return whatever the lead's progress; the operation checks the assignment's own state.
    "acknowledge": frozenset({DISPATCHED, ACKNOWLEDGED, ON_SITE, RETURNED}),
    "return": frozenset({DISPATCHED, ACKNOWLEDGED, ON_SITE, RETURNED}),
    "review_return": frozenset({RETURNED, DISPATCHED, ACKNOWLEDGED, ON_SITE}),
    "arrive": frozenset({DISPATCHED, ACKNOWLEDGED, ON_SITE, RETURNED}),
    "note": OPEN_STATES,
    "resolve": frozenset({LOCAL, ACKNOWLEDGED, ON_SITE}),
    "evaluate": frozenset({RESOLVED}),
    "reopen": frozenset({RESOLVED}),
    "close": frozenset({RESOLVED}),
    "merge": OPEN_STATES,
    "split": frozenset({NEW, WHISTLED, LOCAL}),
    "pause": frozenset({NEW, LOCAL, WHISTLED, DISPATCHED, ACKNOWLEDGED, ON_SITE, RETURNED}),
    "extend": frozenset({LOCAL, DISPATCHED, ACKNOWLEDGED, ON_SITE}),
}


def steps_allowed(state: str) -> list[str]:
    """The steps a case in this state may take, in lifecycle order."""
    return [step for step, states in ALLOWED.items() if state in states]
