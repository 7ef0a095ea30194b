"""The message catalogue: every sentence models/ says to a user, by code, in each office language.

A refusal is raised as `PermissionDenied("perm.only_lead", department=Ref("department", "shengtai"))`:
a code from CATALOGUE and its parameters. Each face renders it: the console in `[office] language`
with departments and townships by their configured names, the CLI in English (scripts and logs grep
one stable language; `--json` errors carry the code and parameters). No sentence is written twice.

Parameters that name something are `Ref(kind, id)`: `kind` is "department", "township" (shown by the
configured name through the face's `names` lookup), "step" (a step or permission: its action label in
Chinese, the id in words in English, as the CLI always said it), "field" (the text a step requires,
FIELDS) or any kind of models.text.labels ("state", "priority" …, shown by its label). A parameter
that is itself a refusal (a ChuishaoError) is rendered in the same language. Lists and tuples of refs are joined in the language's
way. Everything else is shown as given (numbers, times already formatted, citizen-free values).

Pure data and functions. May import: models.text only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from models.text.labels import LABELS, label


@dataclass(frozen=True)
class Ref:
    """An identifier a face shows by name, never as the id (`chengguan_zf` → 城管执法局)."""

    kind: str
    ident: str

    def __str__(self) -> str:  # English faces and logs: the id is the English name
        return self.ident


def refs(kind: str, idents: Iterable[str]) -> tuple[Ref, ...]:
    return tuple(Ref(kind, i) for i in idents)


Names = Callable[[str, str], "str | None"]

# Ref("step", id): what a role may do, in the CLI's words (`review_return` → "review return") and
# in Chinese by the action label, plus the permissions that are no case step.
STEPS_ZH: dict[str, str] = {
    "decide_extension": "延期审批", "retriage": "重新分类", "audit": "查看审计记录", "backup": "备份数据库",
    "manage_operators": "管理操作员", "notify": "发送通知", "read_accountability": "查看追责记录",
    "suggest_train": "训练分类建议",
}

# Ref("field", id): the text a step requires (require_text), or a value a console dialog parses (a
# time typed into it), as the sentence names it — the office's word, never the parameter's name.
FIELDS: dict[str, tuple[str, str]] = {
    "retriage_reason": ("重新分类的理由", "the reason for re-triage"),
    "send_back_reason": ("退回乡镇的理由", "the reason for sending the case back"),
    "proposal_reason": ("确认或驳回追责建议的理由", "the reason"),
    "reject_reason": ("不予受理的理由", "a rejection's reason"),
    "result": ("办理结果", "the result"),
    "reopen_reason": ("重办的理由", "the reason for reopening"),
    "note": ("办理进展", "the note"),
    "pause_reason": ("挂起的理由", "the reason for pausing"),
    "extension_reason": ("延期理由", "the reason for the extension"),
    "return_reason": ("退单理由", "the reason for returning"),
    "order_instruction": ("督办要求", "the supervision order's instruction"),
    "order_answer": ("督办反馈", "the answer"),
    "accountability_reason": ("追责理由", "the reason"),
    "report_text": ("来件内容", "the report text"),
    "extension_until": ("延至", "the new deadline"),
    "order_deadline": ("办理期限", "the order's deadline"),
}

# code -> (zh, en). Templates use str.format fields named after the parameters.
# Each area keeps its codes in its own block (code prefix = the area), so work on one area never
# touches another's lines.
CATALOGUE: dict[str, tuple[str, str]] = {
    "plain": ("{text}", "{text}"),
    # --- store: database, engine, migrations (store.*) ---
    "store.server_backup": ("这个数据库在 PostgreSQL 服务器上：chuishao 只备份 SQLite 文件。请用服务器自带的工具 pg_dump 备份、pg_restore 恢复（未写入任何内容）",
        "this database is on a PostgreSQL server: chuishao backs up only SQLite files. Use the server's own tools: pg_dump --format=custom --file=county.dump URL, and to restore pg_restore --clean --if-exists --dbname=URL county.dump (nothing was written)"),
    "store.needs_psycopg": ("数据库 {database}：使用 PostgreSQL 需要安装 psycopg 3（chuishao[postgresql]）",
        "database '{database}': PostgreSQL needs psycopg 3; install it with pip install 'chuishao[postgresql]'"),
    "store.pg_needs_name": ("数据库 {database}：请写明服务器和数据库名，例如 postgresql://user@host:5432/county",
        "database '{database}': name a server and database, e.g. postgresql://user@host:5432/county"),
    "store.unknown_engine": ("数据库 {database}：无法识别的数据库类型；应为 sqlite:///路径 或 postgresql://用户@主机/库名",
        "database '{database}': unknown engine; expected sqlite:///PATH or postgresql://user@host/db"),
    "store.cannot_connect": ("数据库 {database}：无法连接：{problem}",
        "database '{database}': cannot connect: {problem}"),
    "store.newer_schema": ("数据库结构版本 {version} 比本程序（{ours}）新；请先升级 chuishao",
        "database schema version {version} is newer than this chuishao ({ours}); upgrade chuishao"),
    "store.busy": ("数据库正忙：另一个进程占用着写锁，未保存任何内容——请稍后重试",
        "the database is busy: another process held the write lock; nothing was saved — try again in a moment"),
    "store.busy_for": ("数据库正忙：另一个进程占用写锁已 {seconds} 秒，未保存任何内容——请稍后重试",
        "the database is busy: another process held the write lock for {seconds} s; nothing was saved — try again in a moment"),
    "store.upgrade_needs_config": ("数据库结构版本为 {version}，升级到 {current} 需要本县的配置（重新计算地址键）：请运行 {command}",
        "the database has schema {version}; upgrading it to {current} needs the county's configuration (address keys are recomputed): run `{command}`"),
    # --- org: config, operators, identity, permissions (org.*, perm.*) ---
    "org.unknown_department": ("没有部门“{text}”（见 {command}）",
        "unknown department '{text}' (see `{command}`)"),
    "org.unknown_township": ("没有乡镇“{text}”（见 {command}）",
        "unknown township '{text}' (see `{command}`)"),
    "org.ambiguous_category": ("分类“{text}”有多个匹配：{hits}；请写完整路径",
        "category '{text}' is ambiguous: {hits}; give the path"),
    "org.unknown_category": ("没有分类“{text}”（见 {command}）",
        "unknown category '{text}' (see `{command}`)"),
    "org.unknown_channel": ("没有来件渠道“{text}”；可选：{known}",
        "unknown channel '{text}'; known: {known}"),
    "org.unknown_duty_item": ("履职清单中没有“{code}”（见 {command}）",
        "unknown duty-list item '{code}' (see `{command}`)"),
    "org.unknown_priority": ("没有优先级“{text}”；可选：{known}",
        "unknown priority '{text}'; known: {known}"),
    "org.bad_operator_name": ("操作员名“{name}”：只能用字母、数字、下划线、点或连字符（最多 64 个，以字母或数字开头）",
        "operator name '{name}': use letters, digits, '_', '.' or '-' (at most 64, starting with a letter or digit)"),
    "org.bad_role": ("角色只能是{choices}，不能是“{role}”",
        "role must be one of {ids}; got '{role}'"),
    "org.township_needs_township": ("乡镇工作人员须指定所属乡镇（--township，见 {command}）",
        "a township operator needs --township (see `{command}`)"),
    "org.department_needs_dept": ("部门联络员须指定所属部门（--dept，见 {command}）",
        "a department operator needs --dept (see `{command}`)"),
    "org.township_option_only": ("--township 只用于乡镇工作人员，不用于{role}",
        "--township is for township operators only, not {role}"),
    "org.dept_option_only": ("--dept 只用于部门联络员，不用于{role}",
        "--dept is for department operators only, not {role}"),
    "org.bad_login": ("“{user}”不是有效的登录名（小写字母、数字、下划线、连字符）",
        "'{user}' is not a valid login name (lower-case letters, digits, '_', '-')"),
    "org.operator_exists": ("操作员“{name}”已存在（已停用的可用 {command} 重新启用）",
        "operator '{name}' already exists (a disabled one can be enabled again with `{command}`)"),
    "org.login_taken": ("系统用户“{user}”已登录为操作员“{holder}”",
        "OS user '{user}' already logs in as operator '{holder}'"),
    "org.already_active": ("操作员“{name}”已是启用状态",
        "operator '{name}' is already active"),
    "org.already_disabled": ("操作员“{name}”已是停用状态",
        "operator '{name}' is already disabled"),
    "org.last_admin": ("“{name}”是最后一位能登录的管理员；请先添加另一位管理员",
        "'{name}' is the last admin who can log in; add another admin first"),
    "perm.admin_to_initialise": ("无权限：只有管理员可以初始化这个数据库（系统用户“{user}”不是它的管理员）",
        "no permission: only an admin may initialise this database (OS user '{user}' is not one of its admins)"),
    "perm.admin_to_replace": ("无权限：这不是演示数据库，只有管理员可以替换其内容（系统用户“{user}”不是它的管理员）",
        "no permission: only an admin may replace the content of (it is not a demo database) this database (OS user '{user}' is not one of its admins)"),
    "perm.intake_own_township": ("无权限：{operator} 只能受理{own}的来件，不能受理{township}的",
        "no permission: {operator} takes reports for {own} only, not {township}"),
    "perm.briefing_county": ("无权限：简报列出全县的案件；{operator} 的角色是{role}",
        "no permission: the briefing lists cases of the whole county; {operator} is {role}"),
    "perm.explain_own_only": ("无权限：{operator}（{role}）只能查看本单位考核数据背后的案件，不能查看{whose}的",
        "no permission: {operator} ({role}) may see the cases behind {whose}'s figures only if they are its own"),
    "perm.order_answered_by_department": ("无权限：案件 #{case} 的督办令 {order} 号由{department}反馈",
        "no permission: order {order} on case {case} is answered by {department}"),
    "perm.order_answered_by_office": ("无权限：案件 #{case} 的督办令 {order} 号由吹哨办反馈",
        "no permission: order {order} on case {case} is answered by the dispatch office"),
    "perm.list_accountability": ("无权限：{operator}（{role}）不能查看追责记录",
        "no permission: {operator} ({role}) may not list accountability records"),
    "org.no_operator": ("没有名为“{name}”的操作员（见 {command}）",
        "no operator named '{name}' (see `{command}`)"),
    "org.no_operators_yet": ("这个数据库还没有操作员：请先运行 {init}（或 {demo}）",
        "this database has no operators yet: run `{init}` (or `{demo}`)"),
    "org.not_an_operator": ("系统用户“{user}”不是这里的操作员；管理员可以这样添加：{command}",
        "OS user '{user}' is not an operator here; an admin can add one with `{command}`"),
    "org.operator_disabled": ("操作员“{operator}”已停用",
        "operator '{operator}' is disabled"),
    "org.only_admin_acts_as": ("只有管理员可以代其他操作员办理；“{operator}”的角色是{role}",
        "only an admin may act as another operator; '{operator}' is {role}"),
    "perm.operator_disabled": ("无权限：操作员“{operator}”已停用",
        "no permission: operator '{operator}' is disabled"),
    "perm.role_may_not": ("无权限：{operator}（{role}）不能{step}",
        "no permission: {operator} ({role}) may not {step}"),
    "perm.outside_scope": ("无权限：案件 #{case} 不在 {operator} 的办理范围内",
        "no permission: case {case} is outside {operator}'s scope"),
    "perm.outside_scope_township": ("无权限：案件 #{case} 不在 {operator} 的办理范围内（{township}）",
        "no permission: case {case} is outside {operator}'s scope (township {township})"),
    "perm.outside_scope_department": ("无权限：案件 #{case} 不在 {operator} 的办理范围内（派给{department}的案件）",
        "no permission: case {case} is outside {operator}'s scope (cases assigned to {department})"),
    "perm.acts_for_own_department": ("无权限：{operator} 代表{own}办理，不能代表{requested}",
        "no permission: {operator} acts for {own}, not {requested}"),
    "perm.triage_own_township": ("无权限：{operator} 只能为{own}的来件分类，不能为{township}",
        "no permission: {operator} triages for {own} only, not {township}"),
    "perm.township_eval_by_township": ("无权限：基层评价只能由乡镇工作人员录入",
        "no permission: township evaluations come from township operators"),
    "perm.township_records_township_eval": ("无权限：乡镇工作人员只能录入基层评价",
        "no permission: a township operator records township evaluations only"),
    "perm.search_by_number": ("无权限：按号码（“{digits}”）搜索仅限吹哨办调度员和管理员；{operator} 看到的电话号码是打码的",
        "no permission: searching by a number ('{digits}') is for dispatchers and admins; {operator} sees phone numbers masked"),
    "perm.local_case_township": ("无权限：案件 #{case} 由乡镇属地办理",
        "no permission: case {case} is handled locally by its township"),
    "perm.whistled_lead_resolves": ("无权限：案件 #{case} 已吹哨，由主责部门办结",
        "no permission: case {case} was whistled; its lead department resolves it"),
    "perm.only_lead_resolves": ("无权限：只有主责部门（{lead}）可以办结案件 #{case}",
        "no permission: only the lead department ({lead}) resolves case {case}"),
    "perm.whistled_office_reopens": ("无权限：案件 #{case} 已吹哨，由吹哨办决定重办",
        "no permission: case {case} was whistled; the dispatch office reopens it"),
    "perm.whistled_office_closes": ("无权限：案件 #{case} 已吹哨，由吹哨办归档",
        "no permission: case {case} was whistled; the dispatch office closes it"),
    "perm.only_lead_extends": ("无权限：只有主责部门（{lead}）可以为案件 #{case} 申请延期",
        "no permission: only the lead department ({lead}) may ask to extend case {case}"),
    "perm.whistled_lead_extends": ("无权限：案件 #{case} 已吹哨，由主责部门（{lead}）申请延期",
        "no permission: case {case} was whistled; its lead department ({lead}) asks to extend it"),
    "org.grants_postgres_only": (
        "数据库层面的角色与行级权限只适用于 PostgreSQL；SQLite 数据库文件靠文件权限保护（见 README“SSH”一节）",
        ("database roles and row-level security apply to PostgreSQL only; an SQLite file is protected by its "
         "file permissions (README, \"SSH\")")),
    "org.role_mismatch": (
        "数据库登录角色 {login} 与操作员的系统用户 {user} 不一致：每位操作员以自己的角色登录（peer 认证）",
        ("the database login role '{login}' is not the operator's OS user '{user}': each operator connects "
         "as their own role (peer authentication)")),
    # --- ledger: audit, backup, copy, output files (ledger.*, audit.*) ---
    "ledger.bad_format": ("格式只能是 {known}，不能是“{format}”",
        "format must be one of {known}; got '{format}'"),
    "ledger.no_file": ("{path}：文件不存在",
        "{path}: no such file"),
    "ledger.not_ours": ("{path} 是 SQLite 数据库，但不是 chuishao 的（没有结构版本表）",
        "{path} is an SQLite database but not chuishao's (no schema_version table)"),
    "ledger.not_a_database": ("{path} 不是 chuishao 数据库（{problem}）",
        "{path} is not a chuishao database ({problem})"),
    "ledger.damaged": ("{path} 已损坏：{problem}",
        "{path} is damaged: {problem}"),
    "ledger.newer_schema": ("{path} 的结构版本 {version} 比本程序（{ours}）新；请先升级 chuishao",
        "{path} has schema version {version}, newer than this chuishao ({ours}); upgrade chuishao first"),
    "ledger.restore_sqlite_only": ("恢复只适用于 SQLite 数据库文件（--db sqlite:///路径）",
        "restore works on an SQLite database file (--db sqlite:///PATH)"),
    "ledger.restore_from_itself": ("{path} 就是数据库本身；请从备份文件恢复",
        "{path} is the database itself; restore from a backup file"),
    "ledger.restore_broken_chain": ("{path}：事件链已断开（{problem}）；如仍要恢复请加 --force",
        "{path}: the event chain is broken ({problem}); restore it anyway with --force"),
    "ledger.in_use": ("数据库 {path} 正在使用：{wal} 存在，说明另一个进程（控制台或脚本）打开着它；请先关闭，或加 --force 恢复（打开着的会话随后看到恢复后的数据，未保存的操作会因数据已变而被拒绝）",
        "database {path} is in use: {wal} exists, so another process (a console, a script) has it open; close them, or restore with --force (open sessions then see the restored data and their unsaved steps are refused as stale)"),
    "ledger.copy_same": ("数据库复制：源库和目标库是同一个",
        "db copy: --from and --to name the same database"),
    "ledger.copy_not_ours": ("数据库复制：{database} 不是 chuishao 数据库",
        "db copy: {database} is not a chuishao database"),
    "ledger.copy_old_schema": ("数据库复制：{database} 的结构版本为 {version}；请先升级：{command}",
        "db copy: {database} has schema version {version}; upgrade it first with `{command}`"),
    "ledger.copy_not_empty": ("数据库复制：{database} 不是空库（{rows}）；只能复制到新的空库",
        "db copy: {database} is not empty ({rows} rows); copy only into a new, empty database"),
    "ledger.output_exists": ("{path} 已存在；请换一个新文件名（不会覆盖任何文件）",
        "{path} already exists; choose a new name (nothing is overwritten)"),
    "ledger.output_no_dir": ("{path}：目录 {directory} 不存在",
        "{path}: no such directory {directory}"),
    "ledger.output_failed": ("无法写入 {path}：{problem}；未写入任何内容",
        "cannot write {path}: {problem}; nothing was written"),
    # --- clocks and worktime (clock.*, time.*) ---
    "time.bad_duration": ("时长 {text} 无法识别：请写整数加单位，如 30m（分钟）、2h（小时）、3d（天）、5wd（工作日）或 4wh（工作小时）",
        "duration {text} is not understood; use a whole number and a unit: 30m (minutes), 2h (hours), 3d (days), 5wd (working days) or 4wh (working hours)"),
    "time.duration_range": ("时长 {text}：数字须在 1 到 {most} 之间",
        "duration {text}: the number must be between 1 and {most}"),
    "time.not_iso": ("{what}：“{text}”不是 ISO 8601 时间，应如 2026-11-27T09:30 或 2026-11-27T09:30+08:00",
        "{what}: '{text}' is not ISO 8601; expected e.g. 2026-11-27T09:30 or 2026-11-27T09:30+08:00"),
    "time.not_a_date": ("{what}：“{text}”不是日期（年-月-日）",
        "{what}: '{text}' is not a date YYYY-MM-DD"),
    "time.bad_month": ("月份：“{text}”应为年-月（如 2026-11）",
        "month: '{text}' is not YYYY-MM (e.g. 2026-11)"),
    "time.from_after_to": ("起始时间须早于结束时间（{start} … {end}）",
        "--from must be before --to (got {start} … {end})"),
    "time.to_before_from": ("结束时间（{end}）须晚于起始时间（{start}）",
        "--to ({end}) must be after --from ({start})"),
    "time.month_or_range": ("请二选一：按月份（--month），或按起止时间（--from/--to）",
        "give either --month or --from/--to, not both"),
    # --- cases: lifecycle, steps, pauses, extensions, retriage (case.*) ---
    "case.whistle_own_duty": ("吹哨引用了乡镇自身履职事项 {item}（{text}），属{township}本职，可能被退回乡镇（乱吹）",
                              ("the whistle cites {item} ({text}), a duty-list item of the township's own scope: "
                               "{township} should handle it itself and the office may send it back")),
    "case.retriage_decision": ("重新分类只能改为属地办理或吹哨，不能为 {decision}",
                               "re-triage changes the decision to local or whistle only, not {decision}"),
    "case.retriage_to_local_dispatched": ("案件 #{case} 为{state}：只有尚未分哨的吹哨件可改为属地办理",
                                          "case {case} is {state}: only a whistle not yet dispatched can become local"),
    "case.retriage_to_whistle": ("案件 #{case} 为{state}：只有属地办理中的案件可改为吹哨",
                                 "case {case} is {state}: only a case handled locally can become a whistle"),
    "case.send_back_state": ("案件 #{case} 为{state}：只能退回尚未分哨的吹哨件",
                             "case {case} is {state}: only a whistle waiting for dispatch can be sent back"),
    "case.send_back_not_own_duty": ("案件 #{case} 引用的事项 {item} 不属乡镇自身履职清单：不能退回乡镇",
                                    ("case {case} cites {item}, not a duty-list item of the township's own "
                                     "scope: it cannot be sent back to the township")),
    "case.not_found": ("案件 #{case} 不存在",
        "case {case} does not exist"),
    "case.step_not_now": ("案件 #{case} 当前为{state}，不能{step}；现在可以：{allowed}",
        "case {case} is {state}: cannot {step}; steps allowed now: {allowed}"),
    "case.step_final": ("案件 #{case} 当前为{state}，已办理终结，不能{step}",
        "case {case} is {state}: cannot {step}; steps allowed now: none (the case is final)"),
    "case.stale": ("案件 #{case} 在您读取后已被改动，未保存任何内容——请刷新后重试",
        "case {case} was changed since you read it; nothing was saved — reload and try again"),
    "case.stale_by": ("案件 #{case} 在您读取后已被 {operator} 改动（{step}，{at}），未保存任何内容——请刷新后重试",
        "case {case} was changed by {operator} ({step}, {at}) since you read it; nothing was saved — reload and try again"),
    "case.stale_by_for": ("案件 #{case} 在您读取后已被 {operator}（代 {on_behalf}）改动（{step}，{at}），未保存任何内容——请刷新后重试",
        "case {case} was changed by {operator} as {on_behalf} ({step}, {at}) since you read it; nothing was saved — reload and try again"),
    "case.text_empty": ("{what}不能为空",
        "{what} must not be empty"),
    "case.text_too_long": ("{what}共 {length} 字，超过上限 {limit} 字",
        "{what} is {length} characters (limit {limit})"),
    "case.no_lead": ("案件 #{case} 没有在办的主责部门",
        "case {case} has no active lead assignment"),
    "case.no_assignment_for": ("案件 #{case} 没有派给{department}的在办任务",
        "case {case} has no active assignment for {department}"),
    "case.review_how": ("审核退单：请选择维持原派，或改派并指定主责部门",
        "review a return with either --uphold or --redispatch --lead DEPT"),
    "case.bad_decision": ("分类决定只能是属地办理、吹哨或不予受理，不能是“{decision}”",
        "decision must be one of local, whistle, reject; got '{decision}'"),
    "case.bad_village": ("“{village}”不是{township}的村（社区）",
        "'{village}' is not a village or community of {township}"),
    "case.lead_and_coop": ("{department}不能既是主责部门又是配合部门",
        "{department} cannot be both lead and cooperating"),
    "case.bad_source": ("评价来源只能是{choices}，不能是“{source}”",
        "source must be one of {ids}; got '{source}'"),
    "case.unreachable_citizen_only": ("只有群众回访可以记为无法联系",
        "only a citizen callback can be recorded as unreachable"),
    "case.bad_rating": ("评价结果只能是{choices}，不能是“{rating}”",
        "rating must be one of {ids}; got '{rating}'"),
    "case.dept_rating_township_only": ("只有基层评价可以为部门评分；群众回访和第三方评价针对整个案件",
        "only a township evaluation (基层评价) names a department; citizen and third-party evaluations rate the case"),
    "case.dept_not_on_case": ("{department}在案件 #{case} 上没有任务：基层评价只评价参与办理的部门（{on_case}）",
        "department {department} has no assignment on case {case}: a township rates the departments on the case ({on_case})"),
    "case.close_needs_citizen": ("案件 #{case} 需先完成群众回访（或记录 {attempts} 次无法联系；已记录 {recorded} 次）",
        "case {case} needs a citizen evaluation first (or {attempts} unreachable callback attempts; {recorded} recorded)"),
    "case.close_needs_source": ("案件 #{case} 归档前需有{source}",
        "case {case} needs a {source} evaluation before it can be closed"),
    "case.close_unsatisfied": ("案件 #{case}：最近一次评价为不满意；请重办，或填写理由后归档",
        "case {case}: the latest evaluation is unsatisfied; reopen it, or close with a reason"),
    "case.not_merged": ("案件 #{case} 当前为{state}，不是已合并案件，无需撤销合并",
        "case {case} is {state}, not merged: nothing to unmerge"),
    "case.not_paused": ("案件 #{case} 当前为{state}，未挂起",
        "case {case} is {state} and not paused"),
    "case.no_extension_waiting": ("案件 #{case} 当前为{state}，没有待审批的延期申请",
        "case {case} is {state} and has no extension request waiting"),
    "case.already_paused": ("案件 #{case} 当前为{state}，自 {since} 起已挂起；请先恢复",
        "case {case} is {state} and already paused since {since}; resume it first"),
    "case.extend_until_or_by": ("请二选一：新的时限（--until），或延长多久（--by）",
        "give exactly one of --until ISO8601 or --by DURATION"),
    "case.extension_not_later": ("案件 #{case}：新的时限 {new_due} 不晚于当前时限 {old_due}",
        "case {case}: the new deadline {new_due} is not after the current one {old_due}"),
    "case.extension_clock_stopped": ("案件 #{case} 当前为{state}：办结时限已停止计时；请驳回该申请",
        "case {case} is {state}: its resolve clock no longer runs; refuse the request instead"),
    "case.retriage_state": ("案件 #{case} 当前为{state}：只有已分类、尚未办结的案件可以重新分类",
        "case {case} is {state}: only a triaged, unresolved case can be re-triaged"),
    "case.retriage_untriaged": ("案件 #{case} 当前为{state}：只有已分类、尚未办结的案件可以重新分类（请先分类）",
        "case {case} is {state}: only a triaged, unresolved case can be re-triaged (triage it first)"),
    "case.retriage_nothing": ("重新分类没有任何改动：请给出新的分类、属地、优先级、决定、履职事项或村（社区）",
        "re-triage changes nothing: give a new category, township, priority, decision, duty item or village"),
    "case.assignment_not_pending": ("案件 #{case}：{department}的任务当前为{assignment}，不在待签收状态",
        "case {case}: {department}'s assignment is {assignment}; not waiting for sign-for"),
    "case.assignment_sign_first": ("案件 #{case}：{department}的任务当前为{assignment}，请先签收再报到",
        "case {case}: {department}'s assignment is {assignment}; sign for it before reporting arrival"),
    "case.assignment_on_site": ("案件 #{case}：{department}的任务当前为{assignment}，只有尚未报到的任务可以退单",
        "case {case}: {department}'s assignment is {assignment}; only an assignment not yet on site can be returned"),
    "case.no_return_waiting": ("案件 #{case} 没有待审核的退单",
        "case {case} has no return waiting for review"),
    "case.arrive_before_resolve": ("案件 #{case} 为{priority}件：主责部门（{lead}）须先到场报到，才能办结",
        "case {case} is {priority}: its lead ({lead}) must report on site (arrive) before resolving it"),
    "case.no_resolve_deadline": ("案件 #{case} 当前为{state}，没有可延期的办结时限",
        "case {case} is {state} and has no resolve deadline to extend"),
    "case.extension_too_late": ("案件 #{case} 当前为{state}，不能申请延期——办结时限 {due} 已过去 {late}；延期须在时限前申请（请改为联系吹哨办）",
        "case {case} is {state}: extension refused — the resolve deadline {due} passed {late} ago; an extension must be requested before the deadline (ask the dispatch office instead)"),
    "case.extension_limit": ("案件 #{case} 已延期 {count} 次，达到上限 {limit} 次",
        "case {case} already had {count} extension(s), the maximum ([supervision] max_extensions = {limit})"),
    "case.extension_waiting": ("案件 #{case} 已有延期申请（{request} 号）等待吹哨办审批",
        "case {case} already has extension request {request} waiting for the dispatch office's decision"),
    # --- intake: intake, import, duplicates, merge, split (intake.*, import.*, merge.*) ---
    "intake.already_registered": ("来件 {report} 已登记（案件 #{case}）",
        "report {report} is already registered (case {case})"),
    "import.unknown_profile": ("没有导入配置“{profile}”；可选：{known}",
        "unknown import profile '{profile}'; known: {known}"),
    "import.no_text_column": ("{path}：没有来件内容列“{column}”；文件中的列：{header}；请用 --profile 指定导入配置（{profiles}）",
        "{path}: no column '{column}' for the report text; the file has: {header}; name an import profile with --profile ({profiles})"),
    "import.no_text_column_in_profile": ("{path}：没有来件内容列“{column}”；文件中的列：{header}",
        "{path}: no column '{column}' for the report text; the file has: {header}"),
    "import.which_channel": ("{path}：这些来件来自哪个渠道？请用 --channel 指定（{channels} 之一），或用带渠道的导入配置",
        "{path}: which channel did these reports come in on? give --channel (one of {channels}) or a profile with a channel"),
    "import.batch_size": ("批量大小至少为 1",
        "batch size must be at least 1"),
    "import.no_json_lines": ("{path}：文件中没有 JSON 行",
        "{path}: the file has no JSON lines"),
    "import.bad_json": ("{path}：不是有效的 JSON（{problem}，第 {line} 行第 {column} 列）",
        "{path}: not valid JSON ({problem}, line {line} column {column})"),
    "import.not_open311_array": ("{path}：应为 Open311 诉求的 JSON 数组，实际是 {found}",
        "{path}: expected a JSON array of Open311 service requests, found a {found}"),
    "import.empty_json_array": ("{path}：JSON 数组是空的",
        "{path}: the JSON array is empty"),
    "import.not_open311": ("{path}：是 JSON 数组，但不是 Open311 诉求（没有 service_request_id）",
        "{path}: a JSON array, but not of Open311 service requests (no service_request_id)"),
    "import.unknown_type": ("{path}：无法识别的文件类型“{suffix}”；应为 .csv、.xlsx、.jsonl 或 .json",
        "{path}: unknown file type '{suffix}'; expected .csv, .xlsx, .jsonl or .json"),
    "import.xls": ("{path}：无法识别的文件类型“{suffix}”；应为 .csv、.xlsx、.jsonl 或 .json；旧的 .xls 工作簿请另存为 .xlsx",
        "{path}: unknown file type '{suffix}'; expected .csv, .xlsx, .jsonl or .json; save old .xls workbooks as .xlsx"),
    "import.unknown_format": ("{path}：无法识别的格式“{format}”；应为 {known} 之一",
        "{path}: unknown format '{format}'; expected one of {known}"),
    "import.no_file": ("{path}：文件不存在",
        "{path}: no such file"),
    "import.empty_file": ("{path}：文件是空的",
        "{path}: the file is empty"),
    "import.unreadable": ("{path}：无法读取文件（{problem}）",
        "{path}: cannot read the file ({problem})"),
    "import.no_header": ("{path}：没有表头行",
        "{path}: no header row"),
    "import.header_not_text": ("{path}：表头第 {column} 列不是可读的文字",
        "{path}: header column {column} is not readable text"),
    "import.header_twice": ("{path}：表头中“{column}”列出现了两次",
        "{path}: column '{column}' appears twice in the header"),
    "import.header_unreadable": ("{path}：无法读取表头行（{problem}）",
        "{path}: cannot read the header row ({problem})"),
    "import.not_xlsx": ("{path}：无法作为 .xlsx 工作簿打开（{problem}）",
        "{path}: cannot open as an .xlsx workbook ({problem})"),
    "import.no_sheet": ("{path}：没有名为“{sheet}”的工作表；现有：{sheets}",
        "{path}: no sheet named '{sheet}'; sheets: {sheets}"),
    "import.utf16": ("{path}：不支持 UTF-16 文本（Excel 的“Unicode 文本”）；请另存为 UTF-8 编码的 CSV",
        "{path}: UTF-16 text (Excel 'Unicode text') is not supported; save as CSV UTF-8"),
    "import.rejects_is_input": ("{path}：这是输入文件；请为未导入的行另起一个新文件名",
        "{path}: that is the input file; name a new file for the rejected rows"),
    "import.rejects_exists": ("{path}：已存在；请为未导入的行另起一个新文件名（不会覆盖任何文件）",
        "{path}: already exists; name a new file for the rejected rows (none is overwritten)"),
    "import.rejects_no_dir": ("{path}：目录 {directory} 不存在，无法保存未导入的行",
        "{path}: no directory {directory} for the rejected rows"),
    "import.rejects_denied": ("{path}：无权在 {directory} 中创建文件",
        "{path}: cannot create a file in {directory} (permission denied)"),
    "merge.target_merged": ("案件 #{case} 已合并到案件 #{into}：请合并到那件",
        "case {case} is merged into case {into}: merge into that case"),
    "merge.target_split": ("案件 #{case} 已拆分：请合并到拆分出的某一件",
        "case {case} is split: merge into one of its new cases instead"),
    "merge.target_confirm": ("案件 #{case} 当前为{state}：合并到这件需要确认（--force）；被合并的来件将沿用它的办理结果",
        "case {case} is {state}: merging into it needs confirmation (--force); the merged reports would get its result"),
    "merge.no_sources": ("请至少指定一件要合并到目标的案件",
        "name at least one case to merge into the target"),
    "merge.into_itself": ("案件 #{case} 不能合并到它自己",
        "case {case} cannot be merged into itself"),
    "merge.across_townships": ("案件 #{source} 属于{source_township}，而案件 #{target} 属于{target_township}：跨乡镇合并需要确认（--force）",
        "case {source} is in {source_township} but case {target} in {target_township}: merging across townships needs confirmation (--force)"),
    "merge.no_record": ("案件 #{case} 已合并，但找不到它的合并记录",
        "case {case} is merged but no merge record was found for it"),
    "merge.split_two_parts": ("案件 #{case}：拆分至少需要两段非空内容",
        "case {case}: a split needs at least two non-empty parts"),
    "merge.split_no_report": ("案件 #{case} 没有可拆分的来件",
        "case {case} has no report to split"),
    # --- supervision: ladder, orders, meetings, accountability (supervision.*, meeting.*) ---
    "supervision.proposal_notices": ("{department} {month} 被通报 {count} 次（达到 {threshold} 次）",
                                     "{department} publicly noticed {count} times in {month} (rule: {threshold})"),
    "supervision.proposal_late_arrival": ("{department} 在{priority}案件 {case_id} 报到超时 {late_minutes} 分钟",
                                          "{department} arrived {late_minutes} min late on {priority} case {case_id}"),
    "supervision.proposal_decided": ("追责建议 {proposal} 已确认或驳回", "proposal {proposal} was already decided"),
    "supervision.proposal_unknown": ("没有待处理的追责建议 {proposal}", "no open accountability proposal {proposal}"),
    "meeting.bad_decision_text": ("{where}：格式应为 案件:主责[:配合,配合]:方案:时限，例如 12:zhujian:shichang,gongshui:联合整治占道经营:2026-12-10",
        "{where}: expected CASE:LEAD[:COOP,COOP]:PLAN:DEADLINE, e.g. 12:zhujian:shichang,gongshui:联合整治占道经营:2026-12-10"),
    "meeting.decision_case_number": ("{where}：格式应为 案件:主责[:配合,配合]:方案:时限，案件须为编号数字",
        "{where}: expected CASE:LEAD[:COOP,COOP]:PLAN:DEADLINE with a numeric case id"),
    "meeting.decision_needs": ("{where}：每项决定须有案件编号（case）和主责部门（lead）",
        "{where}: a decision needs 'case' (a number) and 'lead'"),
    "meeting.lead_and_coop": ("案件 #{case}：{department}不能既是主责部门又是配合部门",
        "case {case}: {department} cannot be both lead and cooperating"),
    "meeting.case_state": ("案件 #{case} 当前为{state}：联席会议只研究待分哨、退单或办理中的案件",
        "case {case} is {state}: a joint meeting decides whistled, returned or in-progress cases only"),
    "meeting.deadline_past": ("案件 #{case}：议定的时限 {deadline} 已经过去",
        "case {case}: the decided deadline {deadline} is already past"),
    "meeting.no_decision": ("联席会议记录至少需要一项决定",
        "a joint meeting record needs at least one decision"),
    "meeting.one_decision_per_case": ("每件案件在一次会议中只能有一项决定",
        "each case may have one decision per meeting"),
    "meeting.no_attendees": ("联席会议记录须写明参会部门（--attendee）",
        "a joint meeting record needs its attending departments (--attendee)"),
    "meeting.not_attending": ("案件 #{case}：{departments}未参加会议；请用 --attendee 补上",
        "case {case}: {departments} did not attend the meeting; add it with --attendee"),
    "supervision.bad_level": ("督办级别只能是一般、重点或挂牌（{ids}），不能是“{level}”",
        "level must be one of {ids} (一般/重点/挂牌); got '{level}'"),
    "supervision.case_closed": ("案件 #{case} 当前为{state}：已归档的案件不能督办",
        "case {case} is {state}: a closed case cannot be supervised"),
    "supervision.deadline_past": ("案件 #{case}：督办时限 {deadline} 已经过去",
        "case {case}: the order's deadline {deadline} is already past"),
    "supervision.no_order": ("督办令 {order} 号不存在",
        "supervision order {order} does not exist"),
    "supervision.order_not_open": ("案件 #{case} 的督办令 {order} 号状态为{status}，不在待反馈状态",
        "supervision order {order} on case {case} is {status}, not open"),
    "supervision.accountability_whom": ("追责记录须写明部门（--dept）或个人（--person）",
        "an accountability record names a department (--dept) or a person (--person)"),
    # --- notify (notify.*) ---
    "notify.no_dead": ("没有编号为 {ids} 的发送失败通知",
        "no dead notification with id {ids}"),
    "notify.secrets_unreadable": ("{path}：无法读取通知密钥文件（{problem}）",
        "{path}: cannot read the notification secrets file ({problem})"),
    "notify.secrets_open": ("{path}：通知密钥文件他人可读（权限 {mode}）；请改为仅本人可读：chmod 600 {path}",
        "{path}: the notification secrets file is readable by others (mode {mode}); make it owner-only: chmod 600 {path}"),
    "notify.secrets_not_toml": ("{path}{where}：不是可读的 TOML 文件（每行 名称 = \"密钥\"）",
        "{path}{where}: not a readable TOML file of name = \"secret\" lines"),
    "notify.secret_not_text": ("{path}：{keys}：每个密钥都必须是字符串",
        "{path}: {keys}: every secret must be a string"),
    "notify.no_secrets_file": ("通知渠道引用了密钥，但配置中未设置密钥文件（[notify] secrets）",
        "[notify] channels name secrets but [notify] secrets (the secrets file) is not set"),
    "notify.secret_missing": ("通知渠道 {channel}：密钥 {keys} 不在密钥文件中",
        "[notify] channel {channel}: secret {keys} is not in the secrets file"),
    "notify.lead_time_elapsed": ("提前提醒时长 {priority}：“{text}”须为自然时长（10m、2h、1d），不能按工作时间计",
        "[notify.lead_time] {priority}: '{text}' must be elapsed time (10m, 2h, 1d), not working time"),
    # --- reports: scoreboard, briefing, hot spots (report.*) ---
    # --- suggest (suggest.*) ---
    "suggest.overlap": ("{path}：{rows_total} 行中有 {seen} 行已用于训练模型（编号或内容相同；第 {rows} 行）：在这些行上的准确率没有意义——请用未参与训练的行评估，或加 --skip-overlap",
        "{path}: {seen} of {rows_total} rows were used to train the model (same id or text; rows {rows}): accuracy on them means nothing — evaluate on held-out rows, or pass --skip-overlap"),
    "suggest.no_rows_left": ("{path}：没有剩余的已标注行可供评估",
        "{path}: no labelled rows left to evaluate"),
    "suggest.no_label_column": ("{path}：没有标注列“{column}”（每行的分类）；文件中的列：{header}——请在导入配置的 columns.category 中指定",
        "{path}: no label column '{column}' (the category of each row); the file has: {header} — name the column in an import profile's columns.category"),
    "suggest.no_usable_rows": ("{path}：没有可用的已标注行（跳过 {skipped} 行；第一条：{first}）",
        "{path}: no usable labelled rows ({skipped} skipped; first: {first})"),
    "suggest.nothing_to_train": ("没有可训练的数据：至少需要两个分类的已标注行——请用 --from 指定文件（导入配置须写明标注列），或先为一些案件分类",
        "nothing to train on: need labelled rows of at least two categories — give --from FILE (with a profile naming the label column) or triage some cases first"),
    # --- demo and training (demo.*, training.*) ---
    "training.open_in_training_mode": ("这是培训数据库：请用培训模式打开（{command}）",
        "this is a training database: open it in training mode ({command})"),
    "training.never_the_county": ("这不是培训数据库；培训模式从不打开全县的正式数据库",
        "this is not a training database; training mode never opens the county's database"),
    "demo.holds_cases": ("数据库 {database} 已有案件；如要替换请加 --force",
        "database {database} already holds cases; use --force to replace them"),
    "training.not_over_county": ("这个数据库有案件且不是培训数据库；培训不会覆盖它（请另选 --sandbox 路径）",
        "this database holds cases and is not a training database; training never builds over it (choose another --sandbox path)"),
    "training.late_needs_past_deadline": ("案件 #{case}：逾期延期练习需要在培训开始时办结时限已过（现为 {due}）；请调大 received_hours_ago",
        "case {case}: 'extension_after_deadline' needs a resolve deadline already passed at the sandbox's start (it is {due}); raise 'received_hours_ago'"),
    "training.no_exercise": ("没有练习“{exercise}”；现有：{known}",
        "no exercise '{exercise}'; there are: {known}"),
    "training.bad_advance": ("无法把培训时钟拨快“{by}”：{problem}",
        "cannot move the training clock by '{by}': {problem}"),
    "training.advance_elapsed": ("培训时钟须按自然时长拨快（30m、4h、1d），不能是“{by}”",
        "move the training clock by elapsed time (30m, 4h, 1d), not '{by}'"),
    "training.real_clock": ("这不是培训数据库：它的时钟是真实时间",
        "this is not a training database: its clock is real time"),
    "training.not_training": ("这不是培训数据库；请先运行 {command}",
        "this is not a training database; run `{command}` first"),
    "training.other_exercise": ("这个培训库装的是练习“{made}”，不是“{exercise}”",
        "this sandbox holds exercise '{made}', not '{exercise}'"),
    "training.no_reminder_due": (
        ("案件 {case}：{moment} 时没有到期的催办（reminded_days_ago 要求办结期限在那之前至少一个工作日已过）；"
         "请调大 received_hours_ago 或调小 reminded_days_ago"),
        ("case {case}: no reminder was due at {moment} ('reminded_days_ago' needs a resolve deadline passed a "
         "working day before it); raise 'received_hours_ago' or lower 'reminded_days_ago'")),
}


def _show(value: Any, language: str, names: Names | None) -> str:
    if isinstance(value, Ref):
        if names is not None:
            found = names(value.kind, value.ident)
            if found:
                return found
        if value.kind == "step":  # a step or permission as the CLI has always said it ("may not note")
            if language != "zh":
                return value.ident.replace("_", " ")
            return STEPS_ZH.get(value.ident) or label("action", value.ident, language)
        if value.kind == "field":
            pair = FIELDS.get(value.ident)
            return value.ident if pair is None else pair[0] if language == "zh" else pair[1]
        if value.kind in LABELS:
            return label(value.kind, value.ident, language)
        return value.ident
    if hasattr(value, "code") and hasattr(value, "render"):  # a nested refusal (a ChuishaoError)
        return str(value.render(language, names))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_show(v, language, names) for v in value]
        return ("、" if language == "zh" else ", ").join(items)
    if isinstance(value, bool):
        return ("是" if value else "否") if language == "zh" else ("yes" if value else "no")
    return str(value)


def render(code: str, params: dict[str, Any], language: str = "en", names: Names | None = None) -> str:
    """The sentence for `code` in `language`; an unknown code shows as itself with its parameters."""
    pair = CATALOGUE.get(code)
    shown = {key: _show(value, language, names) for key, value in params.items()}
    if pair is None:
        detail = ", ".join(f"{k}={v}" for k, v in shown.items())
        return f"{code} ({detail})" if detail else code
    template = pair[0] if language == "zh" else pair[1]
    return template.format(**shown)


def plain_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON: refs become their ids, sequences lists."""
    def plain(value: Any) -> Any:
        if isinstance(value, Ref):
            return value.ident
        if isinstance(value, (list, tuple, set, frozenset)):
            return [plain(v) for v in value]
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)
    return {key: plain(value) for key, value in params.items()}
