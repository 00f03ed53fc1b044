"""`make mutants` set-up: mutmut's stats run covers exactly the test files that judge the targeted modules."""

from __future__ import annotations

import tomllib

from mutation_testing.targets import TARGETS, mutant_patterns, target_of
from tests.conftest import PROJECT_ROOT


def test_mutmut_gathers_stats_from_every_targeted_test_file_and_no_other():
    configured = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    judging = {path for target in TARGETS.values() for path in target.tests}
    assert set(configured["pytest_add_cli_args_test_selection"]) == judging
    assert all((PROJECT_ROOT / path).is_file() for path in judging)
    mutated = {module.replace(".", "/") + ".py" for module in TARGETS}
    assert set(configured["only_mutate"]) == mutated


def test_mutant_names_map_back_to_their_module():
    assert target_of("accounts.csrf.xǁSessionCSRFMiddlewareǁ__call____mutmut_3") == (
        "accounts.csrf",
        TARGETS["accounts.csrf"],
    )
    assert target_of("directory.search.folding.x_folded__mutmut_1") is None
    assert mutant_patterns(("accounts.csrf",)) == ["accounts.csrf.*"]
