"""The accounts row types (accounts/rows.py) hold exactly the columns of their tables, with the columns'
value types, so a column added, renamed or made nullable cannot leave a TypedDict behind."""

from __future__ import annotations

import pytest

from accounts import rows
from accounts.tables import Account, ApiToken, AuditEvent
from tests.row_types import row_type_differences

# A foreign key declared without `null=` is nullable in the database (Piccolo's default); every token is
# issued for an organization.
ALWAYS_WRITTEN = {ApiToken: ("partner_organization",)}

ROW_TYPES = [
    (rows.AccountRow, Account, ()),
    (rows.ApiTokenRow, ApiToken, ()),
    (rows.NamedApiTokenRow, ApiToken, ("created_by_name",)),
    (rows.AuditEventRow, AuditEvent, ()),
]


@pytest.mark.parametrize(("row_type", "table", "extra"), ROW_TYPES, ids=[r[0].__name__ for r in ROW_TYPES])
def test_a_row_type_holds_its_tables_columns(row_type, table, extra):
    assert row_type_differences(row_type, table, extra, ALWAYS_WRITTEN.get(table, ())) == []


def test_every_row_type_is_checked():
    assert {r[0].__name__ for r in ROW_TYPES} == set(rows.__all__)
