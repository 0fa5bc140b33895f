"""The partnership's roles, as the names of the groups people are put in.

They sit below the models and the permission module alike: the models name a role (who leads for
an agency now) and the permission module decides what each role may do."""

PRACTITIONERS = "Practitioners"
AGENCY_LEADS = "Agency leads"
BUSINESS_UNIT = "Business unit"
BUSINESS_MANAGERS = "Business managers"
SCRUTINEERS = "Scrutineers"
ADMINISTRATORS = "Administrators"

ROLE_GROUPS = [
    PRACTITIONERS,
    AGENCY_LEADS,
    BUSINESS_UNIT,
    BUSINESS_MANAGERS,
    SCRUTINEERS,
    ADMINISTRATORS,
]
# Members of these groups may open partnership-only material (rapid reviews, unpublished reports).
PARTNERSHIP_GROUPS = [AGENCY_LEADS, BUSINESS_UNIT, BUSINESS_MANAGERS, SCRUTINEERS, ADMINISTRATORS]
