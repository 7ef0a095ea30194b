"""`chuishao suggest …`: 智能分哨 from the command line — suggest, check accuracy, train."""

from __future__ import annotations

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say, table
from models.errors import UsageError
from models.suggest.engine import suggest_case, suggest_text
from models.suggest.evaluation import batch, evaluate_file
from models.suggest.result import Suggestion
from models.suggest.result import say as words
from models.suggest.training import train

profile_option = click.option("--profile", help="Import profile naming the columns (e.g. tipdm).")


@click.group(cls=Group)
def suggest() -> None:
    """智能分哨: suggested category, township, priority, duty item and departments, with reasons.

    Example: chuishao suggest text "小区燃气泄漏，有人被困"
    """


def show(state: State, result: Suggestion, as_json: bool) -> None:
    if as_json:
        emit_json(result.as_dict())
        return
    lang = state.config.language
    parts = [("row_category", result.categories), ("row_township", result.townships + result.villages),
             ("row_priority", result.priorities), ("row_duty", result.duty_items),
             ("row_decision", result.decisions), ("row_lead", result.leads),
             ("row_cooperating", result.cooperating_departments)]
    rows = []
    for key, options in parts:
        for n, option in enumerate(options):
            shown = f"{option.value} {option.label}" if key == "row_duty" else option.label
            rows.append([words(lang, key) if n == 0 else "", shown, f"{option.score:.0%}", "；".join(option.reasons)])
    table(state.out, [words(lang, k) for k in ("head_item", "head_suggestion", "head_score", "head_reasons")], rows)
    for note in result.notes:
        say(state.out, note)


@suggest.command("text")
@click.argument("text")
@click.option("--title", default="", help="The report's title, if it has one.")
@json_option
@pass_state
def text_command(state: State, text: str, title: str, as_json: bool) -> None:
    """Suggestions for a text, e.g. a call being typed in.

    Example: chuishao suggest text "十里铺村自来水停水两天了" --json
    """
    if not text.strip():
        raise UsageError("give the report text")
    show(state, suggest_text(state.ctx, text, title), as_json)


@suggest.command("case")
@click.argument("case_id", type=int)
@json_option
@pass_state
def case_command(state: State, case_id: int, as_json: bool) -> None:
    """Suggestions for a case, starting from what it already has.

    Example: chuishao suggest case 42
    """
    show(state, suggest_case(state.ctx, case_id), as_json)


@suggest.command("batch")
@click.argument("path", type=click.Path(dir_okay=False))
@profile_option
@json_option
@pass_state
def batch_command(state: State, path: str, profile: str | None, as_json: bool) -> None:
    """The top 3 categories for every row of a file (one result per row, with its source id).

    Example: chuishao suggest batch messages.csv --profile tipdm --json > suggestions.json
    """
    results = list(batch(state.ctx, path, profile))
    if as_json:
        emit_json(results)
        return
    table(state.out, ["row", "source_id", "label", "categories"],
          [[r["row"], r.get("source_id"), r.get("label"),
            r.get("skipped") or "  ".join(f"{c['path']} {c['score']:.0%}" for c in r["categories"])]
           for r in results])


@suggest.command("train")
@click.option("--from", "path", type=click.Path(dir_okay=False), help="A labelled file (text + category).")
@profile_option
@click.option("--history/--no-history", "use_history", default=True,
              help="Also learn from the office's decided cases (default: yes).")
@json_option
@pass_state
def train_command(state: State, path: str | None, profile: str | None, use_history: bool, as_json: bool) -> None:
    """Train the category model from a labelled file and/or the office's own decisions.

    Without --from, the rows of the last labelled file are kept and the history is re-read.

    Example: chuishao suggest train --from messages.csv --profile tipdm
    """
    if path is None and profile is not None:
        raise UsageError("--profile names the columns of a file: give --from FILE too")
    result = train(state.ctx, path=path, profile=profile, use_history=use_history)
    if as_json:
        emit_json(result.as_json())
        return
    say(state.out, f"trained on {result.seed_rows} file rows and {result.history_rows} decided cases "
                   f"in {result.seconds:.1f} s; {len(result.skipped)} rows skipped")
    for reason in result.skipped[:5]:
        say(state.out, f"  skipped {reason}")
    table(state.out, ["category", "rows"], sorted(result.labels.items(), key=lambda kv: -kv[1]))


@suggest.command("evaluate")
@click.argument("path", type=click.Path(dir_okay=False))
@profile_option
@click.option("--skip-overlap", is_flag=True, help="Leave out rows the model was trained on instead of refusing.")
@json_option
@pass_state
def evaluate_command(state: State, path: str, profile: str | None, skip_overlap: bool, as_json: bool) -> None:
    """Top-1 and top-3 accuracy (first level) and a confusion table on a labelled file not trained on.

    Example: chuishao suggest evaluate held_out.csv --profile tipdm
    """
    result = evaluate_file(state.ctx, path, profile, skip_overlap=skip_overlap)
    if as_json:
        emit_json(result.as_json())
        return
    lang = state.config.language
    say(state.out, f"{result.rows} rows: top-1 {result.top1_accuracy:.3f}, top-3 {result.top3_accuracy:.3f}"
                   + (f" ({result.overlap} training rows left out)" if result.overlap else "")
                   + (f"; {len(result.skipped)} rows skipped" if result.skipped else ""))
    # The confusion table, one row per true category: how its rows were classified first (a full
    # matrix of 15 Chinese column heads does not fit a terminal; --json has it as a matrix).
    heads = [words(lang, k) for k in ("head_true", "head_rows", "head_top1", "head_top3", "head_predicted")]
    rows = [[true, stats[0], f"{stats[1] / stats[0]:.2f}", f"{stats[2] / stats[0]:.2f}",
             "  ".join(f"{p} {n}" for p, n in result.confusion[true].most_common())]
            for true, stats in sorted(result.per_label.items(), key=lambda kv: -kv[1][0])]
    table(state.out, heads, rows)
