"""The unified intake queue: view tabs with counts, search, filters, sort, and a paged case table.

Every read runs in a worker thread and comes back as a message; the table asks for the next page
before the cursor reaches the edge of what it holds. A poll notices others' changes and reloads the
window around the case under the cursor.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from models.cases import queries
from models.cases.queries import CaseQuery
from models.errors import ChuishaoError
from models.org.context import Context
from models.text.labels import colon, label
from screens import keymap
from screens.base import ConsoleScreen, in_thread, shown_error
from screens.messages import ChangesSeen, CountsLoaded, FirstPaint, LoadFailed, PageLoaded
from screens.widgets.case_sections import Names
from screens.widgets.footer import ConsoleFooter
from screens.widgets.queue_table import QueueTable, prepare
from screens.widgets.rows import queue_rows

PAGE = 200
VIEW_ORDER = tuple(queries.VIEWS)  # new, whistled, in_progress, overdue, to_evaluate, all
# What a queue row shows: pages read only these columns (see CaseQuery.columns).
QUEUE_COLUMNS = ("received_at", "channel", "township", "category", "state", "lead", "next_due", "report_count",
                 "must_supervise", "title")

class QueueScreen(ConsoleScreen):
    """The intake queue (the console's home screen)."""

    KEYS = keymap.QUEUE_KEYS
    BINDINGS = keymap.bindings(keymap.QUEUE_KEYS)

    def __init__(self, ctx: Context, language: str, poll_interval: float = 1.5) -> None:
        super().__init__(ctx, language)
        self.case_query = CaseQuery(view="all", columns=QUEUE_COLUMNS)
        self.poll_interval = poll_interval
        self.seq = 0
        self.token: tuple[int, int] | None = None
        self.counts: dict[str, int] = {}
        self.first_paint_done = False
        self.counting = False
        self.counts_due = False

    def compose(self) -> ComposeResult:
        yield Static(self.identity(), id="topbar")
        yield Static(id="views")
        yield Static(id="status")
        headers = {c: self.t(f"col_{c}") for c in ("id", "received", "channel", "township", "category",
                                                   "state", "lead", "due", "reports", "mark", "title")}
        yield QueueTable(headers, self.lang, id="queue")
        yield Input(placeholder=self.t("search_placeholder"), id="search", classes="hidden")
        yield ConsoleFooter()

    def show_unread(self, count: int) -> None:
        """The operator's unread notifications, counted at the end of the top line (F7 lists them)."""
        line = self.identity()
        if count:
            line.append(f" · {self.t('inbox_count', n=count)}", style="bold yellow")
        self.query_one("#topbar", Static).update(line)

    def identity(self) -> Text:
        op = self.ctx.operator
        who = f"{op.display or op.name}（{label('role', op.role, self.lang)}）"
        if self.ctx.on_behalf_of:
            who = self.t("acting_as", actor=self.ctx.actor, operator=who)
        office = str(self.ctx.config.section("office")["name"])
        return Text(f" {self.t('app_title')} · {office} · {who}")

    def help_keys(self) -> tuple[keymap.Key, ...]:
        return (*self.KEYS, *keymap.TABLE_KEYS)

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def on_mount(self) -> None:
        self.table.show_message([self.t("loading")])
        self.table.focus()
        self.show_bars()
        self.reload()
        self.set_interval(self.poll_interval, self.poll)
        self.set_interval(30, self.tick)

    def on_screen_resume(self) -> None:
        if self.first_paint_done:
            self.poll()

    # --- loading -----------------------------------------------------------------------------
    def reload(self, cursor_id: int | None = None, recount: bool = True) -> None:
        """Fetch the window (around the cursor's case when given) and the counts again."""
        self.seq += 1
        table = self.table
        top_key = table.rows[table.top].key if table.rows and cursor_id else None
        self.fetch_window(self.seq, self.case_query, "refresh" if top_key else "first", top_key, cursor_id,
                          table.cursor - table.top, table.size.width or self.app.size.width)
        if recount:
            self.request_counts()

    def request_counts(self) -> None:
        """Count the views again; while a count runs (a second or so on a million cases), only note
        that another is due, so polls during a busy spell never pile up threads."""
        if self.counting:
            self.counts_due = True
            return
        self.counting, self.counts_due = True, False
        self.fetch_counts(self.case_query)

    @work(thread=True, exclusive=True, group="window")
    def fetch_window(self, seq: int, q: CaseQuery, mode: str, key: Any, cursor_id: int | None,
                     offset: int, width: int) -> None:
        try:
            message = in_thread(self.ctx, _window, q, mode, key, cursor_id, offset, self.lang, seq)
            message.texts, message.width = prepare(message.rows, width), width
        except ChuishaoError as exc:
            self.post_message(LoadFailed(shown_error(self.ctx, exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    @work(thread=True, group="counts")
    def fetch_counts(self, q: CaseQuery) -> None:
        try:
            counts, total = in_thread(self.ctx, _counts, q)
        except ChuishaoError as exc:
            self.post_message(LoadFailed(shown_error(self.ctx, exc)))
            counts, total = {}, None
        self.post_message(CountsLoaded(counts, total))

    @work(thread=True, exclusive=True, group="more")
    def fetch_more(self, seq: int, q: CaseQuery, direction: str, key: Any, width: int) -> None:
        try:
            page = in_thread(self.ctx, queries.page_after if direction == "after" else queries.page_before,
                             q, key, PAGE)
        except ChuishaoError as exc:
            self.post_message(LoadFailed(shown_error(self.ctx, exc)))
            return
        rows = queue_rows(self.ctx, q, page.cases, self.lang)
        if not get_current_worker().is_cancelled:
            self.post_message(PageLoaded(seq, direction, rows, page.at_start, page.at_end,
                                         texts=prepare(rows, width), width=width))

    @work(thread=True, exclusive=True, group="poll")
    def poll(self) -> None:
        if not self.is_current:
            return
        try:
            token = in_thread(self.ctx, queries.change_token)
        except Exception:  # noqa: BLE001 - a busy database: the next tick tries again
            return
        if token != self.token:
            self.post_message(ChangesSeen(token))

    def tick(self) -> None:
        self.table.now = self.ctx.now()
        self.table.refresh()

    # --- results -----------------------------------------------------------------------------
    def on_page_loaded(self, message: PageLoaded) -> None:
        if message.seq != self.seq:
            return  # an answer to a query the operator has since changed
        table = self.table
        table.now = self.ctx.now()
        table.prime(message.texts, message.width)
        if message.token is not None and self.token is None:
            self.token = message.token
        if message.mode == "after":
            table.extend(message.rows, message.at_end)
        elif message.mode == "before":
            table.prepend(message.rows, message.at_start)
        else:
            base = message.base
            if base is None and message.at_end and message.at_start:
                base = 0
            total = self.counts.get(self.case_query.view)
            if message.mode == "last" and total is not None:
                base = total - len(message.rows)
            table.replace(message.rows, message.at_start, message.at_end, message.cursor_id, message.offset,
                          base, cursor_index=len(message.rows) - 1 if message.mode == "last" else None)
            if not message.rows:
                table.show_message(self.empty_lines(message.cursor_id == -1))
        self.show_bars()
        if not self.first_paint_done:
            self.first_paint_done = True
            self.call_after_refresh(self.app.post_message, FirstPaint())

    def empty_lines(self, empty_database: bool) -> list[str]:
        if empty_database:
            return [self.t("first_run_1"), "", "  chuishao intake add --channel hotline_12345 --text \"…\"",
                    "", self.t("first_run_2"), "", "  chuishao demo --cases 2000"]
        return [self.t("no_match")]

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        self.counts = message.counts
        self.counting = False
        if self.counts_due:
            self.request_counts()
        self.show_bars()

    def on_changes_seen(self, message: ChangesSeen) -> None:
        known, self.token = self.token, message.token
        if known is not None:  # (None: the first page is still on its way and is current)
            current = self.table.current
            self.reload(cursor_id=current.id if current else None)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.notify(message.message, severity=message.severity, markup=False)  # type: ignore[arg-type]

    def on_queue_table_need_rows(self, message: QueueTable.NeedRows) -> None:
        width = self.table.size.width
        if message.direction in ("after", "before"):
            self.fetch_more(self.seq, self.case_query, message.direction, message.key, width)
        else:
            self.seq += 1
            self.fetch_window(self.seq, self.case_query, message.direction, None, None, 0, width)

    # --- bars ---------------------------------------------------------------------------------
    def show_bars(self) -> None:
        views = Text()
        for i, view in enumerate(VIEW_ORDER, 1):
            count = self.counts.get(view)
            tab = f" {i} {label('view', view, self.lang)} {'' if count is None else count} "
            # a click on a tab switches to its view, like its number key
            style = Style.parse("reverse bold" if view == self.case_query.view else "none")
            views.append(tab, style=style + Style.from_meta({"@click": f"screen.view({i - 1})"}))
        self.query_one("#views", Static).update(views)
        q = self.case_query
        parts = [self.t("sort_by", column=self.t(f"sort_{q.sort}"), arrow="↓" if q.descending else "↑")]
        if q.text:
            parts.append(self.t("searching", text=q.text))
        for name in ("states", "township", "department", "channel", "priority"):
            value = getattr(q, name)
            if value:
                parts.append(f"{self.t('filter_' + name)}{colon(self.lang)}{self.filter_shown(name, value)}")
        total = self.counts.get(q.view)
        if total is not None:
            parts.append(self.t("total", total=total))
        if self.table.total != total:
            self.table.total = total
            self.table.refresh_position()
        status = Text(" " + " │ ".join(parts))  # a Text: the search words are the operator's input
        self.query_one("#status", Static).update(status)

    def filter_shown(self, name: str, value: Any) -> str:
        """A filter's value by its name in the office's language (城关镇, not chengguan)."""
        names = Names(self.ctx.config, self.lang)
        if name == "states":
            return "、".join(label("state", s, self.lang) for s in value)
        if name == "township":
            return names.town(value)
        if name == "department":
            return names.dept(value)
        if name == "channel":
            return names.channel(value)
        priority = self.ctx.config.priorities.get(value)
        if priority is None:
            return str(value)
        return priority.name if self.lang == "zh" else priority.name_en

    # --- actions -------------------------------------------------------------------------------
    def set_query(self, q: CaseQuery) -> None:
        counted = _count_base(self.case_query) == _count_base(q)  # a new view or sort: same counts
        self.case_query = q
        self.table.show_message([self.t("loading")])
        self.reload(recount=not counted)
        self.show_bars()

    def action_view(self, index: int) -> None:
        self.set_query(self.case_query.with_(view=VIEW_ORDER[index]))

    def action_view_step(self, step: int) -> None:
        index = (VIEW_ORDER.index(self.case_query.view) + step) % len(VIEW_ORDER)
        self.action_view(index)

    def action_open_case(self) -> None:
        row = self.table.current
        if row is not None:
            from screens.case_view import CaseScreen

            self.app.push_screen(CaseScreen(self.ctx, self.lang, row.id))

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.remove_class("hidden")
        box.value = self.case_query.text or ""
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            event.stop()
            event.input.add_class("hidden")
            self.table.focus()
            self.set_query(self.case_query.with_(text=event.value.strip() or None))

    def action_clear(self) -> None:
        box = self.query_one("#search", Input)
        if not box.has_class("hidden"):
            box.add_class("hidden")
            self.table.focus()
            return
        q = self.case_query
        cleared = CaseQuery(view=q.view, sort=q.sort, descending=q.descending, columns=QUEUE_COLUMNS)
        if cleared != self.case_query:
            self.set_query(cleared)

    def action_filter(self) -> None:
        from screens.dialogs.filters import FilterDialog

        self.app.push_screen(FilterDialog(self.ctx, self.lang, self.case_query, _indexes(self)),
                             callback=self._filtered)

    def _filtered(self, values: dict[str, Any] | None) -> None:
        if values is not None:
            q = self.case_query.with_(**values)
            view_states = queries.VIEWS[q.view][0]
            if q.states and view_states is not None and not view_states & set(q.states):
                q = q.with_(view="all")  # e.g. 已合并 from 待分类: show those cases, not an empty view
            self.set_query(q)

    def action_sort(self) -> None:
        from screens.dialogs.choose import ChooseDialog

        options = [(sort, self.t(f"sort_{sort}")) for sort in queries.INDEXED_SORTS]
        self.app.push_screen(ChooseDialog(self.ctx, self.lang, self.t("sort_dialog"), options, self.case_query.sort),
                             callback=self._sorted)

    def _sorted(self, sort: str | None) -> None:
        if sort is not None:
            flip = sort == self.case_query.sort
            self.set_query(self.case_query.with_(sort=sort, descending=not self.case_query.descending if flip else False))

    def action_reverse(self) -> None:
        self.set_query(self.case_query.with_(descending=not self.case_query.descending))

    def action_reload(self) -> None:
        current = self.table.current
        self.reload(cursor_id=current.id if current else None)


def _indexes(screen: QueueScreen) -> dict[str, Any]:
    return getattr(screen.app, "indexes", {})


def _window(ctx: Context, q: CaseQuery, mode: str, key: Any, cursor_id: int | None, offset: int,
            language: str, seq: int) -> PageLoaded:
    """The rows of a whole new window (runs in a worker thread)."""
    if mode == "last":
        page = queries.page_before(ctx, q, None, PAGE)
    elif mode == "refresh":
        head = queries.page_before(ctx, q, key, offset + PAGE // 4)
        tail = queries.page_after(ctx, q, key, PAGE, inclusive=True)
        page = queries.Page(head.cases + tail.cases, head.at_start, tail.at_end, tail.next_key)
        if cursor_id is not None and all(c.id != cursor_id for c in page.cases):
            around = queries.page_around(ctx, q, cursor_id, before=offset + PAGE // 4, after=PAGE)
            if around is not None:
                page = around[0]
    else:
        page = queries.page_after(ctx, q, None, PAGE)
    token = queries.change_token(ctx)  # read after the rows: a change in between shows at the next poll
    if not page.cases and token[1] == 0:
        cursor_id = -1  # nothing in the database at all: the first-run help
    rows = queue_rows(ctx, q, page.cases, language)
    return PageLoaded(seq, mode, rows, page.at_start, page.at_end, cursor_id, offset,
                      0 if page.at_start else None, token)


def _count_base(q: CaseQuery) -> CaseQuery:
    return q.with_(view="all", sort="id", descending=False)


def _counts(ctx: Context, q: CaseQuery) -> tuple[dict[str, int], int]:
    counts = queries.view_counts(ctx, _count_base(q))
    return counts, counts[q.view]
