"""A Litestar store kept in the database, so sessions survive restarts and every app server sees them.

Keys are stored as SHA-256 hashes: someone who reads the table (a backup, a replica) cannot use
the session ids in it, since the cookie holds the id and only its hash is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from litestar.stores.base import Store

from accounts.tables import SessionRecord

__all__ = ["DatabaseStore"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _expiry(expires_in: int | dt.timedelta | None) -> dt.datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, dt.timedelta) else expires_in
    return _now() + dt.timedelta(seconds=seconds)


class DatabaseStore(Store):
    """Key-value store on the `session_record` table (SQLite or PostgreSQL); a namespace keeps stores apart."""

    def __init__(self, namespace: str = "") -> None:
        self.prefix = f"{namespace}:" if namespace else ""

    def _key(self, key: str) -> str:
        return self.prefix + hashlib.sha256(key.encode()).hexdigest()

    async def set(self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None) -> None:
        """Store a value, replacing any previous one."""
        data = value.encode() if isinstance(value, str) else value
        await SessionRecord.insert(
            SessionRecord(key=self._key(key), value=data, expires_at=_expiry(expires_in))
        ).on_conflict(
            target=SessionRecord.key, action="DO UPDATE", values=[SessionRecord.value, SessionRecord.expires_at]
        )

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        """The value, or None if missing or expired."""
        row = await SessionRecord.select().where(SessionRecord.key == self._key(key)).first()
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= _now():
            await self.delete(key)
            return None
        if renew_for is not None and row["expires_at"] is not None:
            await SessionRecord.update({SessionRecord.expires_at: _expiry(renew_for)}).where(
                SessionRecord.key == self._key(key)
            )
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        """Forget a key."""
        await SessionRecord.delete().where(SessionRecord.key == self._key(key))

    async def delete_all(self) -> None:
        """Forget every key of this store."""
        if self.prefix:
            await SessionRecord.delete().where(SessionRecord.key.like(self.prefix + "%"))
        else:
            await SessionRecord.delete(force=True)

    async def exists(self, key: str) -> bool:
        """True if the key holds an unexpired value."""
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        """Seconds until the key expires, or None."""
        row = await SessionRecord.select(SessionRecord.expires_at).where(SessionRecord.key == self._key(key)).first()
        if row is None or row["expires_at"] is None:
            return None
        return max(0, int((row["expires_at"] - _now()).total_seconds()))

    async def delete_expired(self) -> None:
        """Drop expired keys."""
        await SessionRecord.delete().where(SessionRecord.expires_at < _now())
