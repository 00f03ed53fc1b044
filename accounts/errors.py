"""Every refusal of accounts, sign-in, passwords and API tokens, defined once: its code, HTTP status, the API's
detail and the words a person reads. A refused sign-in has one code whatever the reason, so it never tells
whether an account exists, is locked or disabled."""

from __future__ import annotations

from kernel.i18n import N_
from kernel.problems import ErrorCode

__all__ = [
    "ACCOUNT_EXISTS",
    "ACCOUNT_NOT_FOUND",
    "ADMINS_ISSUE_NO_TOKENS",
    "CARE_TEAM_REQUIRED",
    "CURRENT_PASSWORD_WRONG",
    "NEW_PASSWORDS_DIFFER",
    "ORGANIZATION_REQUIRED",
    "PARTNER_ORGANIZATION_NOT_FOUND",
    "PASSWORD_TOO_SHORT",
    "ROLE_UNKNOWN",
    "SIGN_IN_REFUSED",
    "TOKENS_FOR_PARTNER_STAFF",
    "TOKEN_ALREADY_REVOKED",
    "TOKEN_HAS_NO_PASSWORD",
    "TOKEN_HAS_NO_SESSION",
    "TOKEN_NAME_LENGTH",
    "TOKEN_NOT_FOUND",
    "TOKEN_REFUSED",
]

# --- signing in and passwords --------------------------------------------------------------------------------

SIGN_IN_REFUSED = ErrorCode(
    "sign_in_refused",
    401,
    "wrong e-mail or password",
    N_("The e-mail address or the password is not right. Check both and try again."),
    field="email",
)
TOKEN_REFUSED = ErrorCode(
    "token_refused",
    401,
    "the API token is unknown or revoked",
    N_("This API token is unknown or revoked. Ask your organization's admin for a new one."),
)
PASSWORD_TOO_SHORT = ErrorCode(
    "password_too_short",
    400,
    "passwords must have at least %(minimum)s characters",
    N_("Choose a new password of at least %(minimum)s characters."),
    field="new_password",
)
NEW_PASSWORDS_DIFFER = ErrorCode(
    "new_passwords_differ",
    400,
    "new_password and repeat_password differ",
    N_("The two new passwords are not the same. Type the new password twice."),
    field="repeat_password",
)
CURRENT_PASSWORD_WRONG = ErrorCode(
    "current_password_wrong",
    403,
    "the current password is wrong",
    N_("Your current password is not right. Type it again (after several tries the account is locked for a while)."),
    field="current_password",
)
TOKEN_HAS_NO_PASSWORD = ErrorCode(
    "token_has_no_password",
    403,
    "API tokens have no password",
    N_("An API token has no password to change."),
)
TOKEN_HAS_NO_SESSION = ErrorCode(
    "token_has_no_session",
    403,
    "API tokens have no session to end; a partner admin revokes the token instead",
    N_("An API token has no session to end: a partner admin revokes the token instead."),
)

# --- accounts (made on the command line) ---------------------------------------------------------------------

ROLE_UNKNOWN = ErrorCode(
    "role_unknown",
    400,
    "role must be one of %(allowed)s",
    N_("Choose one of the roles offered."),
)
CARE_TEAM_REQUIRED = ErrorCode(
    "care_team_required",
    400,
    "a care manager belongs to a care team",
    N_("A care manager belongs to a care team: choose one."),
)
ORGANIZATION_REQUIRED = ErrorCode(
    "organization_required",
    400,
    "partner staff belong to a partner organization",
    N_("Partner staff belong to a partner organization: choose one."),
)
ACCOUNT_EXISTS = ErrorCode(
    "account_exists",
    400,
    "an account for %(email)s already exists",
    N_("There is already an account for %(email)s."),
)
ACCOUNT_NOT_FOUND = ErrorCode(
    "account_not_found",
    404,
    "no account %(email)s",
    N_("There is no account for %(email)s."),
)

# --- API tokens ------------------------------------------------------------------------------------------------

TOKENS_FOR_PARTNER_STAFF = ErrorCode(
    "tokens_for_partner_staff",
    403,
    "only a partner organization's staff have API tokens",
    N_("Only the staff of a partner organization have API tokens."),
)
ADMINS_ISSUE_NO_TOKENS = ErrorCode(
    "admins_issue_no_tokens",
    403,
    "admins do not issue partner credentials (they would read the partner's referrals): the partner organization's "
    "own admin issues its tokens",
    N_("Administrators do not issue a partner's tokens: the partner organization's own admin does."),
)
PARTNER_ORGANIZATION_NOT_FOUND = ErrorCode(
    "partner_organization_not_found",
    404,
    "no partner organization with id %(organization_id)s",
    N_("This partner organization does not exist, or it is not one whose tokens you manage."),
)
TOKEN_NAME_LENGTH = ErrorCode(
    "token_name_length",
    400,
    "name must have 1 to 255 characters",
    N_("Give the token a name of 1 to 255 characters saying which system will use it."),
    field="name",
)
TOKEN_NOT_FOUND = ErrorCode(
    "token_not_found",
    404,
    "no token with id %(token_id)s",
    N_("This token does not exist, or it is not one you manage."),
)
TOKEN_ALREADY_REVOKED = ErrorCode(
    "token_already_revoked",
    404,
    "token %(token_id)s is already revoked",
    N_("This token is already revoked."),
)
