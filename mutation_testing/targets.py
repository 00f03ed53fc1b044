"""What `make mutants` mutates, and which test files judge each module's mutants.

mutmut runs, for each mutant, the tests that called the mutated function while it gathered its stats; but
a middleware (CSRF) or a rule every referral passes through (the consent check) is called by nearly every
test, so each module's mutants are judged by that module's own test files only (`select_tests.py`
deselects the rest). Without a name of its own here, a module is not mutated.

`python -m mutation_testing.targets [MODULE...]` prints the mutant name patterns for `mutmut run`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

__all__ = ["TARGETS", "Target", "mutant_patterns", "target_of"]


@dataclass(frozen=True)
class Target:
    """One module: the test files that exercise it, and the functions mutated (all of them by default)."""

    tests: tuple[str, ...]
    functions: tuple[str, ...] = ("*",)
    """Function names as mutmut spells them: `x_name` for a function, `xǁClassǁname` for a method."""


TARGETS: dict[str, Target] = {
    "referrals.services.access": Target(
        tests=(
            "tests/referrals/test_access_matrix.py",
            "tests/referrals/test_consent.py",
            "tests/referrals/test_closed_and_withdrawn.py",
            "tests/referrals/test_fhir.py",
        )
    ),
    "referrals.services.ledger": Target(
        tests=(
            "tests/referrals/test_ledger.py",
            "tests/referrals/test_ledger_key_rotation.py",
            "tests/referrals/test_consent.py",
        )
    ),
    "referrals.services.transitions": Target(
        tests=(
            "tests/referrals/test_transitions.py",
            "tests/referrals/test_transition_table.py",
            "tests/referrals/test_referral_flow.py",
            "tests/referrals/test_closed_and_withdrawn.py",
        )
    ),
    "referrals.services.follow_ups": Target(
        tests=(
            "tests/referrals/test_owed_checks.py",
            "tests/referrals/test_follow_ups.py",
            "tests/referrals/test_rescheduled_follow_ups.py",
            "tests/referrals/test_worklist_order.py",
            "tests/referrals/test_closed_loop.py",
        )
    ),
    "referrals.services.consents": Target(
        tests=(
            "tests/referrals/test_consent.py",
            "tests/referrals/test_access_matrix.py",
        )
    ),
    "accounts.csrf": Target(tests=("tests/accounts/test_access.py", "tests/accounts/test_csrf_cookie.py")),
    # The ranking: filtering, scoring and ordering one search on one snapshot.
    "directory.search.ranking": Target(
        tests=(
            "tests/directory/test_search_index.py",
            "tests/directory/test_search_api.py",
            "tests/directory/test_search_language.py",
            "tests/directory/test_search_reverification_rank.py",
            "tests/referrals/test_listing_feedback.py",
        ),
        functions=(
            "x_run_search",
            "x__filter",
            "x__facet_keys",
            "x__score_words",
            "x__order",
            "x__ranking_distances",
            "x__score",
            "x__score_by_documents",
            "x__score_by_postings",
        ),
    ),
}


def target_of(mutant_name: str) -> tuple[str, Target] | None:
    """The module a mutant name (`module.x_function__mutmut_3`) belongs to, and its target; None if untargeted."""
    module, _, _ = mutant_name.partition("__mutmut_")[0].rpartition(".")
    target = TARGETS.get(module)
    return (module, target) if target is not None else None


def mutant_patterns(modules: tuple[str, ...] = ()) -> list[str]:
    """`mutmut run` arguments naming every targeted mutant (of these modules only, if given). A pattern also
    matches the function's own name, so mutmut's clean run takes only the tests that reach these functions."""
    return [
        f"{module}.{function.rstrip('*')}*"
        for module, target in TARGETS.items()
        if not modules or module in modules
        for function in target.functions
    ]


if __name__ == "__main__":
    print(" ".join(mutant_patterns(tuple(sys.argv[1:]))))
