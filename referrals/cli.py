"""`directory-admin referrals ...`: verify the ledger, seed demo clients and referrals."""

from __future__ import annotations

import asyncio
import sys

import click

__all__ = ["referrals_group"]


@click.group(name="referrals", help="Referral ledger commands.")
def referrals_group() -> None:
    """Referral ledger administration."""


@referrals_group.command(name="verify-ledger", help="Recompute every referral's hash chain; exit 1 at the first fault.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def verify_ledger_command(quiet: bool) -> None:
    from referrals.services.ledger import verify_ledger

    def progress(referrals: int, events: int) -> None:
        if not quiet:
            click.echo(f"  checked {referrals:,} referrals, {events:,} events", err=True)

    referrals, events, problem = asyncio.run(verify_ledger(progress=progress))
    if problem is not None:
        click.echo(f"Ledger check FAILED after {referrals:,} referrals: {problem}", err=True)
        sys.exit(1)
    click.echo(f"Ledger verified: {referrals:,} referrals, {events:,} events, every hash and status matches.")
