"""Database triggers that keep evidence append-only, on SQLite and PostgreSQL alike.

Migrations install them; then the database itself refuses to UPDATE or DELETE ledger events, audit rows,
disclosures and checkpoints, to delete a referral or a consent, to point a referral elsewhere, or to
change a consent other than revoking it once. They stop mistakes and anyone who can only run SQL as the
app; an owner who drops the triggers is still caught by the ledger's seals (verify-ledger).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["PREFIX", "Guard", "guard_sql"]

PREFIX = "append_only_"
"""Every trigger (and the PostgreSQL function) made here is named with this prefix."""

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PREFIX}refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of % rows is refused: they are append-only evidence', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


@dataclass(frozen=True)
class Guard:
    """What the database refuses on one table."""

    table: str
    refuse_update: bool = True
    """Refuse every UPDATE (else only those that change `frozen` columns, or any once `final_when` holds)."""
    frozen: tuple[str, ...] = field(default=())
    """Columns no UPDATE may change (when updates are otherwise allowed)."""
    final_when: str | None = None
    """A column that, once not NULL, makes the row final (e.g. a consent's revoked_at)."""
    refuse_delete: bool = True
    unique: tuple[tuple[str, ...], ...] = (("id",),)
    """The table's unique keys. On SQLite an INSERT OR REPLACE deletes a conflicting row without firing
    DELETE triggers, so an insert that would collide with an existing row is refused outright."""


def _changes(columns: tuple[str, ...], differs: str) -> list[str]:
    return [f'OLD."{c}" {differs} NEW."{c}"' for c in columns]


def guard_sql(engine_type: str, guard: Guard) -> list[str]:
    """The statements installing one table's guard on 'sqlite' or 'postgres'.

    An update never changes a unique key: re-keying hides a row from every lookup, and on SQLite an UPDATE
    OR REPLACE onto another row's key deletes that row without firing DELETE triggers."""
    table = guard.table
    keys = tuple(column for key in guard.unique for column in key if column not in guard.frozen)
    guard = replace(guard, frozen=guard.frozen + keys)
    if engine_type == "sqlite":
        refuse = f"BEGIN SELECT RAISE(ABORT, 'changing {table} rows is refused: they are append-only evidence'); END"
        statements = []
        if guard.refuse_update:
            statements.append(
                f'CREATE TRIGGER IF NOT EXISTS {PREFIX}{table}_update BEFORE UPDATE ON "{table}" {refuse}'
            )
        else:
            conditions = _changes(guard.frozen, "IS NOT")
            if guard.final_when:
                conditions.append(f'OLD."{guard.final_when}" IS NOT NULL')
            statements.append(
                f'CREATE TRIGGER IF NOT EXISTS {PREFIX}{table}_update BEFORE UPDATE ON "{table}" '
                f"WHEN {' OR '.join(conditions)} {refuse}"
            )
        if guard.refuse_delete:
            statements.append(
                f'CREATE TRIGGER IF NOT EXISTS {PREFIX}{table}_delete BEFORE DELETE ON "{table}" {refuse}'
            )
        collisions = " OR ".join(
            f'EXISTS (SELECT 1 FROM "{table}" WHERE ' + " AND ".join(f'"{c}" = NEW."{c}"' for c in key) + ")"
            for key in guard.unique
        )
        statements.append(
            f'CREATE TRIGGER IF NOT EXISTS {PREFIX}{table}_replace BEFORE INSERT ON "{table}" '
            f"WHEN {collisions} {refuse}"
        )
        return statements
    statements = [_PG_FUNCTION]
    execute = f"FOR EACH ROW EXECUTE FUNCTION {PREFIX}refuse()"
    if guard.refuse_update:
        statements.append(f'CREATE OR REPLACE TRIGGER {PREFIX}{table}_update BEFORE UPDATE ON "{table}" {execute}')
    else:
        conditions = _changes(guard.frozen, "IS DISTINCT FROM")
        if guard.final_when:
            conditions.append(f'OLD."{guard.final_when}" IS NOT NULL')
        statements.append(
            f'CREATE OR REPLACE TRIGGER {PREFIX}{table}_update BEFORE UPDATE ON "{table}" '
            f"FOR EACH ROW WHEN ({' OR '.join(conditions)}) EXECUTE FUNCTION {PREFIX}refuse()"
        )
    if guard.refuse_delete:
        statements.append(f'CREATE OR REPLACE TRIGGER {PREFIX}{table}_delete BEFORE DELETE ON "{table}" {execute}')
        statements.append(
            f'CREATE OR REPLACE TRIGGER {PREFIX}{table}_truncate BEFORE TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}refuse()"
        )
    return statements
