"""The referral ledger's row types (referrals/rows.py) hold exactly the columns of their tables, with the
columns' value types, so a column added, renamed or made nullable cannot leave a TypedDict behind."""

from __future__ import annotations

import pytest

from referrals import rows
from referrals.services import access, consents
from referrals.tables import (
    Client,
    Consent,
    Disclosure,
    FollowUp,
    LedgerCheckpoint,
    LedgerHead,
    NeedAnswer,
    Referral,
    ReferralEvent,
)
from tests.row_types import row_type_differences, selected_names

# Foreign keys declared without `null=` are nullable in the database (Piccolo's default) although every
# insert fills them; the rows type them as never None.
ALWAYS_WRITTEN = {
    Client: ("care_team",),
    NeedAnswer: ("client",),
    Consent: ("client", "care_team"),
    Referral: ("client", "care_team", "service_at_location", "service", "partner_organization"),
    ReferralEvent: ("referral",),
    Disclosure: ("client", "recipient_organization"),
    FollowUp: ("referral", "client", "care_team"),
}

ROW_TYPES = [
    (rows.ClientRow, Client, ()),
    (rows.NeedAnswerRow, NeedAnswer, ()),
    (rows.ConsentRow, Consent, ()),
    (rows.NamedConsentRow, Consent, selected_names(consents._with_names())),
    (rows.ReferralRow, Referral, ()),
    (rows.NamedReferralRow, Referral, selected_names(access.with_names())),
    (rows.ReferralEventRow, ReferralEvent, ()),
    (rows.LedgerHeadRow, LedgerHead, ()),
    (rows.LedgerCheckpointRow, LedgerCheckpoint, ()),
    (rows.DisclosureRow, Disclosure, ()),
    (rows.NamedDisclosureRow, Disclosure, ("recipient_name",)),
    (rows.ListedDisclosureRow, Disclosure, ("recipient_name", "recipient_person")),
    (rows.FollowUpRow, FollowUp, ()),
    (
        rows.WorklistRow,
        FollowUp,
        ("priority", "need", "referral_status", "client_preferred_name", "assigned_care_manager"),
    ),
]


@pytest.mark.parametrize(("row_type", "table", "extra"), ROW_TYPES, ids=[r[0].__name__ for r in ROW_TYPES])
def test_a_row_type_holds_its_tables_columns(row_type, table, extra):
    assert row_type_differences(row_type, table, extra, ALWAYS_WRITTEN.get(table, ())) == []


def test_every_row_type_is_checked():
    assert {r[0].__name__ for r in ROW_TYPES} == set(rows.__all__)
