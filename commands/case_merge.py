"""`chuishao case duplicates | merge | unmerge | split`: one problem, one case.

Registered on the `case` group; console/cli.py imports this module once so the commands exist.
"""

from __future__ import annotations

import click

from commands.case import _done, case
from commands.common import State, emit_json, json_option, pass_state, say, table
from models.cases.views import case_row
from models.intake import merge as merge_ops
from models.intake.duplicates import candidate_rows, duplicate_candidates
from models.org.permissions import masked


@case.command("duplicates")
@click.argument("case_id", type=int)
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help="List candidates scoring at least this (default: the configured threshold).")
@json_option
@pass_state
def duplicates(state: State, case_id: int, min_score: float | None, as_json: bool) -> None:
    """Possible duplicates of a case among open and recent cases, best first, with the reasons.

    Example: chuishao case duplicates 42 --json
    """
    ctx = state.ctx
    rows = [masked(ctx, "case", row) for row in candidate_rows(ctx, duplicate_candidates(ctx, case_id, min_score=min_score))]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        say(state.out, f"case {case_id}: no possible duplicates")
        return
    table(state.out, ["case", "score", "state", "received", "reasons", "title"],
          [[r["case_id"], f"{r['score']:.0%}", r["state"], r["received_at"], "; ".join(r["reasons"]), r["title"]]
           for r in rows], title=f"possible duplicates of case {case_id}")


@case.command("merge")
@click.argument("target", type=int)
@click.argument("sources", type=int, nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Confirm a merge across townships or into a closed case.")
@json_option
@pass_state
def merge(state: State, target: int, sources: tuple[int, ...], force: bool, as_json: bool) -> None:
    """Merge cases reporting the same problem into TARGET; each report keeps its channel and source id.

    Example: chuishao case merge 42 57 63
    """
    result = merge_ops.merge(state.ctx, target, list(sources), force=force)
    _done(state, result, f"merge {', '.join(map(str, sources))} ({result.report_count} reports)", as_json)


@case.command("unmerge")
@click.argument("source", type=int)
@json_option
@pass_state
def unmerge(state: State, source: int, as_json: bool) -> None:
    """Undo a merge: the case comes back with its reports, exactly as it was.

    Example: chuishao case unmerge 57
    """
    _done(state, merge_ops.unmerge(state.ctx, source), "unmerge", as_json)


@case.command("split")
@click.argument("case_id", type=int)
@click.option("--part", "parts", multiple=True, required=True, help="The text of one problem (repeat).")
@json_option
@pass_state
def split(state: State, case_id: int, parts: tuple[str, ...], as_json: bool) -> None:
    """Split a case raising several problems into new cases, one per --part, linked to it.

    Example: chuishao case split 42 --part "路灯不亮" --part "井盖缺失"
    """
    children = merge_ops.split(state.ctx, case_id, list(parts))
    if as_json:
        emit_json([case_row(state.ctx, c) for c in children])
        return
    say(state.out, f"case {case_id}: split into {', '.join(str(c.id) for c in children)}")
