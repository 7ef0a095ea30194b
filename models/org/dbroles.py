"""The database enforces the rules too (PostgreSQL): `chuishao db grants`.

One login role per operator, named after the operator's OS user, so that with `local all all peer` in
pg_hba.conf the kernel's user is the database's user (no password anywhere). Every such role inherits
the application's privileges (engine.APP_ROLE): SELECT and INSERT everywhere, UPDATE where the app
updates rows, never DELETE or TRUNCATE, and on the append-only tables (the event log among them) no
UPDATE either. Row-level security limits what each role's rows show, derived from the console's one
scope rule (permissions.scope_condition): a township's role sees its township's cases, a department's
the cases it has (or had) an assignment on, and every row hanging off those cases (reports,
assignments, events, …) follows its case. Dispatchers, supervisors and admins see every row, as in the
console. The tables' owner (who runs `chuishao init` and applies this) is not under the policies.
"""

from __future__ import annotations

import re

import peewee as pw

from models.errors import UsageError
from models.org.context import Context
from models.org.permissions import ROLE_ACTIONS, ROLES, department_assignments, require_role, scope_condition
from models.store import engine
from models.store.schema import (
    ALL_MODELS,
    APPEND_ONLY,
    Accountability,
    MergeRecord,
    NotificationRead,
    Operator,
    Outbox,
)

# Tables that are not about one case: what every operator reads in the console (the organisation, its
# settings, joint meetings' minutes), without row-level security.
UNSCOPED = {"schema_version", "operator", "setting", "meeting"}
# The schema's version is the migrations' business (the owner's), never the app's.
READ_ONLY = {"schema_version"}
# Who is who (role, township, department): changed by admins only (`chuishao operator …`).
ADMIN_WRITES = {"operator"}
SEARCH_TABLE = "case_search"


def _sql(db: pw.Database, node: pw.Node) -> str:
    """A condition as PostgreSQL text with its values inlined, columns unqualified (a policy's
    expression names its own table's columns)."""
    sql, params = db.get_sql_context().sql(node).query()
    for value in params:
        sql = sql.replace("%s", engine.literal(str(value)), 1)
    return re.sub(r'"t\d+"\.', "", sql)


def _in_visible_cases(column: str) -> str:
    """A row that hangs off a case shows when its case shows (the case's own policy decides)."""
    return f"{engine.ident(column)} IN (SELECT id FROM \"case\")"


def policies(db: pw.Database) -> dict[str, dict[str, str]]:
    """table -> {role: the USING condition of that role's policy} (a role missing shows nothing)."""
    case_rule: dict[str, str] = {}
    for role in ROLES:
        condition = scope_condition(
            role, pw.SQL(engine.me_sql("township", role)), None,
            membership=lambda cid, _d: pw.Expression(cid, pw.OP.IN, pw.SQL(f"(SELECT {engine.DEPARTMENT_CASES_FN}())")))
        if condition is None:
            case_rule[role] = f"EXISTS {engine.me_sql('id', role)}"
        else:
            case_rule[role] = f"{engine.me_sql('id', role)} IS NOT NULL AND {_sql(db, condition)}"
    everything = {r: rule for r, rule in case_rule.items() if rule.startswith("EXISTS")}
    restricted = [r for r in ROLES if r not in everything]

    def follows(condition: str) -> dict[str, str]:
        return {**everything, **{r: condition for r in restricted}}

    out: dict[str, dict[str, str]] = {"case": case_rule}
    for model in ALL_MODELS:
        table = model._meta.table_name
        if table in UNSCOPED or table == "case":
            continue
        if model is MergeRecord:
            out[table] = follows(f"{_in_visible_cases('source_id')} AND {_in_visible_cases('target_id')}")
        elif model is Accountability:  # a list of cases in JSON: readable by the roles that read 追责
            out[table] = {r: case_rule[r] for r in everything if r in ROLE_ACTIONS["read_accountability"]}
        elif model is NotificationRead:  # who read a notification: seen with the notification itself
            out[table] = follows(f'outbox_id IN (SELECT id FROM "{Outbox._meta.table_name}")')
        elif "case" in model._meta.fields:
            out[table] = follows(_in_visible_cases(model._meta.fields["case"].column_name))
        else:
            raise AssertionError(f"table {table}: say whether it is about a case (dbroles.UNSCOPED)")
    out[SEARCH_TABLE] = follows(_in_visible_cases("case_id"))
    return out


def grant_sql(ctx: Context) -> list[str]:
    """The statements `db grants` prints or applies, for this database's operators (admins only)."""
    require_role(ctx, "manage_operators")
    db = ctx.db
    if not engine.is_postgres(db):
        raise UsageError("org.grants_postgres_only")
    tables = [m._meta.table_name for m in ALL_MODELS] + [SEARCH_TABLE]
    owner_reads = department_assignments(pw.SQL(engine.me_sql("department", "department")))
    logins = [(op.os_user, op.role if op.active else None)
              for op in Operator.select().where(Operator.os_user.is_null(False)).order_by(Operator.name)]
    return engine.grant_statements(engine.current_schema(db), tables, set(APPEND_ONLY), READ_ONLY, ADMIN_WRITES,
                                   policies(db), _sql(db, owner_reads), logins, ROLES)


def apply_grants(ctx: Context) -> int:
    """Apply grant_sql in one transaction; the number of statements."""
    statements = grant_sql(ctx)
    with ctx.db.atomic():
        for statement in statements:
            if not statement.startswith("--"):
                ctx.db.execute_sql(statement.replace("%", "%%"))
    return len(statements)
