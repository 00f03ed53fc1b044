"""`directory-admin referrals ...`: verify the ledger, and seal checkpoints of it to keep elsewhere."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

import click

from kernel.settings import Settings

__all__ = ["referrals_group"]


@click.group(name="referrals", help="Referral ledger commands.")
def referrals_group() -> None:
    """Referral ledger administration."""


def _checkpoint(value: str) -> tuple[int, str]:
    position, _, last_hash = value.partition(":")
    if not position.isdigit() or len(last_hash) != 64:
        raise click.BadParameter(f"{value!r}: expected POSITION:HASH as `referrals checkpoint` prints it")
    return int(position), last_hash


@referrals_group.command(
    name="verify-ledger", help="Check every seal, the sequence, the head and checkpoints; exit 1 at the first fault."
)
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    help="POSITION:HASH (the ledger digest) from `referrals checkpoint`, kept outside the database; repeatable.",
)
@click.pass_obj
def verify_ledger_command(settings: Settings, quiet: bool, checkpoints: tuple[str, ...]) -> None:
    """Verify the ledger."""
    from referrals.services.ledger import verify_ledger

    def progress(referrals: int, events: int) -> None:
        if not quiet:
            click.echo(f"  checked {referrals:,} referrals, {events:,} events", err=True)

    try:
        wanted = tuple(_checkpoint(c) for c in checkpoints)
    except click.BadParameter as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    referrals, events, problem = asyncio.run(verify_ledger(settings, progress=progress, checkpoints=wanted))
    if problem is not None:
        click.echo(f"Ledger check FAILED after {referrals:,} referrals: {problem}", err=True)
        sys.exit(1)
    click.echo(
        f"Ledger verified: {referrals:,} referrals, {events:,} events; every seal, the sequence, the head"
        + (" and the checkpoints match." if checkpoints else " and the stored checkpoints match.")
    )


@referrals_group.command(
    name="checkpoint",
    help="Seal the ledger's current head and digest as a checkpoint; keep the printed line outside the database.",
)
@click.pass_obj
def checkpoint_command(settings: Settings) -> None:
    """Record a checkpoint."""
    from kernel.database import write_transaction
    from referrals.rows import LedgerCheckpointRow
    from referrals.services.ledger import record_checkpoint
    from referrals.tables import LedgerCheckpoint

    async def run() -> LedgerCheckpointRow:
        async with write_transaction(LedgerCheckpoint._meta.db):
            return await record_checkpoint(dt.datetime.now(dt.UTC), settings)

    checkpoint = asyncio.run(run())
    click.echo(f"{checkpoint['position']}:{checkpoint['ledger_digest']}")
    click.echo(
        "Keep this line somewhere the database's administrators cannot change it (a ticket, an e-mail, a "
        "printout); `verify-ledger --checkpoint` with it shows whether the ledger still holds every event up to it, "
        "of every referral.",
        err=True,
    )
