"""A pytest plugin for mutmut runs (`-p mutation_testing.select_tests`), active when `make mutants` sets
MUTATION_TEMPLATE_DATABASE (a migrated SQLite file):

- while a mutant is under test, only its module's own test files (`targets.TARGETS`) run (the stats and clean
  runs are left whole), on a database of its own, a copy of the template: mutmut forks each mutant's process
  from one that has imported the tests (so the app, once), and two mutants tested at once must not share the
  SQLite file that import chose.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from mutation_testing.targets import Target, target_of

__all__ = ["pytest_collection_modifyitems", "pytest_configure"]


def _target_under_test() -> Target | None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    found = target_of(mutant) if "__mutmut_" in mutant else None
    return found[1] if found is not None else None


def pytest_configure(config: pytest.Config) -> None:
    """For a mutant, the app's SQLite engine on a fresh copy of the template database (passwords are cheap to
    hash in every test run: tests/conftest.py sets PASSWORD_HASHING=test-only)."""
    template = os.environ.get("MUTATION_TEMPLATE_DATABASE")
    if not template or _target_under_test() is None:
        return
    from piccolo.engine.sqlite import SQLiteEngine

    from server.piccolo_conf import DB

    if not isinstance(DB, SQLiteEngine):
        raise pytest.UsageError("MUTATION_TEMPLATE_DATABASE is a SQLite file, and the tests' engine is not SQLite")
    own = Path(tempfile.mkdtemp(prefix="mutant-")) / "test.sqlite"
    shutil.copyfile(template, own)
    DB.path = str(own)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect tests outside the module's test files (none left: pytest's 'no tests', which mutmut reports)."""
    target = _target_under_test()
    if target is None:
        return
    kept = [item for item in items if item.nodeid.split("::", 1)[0] in target.tests]
    dropped = [item for item in items if item.nodeid.split("::", 1)[0] not in target.tests]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
