"""The survival rate per targeted module, from mutmut's results in mutants/ (`make mutants` prints it).

Survival rate = survived / (killed + survived + timed out). Mutants that no selected test reaches are
counted apart ("no tests"), as are suspicious ones; `mutmut results` and `mutmut show NAME` list the survivors.
"""

from __future__ import annotations

import fnmatch
import json
import sys
from collections import Counter
from pathlib import Path

from mutation_testing.targets import TARGETS, target_of

__all__ = ["STATUS_BY_EXIT_CODE", "main", "tally"]

STATUS_BY_EXIT_CODE = {0: "survived", 1: "killed", 3: "killed", 5: "no tests", 33: "no tests", 34: "skipped"}
"""mutmut's exit codes (its stats.py); any other is a timeout (24, 36, 152, 255, SIGXCPU) or suspicious."""
TIMEOUTS = {24, -24, 36, 152, 255}


def _status(exit_code: int | None) -> str:
    if exit_code is None:
        return "not run"
    if exit_code in TIMEOUTS:
        return "timeout"
    return STATUS_BY_EXIT_CODE.get(exit_code, "suspicious")


def tally(mutants_directory: Path) -> dict[str, Counter[str]]:
    """Per targeted module: how many of its targeted mutants ended in each status."""
    counts: dict[str, Counter[str]] = {module: Counter() for module in TARGETS}
    for meta_path in sorted(mutants_directory.rglob("*.py.meta")):
        for mutant_name, exit_code in json.loads(meta_path.read_text())["exit_code_by_key"].items():
            found = target_of(mutant_name)
            if found is None:
                continue
            module, target = found
            function = mutant_name.partition("__mutmut_")[0].rpartition(".")[2]
            if any(fnmatch.fnmatchcase(function, pattern) for pattern in target.functions):
                counts[module][_status(exit_code)] += 1
    return counts


def main(mutants_directory: Path = Path("mutants")) -> int:
    """Print the table of the modules this run tested; 1 when one of them was cut short (a mutant not run)."""
    counts = {module: count for module, count in tally(mutants_directory).items() if set(count) != {"not run"}}
    print(f"{'module':34} {'mutants':>7} {'killed':>6} {'survived':>8} {'timeout':>7} {'no tests':>8} {'survival':>8}")
    for module, count in counts.items():
        judged = count["killed"] + count["survived"] + count["timeout"]
        rate = f"{100 * count['survived'] / judged:.1f}%" if judged else "-"
        print(
            f"{module:34} {sum(count.values()):>7} {count['killed']:>6} {count['survived']:>8} {count['timeout']:>7} "
            f"{count['no tests']:>8} {rate:>8}"
        )
    total = sum(counts.values(), Counter())
    judged = total["killed"] + total["survived"] + total["timeout"]
    if judged:
        print(
            f"{'all':34} {sum(total.values()):>7} {total['killed']:>6} {total['survived']:>8} {total['timeout']:>7} "
            f"{total['no tests']:>8} {100 * total['survived'] / judged:>7.1f}%"
        )
    others = {status: n for status, n in total.items() if status not in ("killed", "survived", "timeout", "no tests")}
    if others:
        print("also: " + ", ".join(f"{n} {status}" for status, n in sorted(others.items())))
    return 1 if total["not run"] else 0


if __name__ == "__main__":
    sys.exit(main())
