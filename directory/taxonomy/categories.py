"""The directory's category taxonomy (HSDS taxonomy terms); the everyday words people use for them are in
`directory/search/everyday_phrases.csv`."""

from __future__ import annotations

from dataclasses import dataclass

from directory.hsds.ids import stable_uuid

__all__ = [
    "CATEGORIES",
    "CATEGORY_CODES",
    "MEDICATIONS",
    "PAYMENT_METHODS",
    "ATTRIBUTE_TAXONOMY_NAME",
    "ATTRIBUTE_TERMS",
    "TAXONOMY_NAME",
    "attribute_term_id",
    "CategoryTerm",
    "all_terms",
    "term_category",
    "term_id",
]

TAXONOMY_NAME = "sud-community-resources"

MEDICATIONS = ("methadone", "buprenorphine", "naltrexone")
PAYMENT_METHODS = ("medicaid", "medicare", "private_insurance", "sliding_scale", "free", "self_pay")


@dataclass(frozen=True)
class CategoryTerm:
    """One term of the taxonomy; `code` is the slug used in URLs (`food`, `food.pantry`)."""

    code: str
    name: str
    description: str

    @property
    def parent_code(self) -> str | None:
        """The top-level code for a sub-term, None for a category."""
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


def _terms(code: str, name: str, description: str, *subterms: tuple[str, str, str]):
    yield CategoryTerm(code, name, description)
    for sub_code, sub_name, sub_description in subterms:
        yield CategoryTerm(f"{code}.{sub_code}", sub_name, sub_description)


CATEGORIES: tuple[CategoryTerm, ...] = (
    *_terms(
        "housing",
        "Housing",
        "Shelter, recovery housing and help paying rent.",
        ("shelter", "Emergency shelter", "Overnight and emergency shelter beds."),
        ("recovery_housing", "Recovery housing", "Sober living and recovery residences."),
        ("rental_help", "Rental help", "Rent, deposit and eviction-prevention assistance."),
    ),
    *_terms(
        "transportation",
        "Transportation",
        "Getting to appointments, treatment and work.",
        ("transit_passes", "Transit passes", "Bus and rail passes and tokens."),
        ("medical_rides", "Medical rides", "Rides to medical and treatment appointments."),
    ),
    *_terms(
        "food",
        "Food",
        "Food pantries, meals and groceries.",
        ("pantry", "Food pantry", "Groceries to take home."),
        ("meals", "Meals", "Hot meals served on site."),
    ),
    *_terms(
        "moud",
        "MOUD and SUD treatment",
        "Medications for opioid use disorder and substance use treatment.",
        ("methadone", "Methadone (opioid treatment program)", "Methadone dosing at an OTP."),
        ("buprenorphine", "Buprenorphine", "Buprenorphine prescribing and induction."),
        ("naltrexone", "Naltrexone", "Extended-release naltrexone injections."),
        ("recovery_support", "Recovery support", "Peer recovery coaching and support groups."),
        ("detox", "Detox (withdrawal management)", "Medically managed or monitored withdrawal."),
    ),
    *_terms(
        "health_care",
        "Health care",
        "Primary care and community health centers.",
        ("primary_care", "Primary care", "Community health center (FQHC) primary care."),
    ),
    *_terms(
        "mental_health",
        "Mental health",
        "Counseling and crisis support.",
        ("counseling", "Counseling", "Individual and group counseling."),
        ("crisis", "Crisis support", "Crisis lines and walk-in crisis care."),
    ),
    *_terms(
        "harm_reduction",
        "Harm reduction",
        "Naloxone, syringe services and drug checking.",
        ("naloxone", "Naloxone", "Free naloxone (Narcan) and overdose response training."),
        ("syringe_services", "Syringe services", "Sterile supplies and syringe exchange."),
    ),
    *_terms(
        "benefits",
        "Benefits and insurance",
        "Help enrolling in Medicaid, SNAP and other benefits.",
        ("insurance_enrollment", "Insurance enrollment", "Medicaid and marketplace enrollment."),
        ("public_benefits", "Public benefits", "SNAP, cash assistance and ID documents."),
        ("utility_help", "Utility help", "Help paying electric, gas, water and phone bills."),
    ),
    *_terms(
        "employment",
        "Employment",
        "Jobs, job training and placement.",
        ("job_training", "Job training", "Skills training and certificates."),
    ),
    *_terms(
        "legal",
        "Legal",
        "Legal aid, record clearing and reentry help.",
        ("legal_aid", "Legal aid", "Free civil legal help."),
    ),
    *_terms(
        "case_management",
        "Case management",
        "A case manager or care coordinator who plans and follows up on services with a person.",
    ),
    *_terms(
        "information_referral",
        "Information and referral",
        "211 and other lines that tell people which services fit and how to reach them.",
    ),
    *_terms(
        "support_groups",
        "Support groups and mutual aid",
        "Peer support groups and mutual aid for caregivers, grief, health conditions, parents and survivors.",
    ),
    *_terms(
        "family",
        "Children and family",
        "Child care, parenting help, family support, foster care and adoption.",
    ),
    *_terms(
        "goods",
        "Clothing and household goods",
        "Clothing, diapers, hygiene items, furniture and other things a household needs.",
    ),
    *_terms(
        "education",
        "Education",
        "GED and adult education, English classes, literacy and tutoring.",
    ),
)


#: Every category code, top-level and sub-category ('food', 'food.pantry').
CATEGORY_CODES = frozenset(term.code for term in CATEGORIES)


def term_category(term: dict) -> str | None:
    """The directory category a taxonomy term stands for: its own code for the directory's terms, the
    mapped category (see taxonomy_mapping) for an outside taxonomy's; None when it has none.

    Search listings and consent decisions (listing_facts) both read categories through this one rule.
    """
    if term.get("taxonomy") == TAXONOMY_NAME:
        return term.get("code") if term.get("code") in CATEGORY_CODES else None
    category = term.get("category")
    return category if category in CATEGORY_CODES else None


def term_id(code: str):
    """The UUID of a taxonomy term, derived from its code so every install agrees."""
    return stable_uuid(None, "taxonomy", TAXONOMY_NAME, code)


def all_terms() -> tuple[CategoryTerm, ...]:
    """Every term, categories first then their sub-terms in declaration order."""
    return CATEGORIES


#: Taxonomy of the HSDS attributes that carry this directory's typed SUD-care fields on export.
ATTRIBUTE_TAXONOMY_NAME = "sud-care-attributes"

#: attribute code -> (HSDS entity it describes, description)
ATTRIBUTE_TERMS: dict[str, tuple[str, str]] = {
    "medication": ("service", "A medication for opioid use disorder offered (value: its name)."),
    "payment_accepted": ("service", "A way of paying accepted (value: medicaid, medicare, ...)."),
    "accepting_new_patients": ("service", "Whether new patients or clients are accepted now."),
    "same_day_induction": ("service", "Same-day or low-threshold start of treatment."),
    "telehealth": ("service", "Offered by telehealth."),
    "walk_in": ("service", "Walk-ins welcome."),
    "accepts_moud_residents": ("service", "Housing accepts residents taking MOUD."),
    "no_sobriety_requirement": ("service", "Housing has no sobriety requirement."),
    "confidential_location": ("location", "The address must never be shown publicly."),
    "sample_data": ("organization", "Made-up demo record, not a real organization."),
    "data_source": ("organization", "Who published this record."),
}


def attribute_term_id(code: str):
    """The UUID of an SUD-care attribute term."""
    return stable_uuid(None, "taxonomy", ATTRIBUTE_TAXONOMY_NAME, code)
