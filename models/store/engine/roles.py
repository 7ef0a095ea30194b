"""The statements that make PostgreSQL enforce the console's roles (`chuishao db grants`)."""

from __future__ import annotations

import weakref

import peewee

from models.store.engine.core import _bound, is_postgres

# --- roles the database enforces (PostgreSQL) --------------------------------------------------
# `chuishao db grants` (models/org/dbroles.py) derives which rows each role may see from the console's
# scope rule; the statements that carry it out are PostgreSQL's, written here.

APP_ROLE = "chuishao_app"  # holds the table privileges every operator's login role inherits


def scope_group(role: str) -> str:
    """The group role an operator's login role joins for its row-level security policies."""
    return f"chuishao_{role}"


def ident(name: str) -> str:
    """A quoted PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted PostgreSQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def me_sql(column: str, role: str) -> str:
    """The logged-in role's operator's `column`, when that operator is active and has `role` (NULL
    otherwise: a disabled operator, or one whose role changed since the grants, sees nothing)."""
    return (f"(SELECT {ident(column)} FROM operator WHERE os_user = session_user AND active "
            f"AND role = {literal(role)})")


DEPARTMENT_CASES_FN = "chuishao_department_cases"
HEADS_FN = "chuishao_heads"


def grant_statements(schema: str, tables: list[str], append_only: set[str], read_only: set[str],
                     admin_writes: set[str],
                     policies: dict[str, dict[str, str]], department_ids_sql: str,
                     logins: list[tuple[str, str | None]], roles: tuple[str, ...]) -> list[str]:
    """The SQL that makes PostgreSQL enforce the rules, in order (idempotent: safe to apply again).

    tables: every table; append_only: INSERT and SELECT only; read_only: SELECT only; no table is
    granted DELETE or TRUNCATE (nothing is ever deleted); admin_writes: SELECT only, INSERT and UPDATE
    for the admins' group (who is who: a clerk must not move themselves to another township). policies: table -> {role: USING condition}
    for the tables under row-level security (a table missing a role shows that role nothing).
    department_ids_sql: the department's case ids as the tables' owner reads them (a function, so the
    policies on `case` and `assignment` do not call each other). logins: (os_user, role or None for a
    disabled operator)."""
    out = [f"-- chuishao: the database enforces the rules (schema {schema})"]
    for group in (APP_ROLE, *(scope_group(r) for r in roles)):
        out.append(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal(group)}) "
                   f"THEN CREATE ROLE {ident(group)} NOLOGIN; END IF; END $$")
    q = ident(schema)
    out += [f"GRANT USAGE ON SCHEMA {q} TO {APP_ROLE}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {q} FROM {APP_ROLE}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {q} TO {APP_ROLE}"]
    for table in tables:
        rights = ("SELECT" if table in read_only | admin_writes else "SELECT, INSERT" if table in append_only
                  else "SELECT, INSERT, UPDATE")
        out.append(f"GRANT {rights} ON {q}.{ident(table)} TO {APP_ROLE}")
        if table in admin_writes:
            out.append(f"GRANT INSERT, UPDATE ON {q}.{ident(table)} TO {ident(scope_group('admin'))}")
    out += [
        (f"CREATE OR REPLACE FUNCTION {q}.{DEPARTMENT_CASES_FN}() RETURNS SETOF integer LANGUAGE sql STABLE "
         f"SECURITY DEFINER SET search_path = {q}, pg_temp AS $fn$ {department_ids_sql} $fn$"),
        # The writer's look at the newest ids and the chain's head, which the policies would hide.
        (f"CREATE OR REPLACE FUNCTION {q}.{HEADS_FN}() RETURNS TABLE (event_id integer, event_hash varchar, "
         f"case_id integer, report_id integer) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {q}, pg_temp "
         f"AS $fn$ SELECT e.id, e.hash, (SELECT max(id) FROM \"case\"), (SELECT max(id) FROM report) "
         f"FROM (SELECT 1) one LEFT JOIN (SELECT id, hash FROM event ORDER BY id DESC LIMIT 1) e ON true $fn$")]
    for fn in (DEPARTMENT_CASES_FN, HEADS_FN):
        out += [f"REVOKE ALL ON FUNCTION {q}.{fn}() FROM PUBLIC",
                f"GRANT EXECUTE ON FUNCTION {q}.{fn}() TO {APP_ROLE}"]
    for table, by_role in policies.items():
        t = f"{q}.{ident(table)}"
        out.append(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")
        for role in roles:
            name = ident(f"chuishao_{role}")
            out.append(f"DROP POLICY IF EXISTS {name} ON {t}")
            if role in by_role:
                # What a role reads, updates and inserts stays inside its scope.
                out.append(f"CREATE POLICY {name} ON {t} FOR ALL TO {ident(scope_group(role))} "
                           f"USING ({by_role[role]})")
    for login, role in logins:
        who = ident(login)
        out.append(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal(login)}) "
                   f"THEN CREATE ROLE {who}; END IF; END $$")
        out.append(f"ALTER ROLE {who} {'LOGIN' if role else 'NOLOGIN'}")
        for other in roles:
            if other != role:
                out.append(f"REVOKE {ident(scope_group(other))} FROM {who}")
        out.append(f"GRANT {APP_ROLE}, {ident(scope_group(role))} TO {who}" if role
                   else f"REVOKE {APP_ROLE} FROM {who}")
    return out


def current_schema(db: peewee.Database) -> str:
    return str(db.execute_sql("SELECT current_schema()").fetchone()[0])


def restricted_login(db: peewee.Database) -> str | None:
    """The login role of this connection when it is an operator's role under the rules (a member of
    APP_ROLE), else None (SQLite, or the tables' owner / an administrator's role)."""
    if not is_postgres(db):
        return None
    row = db.execute_sql(
        "SELECT session_user, EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = %s AND u.rolname = session_user)",
        (APP_ROLE,)).fetchone()
    return str(row[0]) if row[1] else None


_HEADS: weakref.WeakKeyDictionary[peewee.Database, bool] = weakref.WeakKeyDictionary()


def owner_heads(db: peewee.Database) -> tuple[int, str, int, int] | None:
    """The last event's id and hash and the last case and report ids, as the tables' owner sees them,
    through the function `db grants` made (row-level security may hide other cases' rows from this
    role, and a writer numbers after the newest of all); None where there is no such function (every
    role reading the tables sees every row)."""
    if not is_postgres(db):
        return None
    key = _bound(db)
    if key not in _HEADS:
        (found,) = db.execute_sql("SELECT to_regprocedure(%s) IS NOT NULL", (f"{HEADS_FN}()",)).fetchone()
        _HEADS[key] = bool(found)
    if not _HEADS[key]:
        return None
    event_id, event_hash, case_id, report_id = db.execute_sql(f"SELECT * FROM {HEADS_FN}()").fetchone()
    return int(event_id or 0), str(event_hash or ""), int(case_id or 0), int(report_id or 0)
