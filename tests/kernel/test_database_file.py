"""The SQLite file holds client records: only its owner may read it, whatever the umask."""

from __future__ import annotations

import os
import stat

from kernel.database import create_engine


def test_a_new_or_existing_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        new = tmp_path / "new" / "directory.sqlite"
        create_engine(f"sqlite:///{new}")
        existing = tmp_path / "existing.sqlite"
        existing.write_bytes(b"")
        existing.chmod(0o644)
        create_engine(f"sqlite:///{existing}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
