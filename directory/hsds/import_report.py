"""What an import did, told truthfully: every row read is imported, changed on the way in, or skipped
with its cause, and the report groups causes so 9,806 rows with one fault read as one line, not 9,806.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["EXAMPLES_PER_CAUSE", "Finding", "ImportReport", "Kind", "Origin", "finding"]

#: Rows quoted under each cause before "… and N more".
EXAMPLES_PER_CAUSE = 3

Kind = Literal["skipped", "changed", "not_imported"]


@dataclass(frozen=True)
class Origin:
    """Where a row came from: file name and 1-based line (CSV) or item path (JSON)."""

    file: str
    row: int | str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}"


@dataclass(frozen=True)
class Finding:
    """One thing the import did to one row that a person should know about.

    `skipped`: the row was left out; `changed`: it was imported with a value read forgivingly or set
    aside; `not_imported`: the package holds it but this directory has nowhere to keep it.
    `cause` is the same text for every row with the same fault (so rows group), `example` the row's own value.
    """

    origin: Origin
    kind: Kind
    cause: str
    example: str | None = None
    partial: bool = False
    """The row left out is part of its origin's row (a JSON service's phone): the origin is imported, changed."""

    def __str__(self) -> str:
        example = f": {self.example}" if self.example else ""
        return f"{self.origin}: {self.cause}{example}"


def finding(origin: Origin, kind: Kind, cause: str, example: object = None, *, partial: bool = False) -> Finding:
    """A Finding, quoting the row's value (shortened) as its example."""
    if example is None:
        return Finding(origin, kind, cause, partial=partial)
    if isinstance(example, Origin):
        return Finding(origin, kind, cause, f"with {example}", partial)
    text = str(example)
    return Finding(origin, kind, cause, repr(text if len(text) <= 60 else text[:57] + "..."), partial)


@dataclass
class ImportReport:
    """Rows read, imported, changed and skipped per file, findings grouped by cause, geocoding, timings."""

    package: str
    hsds_version: str
    read: Counter[str] = field(default_factory=Counter)
    written: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    geocoded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unread_columns: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(file, column) -> rows with a value in a column this directory does not keep."""
    unmapped_terms: int = 0
    services: Counter[str] = field(default_factory=Counter)
    """Services new, changed, unchanged (since the source's last import) and made inactive (no longer listed)."""
    seconds: float = 0.0

    def add(self, origin: Origin, kind: Kind, cause: str, example: object = None, *, partial: bool = False) -> None:
        self.findings.append(finding(origin, kind, cause, example, partial=partial))

    @property
    def problems(self) -> list[Finding]:
        """Rows left out (what stops an import unless --skip-invalid)."""
        return [f for f in self.findings if f.kind == "skipped"]

    def rows_by_kind(self, *kinds: Kind, partial: bool) -> dict[str, set[int | str]]:
        """File -> the rows with at least one finding of these kinds (about part of the row, or the whole)."""
        rows: dict[str, set[int | str]] = defaultdict(set)
        for finding in self.findings:
            if finding.kind in kinds and finding.partial == partial:
                rows[finding.origin.file].add(finding.origin.row)
        return rows

    def summary(self) -> list[tuple[str, int, int, int, int]]:
        """(file, read, imported, skipped, changed) per file. A row left out counts as skipped; a row imported
        with a value changed, or with a part of it left out (a JSON service's phone), counts as changed."""
        left_out = self.rows_by_kind("skipped", "not_imported", partial=False)
        changed = self.rows_by_kind("changed", partial=False)
        for file_name, rows in self.rows_by_kind("skipped", "changed", "not_imported", partial=True).items():
            changed[file_name] |= rows
        table = []
        for file_name, read in self.read.items():
            skipped = left_out.get(file_name, set())
            altered = changed.get(file_name, set()) - skipped
            table.append((file_name, read, read - len(skipped), len(skipped), len(altered)))
        return table

    def grouped(self, kind: Kind) -> list[tuple[str, str, list[Finding]]]:
        """(file, cause, findings) for one kind: files in the order they were read, frequent causes first."""
        groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for finding in self.findings:
            if finding.kind == kind:
                groups[(finding.origin.file, finding.cause)].append(finding)
        file_order = {name: index for index, name in enumerate(self.read)}
        return sorted(
            ((f, c, rows) for (f, c), rows in groups.items()),
            key=lambda g: (file_order.get(g[0], len(file_order)), -len(g[2]), g[1]),
        )

    def totals(self) -> tuple[int, int, int, int]:
        """(read, imported, skipped, changed) over every file: the summary table's total line."""
        rows = self.summary()
        return (
            sum(r[1] for r in rows),
            sum(r[2] for r in rows),
            sum(r[3] for r in rows),
            sum(r[4] for r in rows),
        )

    def headline(self, *, written: bool = True) -> str:
        """One line with the same totals as the table below it (what would be imported, when nothing was)."""
        read, imported, skipped, changed = self.totals()
        if not written:
            return (
                f"{self.package} (HSDS {self.hsds_version}): of {read:,} rows read, {skipped:,} would be left out "
                f"and {imported:,} imported ({changed:,} of them with changes)"
            )
        return (
            f"{self.package} (HSDS {self.hsds_version}): {read:,} rows read, {imported:,} imported "
            f"({changed:,} of them with changes), {skipped:,} left out"
        )

    def services_line(self) -> str | None:
        """Services new, changed, unchanged and made inactive, when the import wrote any."""
        if not self.services:
            return None
        parts = [f"{self.services[k]:,} {k}" for k in ("new", "changed", "unchanged") if self.services[k]]
        if self.services["made inactive"]:
            parts.append(f"{self.services['made inactive']:,} no longer in the source: made inactive")
        return "Services: " + (", ".join(parts) or "none")

    def lines(self, *, examples: int = EXAMPLES_PER_CAUSE) -> list[str]:
        """The report as text lines: causes grouped with a few example rows each, then the per-file table."""
        out: list[str] = [f"Note: {note}" for note in self.notes]
        if (services := self.services_line()) is not None:
            out.append(services)
        headings = {
            "skipped": "Left out",
            "changed": "Imported with changes",
            "not_imported": "Not imported (no place for it in this directory)",
        }
        for kind, heading in headings.items():
            groups = self.grouped(kind)  # type: ignore[arg-type]
            if not groups:
                continue
            out.append(f"{heading}:")
            for file_name, cause, findings in groups:
                out.append(f"  {file_name}: {cause}: {_rows(len(findings))}")
                if kind != "not_imported":
                    out.extend(_examples(findings, examples))
        if self.unread_columns:
            out.append("Columns not kept (values in them are not imported):")
            for (file_name, column), count in sorted(self.unread_columns.items()):
                out.append(f"  {file_name}: '{column}': {count:,} with a value")
        out.extend(summary_table(self.summary()))
        return out


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _examples(findings: list[Finding], limit: int) -> Iterable[str]:
    """The first rows of a cause, preferring rows whose values differ (three '8:00am' rows say less)."""
    first_of: dict[str | None, Finding] = {}
    for finding in findings:
        first_of.setdefault(finding.example, finding)
    distinct = list(first_of.values())
    shown = (distinct + [f for f in findings if f not in distinct])[:limit]
    for finding in sorted(shown, key=lambda f: str(f.origin.row).zfill(12)):
        yield f"    row {finding.origin.row}" + (f": {finding.example}" if finding.example else "")
    if len(findings) > limit:
        yield f"    … and {len(findings) - limit:,} more"


def summary_table(rows: list[tuple[str, int, int, int, int]]) -> list[str]:
    """A fixed-width table of read / imported / skipped / changed per file, with a total line."""
    if not rows:
        return []
    totals: tuple[str, int, int, int, int] = (
        "total",
        sum(r[1] for r in rows),
        sum(r[2] for r in rows),
        sum(r[3] for r in rows),
        sum(r[4] for r in rows),
    )
    width = max(len(r[0]) for r in [*rows, totals])
    header = f"{'file':<{width}}  {'read':>8}  {'imported':>8}  {'skipped':>8}  {'changed':>8}"
    body = [f"{r[0]:<{width}}  {r[1]:>8,}  {r[2]:>8,}  {r[3]:>8,}  {r[4]:>8,}" for r in [*rows, totals]]
    return [header, "-" * len(header), *body[:-1], "-" * len(header), body[-1]]
