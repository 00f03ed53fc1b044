"""Relevance benchmark: the judged queries of bench/relevance/judgments.toml asked through the real search
(`GET /api/services` on the in-process app) over the demo data and over the SAMHSA/HRSA records alone, scored
by precision@3 and nDCG@10 per kind of query and overall.

    make bench-relevance                                   # both datasets
    make bench-relevance BENCH_ARGS="--datasets demo"      # one

For each dataset a fresh SQLite database is migrated and filled through the CLI (`directory-admin seed`, or
`directory-admin import seed_data/samhsa_hrsa_2020`); a child process then asks every judged query near its
place and judges what came back by the query's rule over each listing's own words, categories and medications
(bench/relevance/judgments.toml says how). A query with no relevant listing within reach of its place on a
dataset is not scored there (it is counted as "not judgeable"). The run prints one table per dataset, the ten
worst queries with what came back, and writes bench/results/relevance.json and bench/results/relevance.svg.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "DATASETS",
    "JUDGMENTS",
    "KINDS",
    "JudgedQuery",
    "QueryScore",
    "Rule",
    "evaluate",
    "load_judgments",
    "ndcg_at_10",
    "precision_at_3",
    "summarize",
]

ROOT = Path(__file__).resolve().parent.parent
JUDGMENTS = ROOT / "bench" / "relevance" / "judgments.toml"
RESULTS = ROOT / "bench" / "results"
KINDS: dict[str, str] = {
    "english": "everyday English",
    "spanish": "everyday Spanish",
    "known_item": "known item, with a typo",
    "category": "category near a place",
}
# Each dataset: what fills its database, through the CLI a person would use.
DATASETS: dict[str, tuple[str, ...]] = {
    "demo": ("seed",),
    "samhsa_hrsa_2020": ("import", str(ROOT / "seed_data" / "samhsa_hrsa_2020")),
}
TOP = 10
PER_PAGE = 100


def fold(text: str) -> str:
    """Lower case without accents, dashes or punctuation as spaces: how a rule's words are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w/]+", " ", plain).split())


@dataclass(frozen=True)
class Rule:
    """What makes a listing relevant, over the listing's own data: any of its categories, medications, words
    (whole words in its name, organization or description; a trailing * matches any ending) or, for a known
    item, its name beginning with one of `names`."""

    name: str
    about: str = ""
    categories: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern[str] | None:
        """One regular expression for the rule's words, or None when it has none."""
        if not self.words:
            return None
        parts = [re.escape(fold(w.removesuffix("*"))) + (r"\w*" if w.endswith("*") else r"\b") for w in self.words]
        return re.compile(r"\b(?:" + "|".join(parts) + ")")

    def relevant(self, listing: Mapping[str, Any]) -> bool:
        """Whether this listing (the search API's JSON for it) is relevant under the rule."""
        codes = {c["code"] for c in listing.get("categories") or ()}
        if any(code in codes or any(c.startswith(code + ".") for c in codes) for code in self.categories):
            return True
        if set(self.medications) & set(listing.get("medications") or ()):
            return True
        name = fold(listing.get("name") or "")
        if any(name.startswith(fold(n)) for n in self.names):
            return True
        pattern = self.pattern()
        return pattern is not None and bool(pattern.search(own_words(listing)))


def own_words(listing: Mapping[str, Any]) -> str:
    """The listing's own words, folded: its name, its organization's name and the description."""
    organization = listing.get("organization") or {}
    parts = (listing.get("name"), organization.get("name"), listing.get("description"))
    return fold(" | ".join(p for p in parts if p))


@dataclass(frozen=True)
class JudgedQuery:
    """One query as a person would ask it (words near a place, perhaps within a category) and its rule."""

    kind: str
    text: str
    near: str
    rule: Rule
    category: str | None = None

    @property
    def label(self) -> str:
        """How the query reads in the tables: its words, place and category."""
        within = f" [{self.category}]" if self.category else ""
        return f"{self.text!r} near {self.near}{within}"


def load_judgments(path: Path = JUDGMENTS) -> list[JudgedQuery]:
    """The judged queries of the file, each with its rule (a named rule, or the known item's names)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rules = {
        name: Rule(
            name=name,
            about=body.get("about", ""),
            categories=tuple(body.get("categories", ())),
            medications=tuple(body.get("medications", ())),
            words=tuple(body.get("words", ())),
        )
        for name, body in data["rules"].items()
    }
    queries = []
    for kind in KINDS:
        for entry in data["queries"].get(kind, ()):
            if "names" in entry:
                rule = Rule(name="named: " + "; ".join(entry["names"]), names=tuple(entry["names"]))
            elif entry.get("rule") in rules:
                rule = rules[entry["rule"]]
            else:
                raise ValueError(f"{path.name}: {kind} query {entry.get('q')!r} names no known rule or names")
            queries.append(JudgedQuery(kind, entry["q"], entry["near"], rule, entry.get("category")))
    unknown = set(data["queries"]) - set(KINDS)
    if unknown:
        raise ValueError(f"{path.name}: unknown kinds of query {sorted(unknown)}")
    return queries


def precision_at_3(flags: Sequence[bool], reachable: int) -> float:
    """Relevant results among the first three, out of as many as could be relevant (three, or fewer when fewer
    relevant listings are within reach: a known item with one site scores 1 when it is in the top three)."""
    return sum(flags[:3]) / min(3, reachable)


def ndcg_at_10(flags: Sequence[bool], reachable: int) -> float:
    """Normalized discounted cumulative gain of the first ten, binary gains, ideal = every reachable relevant
    listing first."""
    gain = sum(1 / math.log2(rank + 2) for rank, relevant in enumerate(flags[:TOP]) if relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(TOP, reachable)))
    return gain / ideal


@dataclass
class QueryScore:
    """One query's figures on one dataset, with what came back (name, distance, relevant or not)."""

    kind: str
    query: str
    rule: str
    reachable: int
    precision_at_3: float | None
    ndcg_at_10: float | None
    results: list[tuple[str, float | None, bool]] = field(default_factory=list)
    refused: str | None = None
    """The search's refusal (a 4xx, e.g. a place it did not understand): nothing came back."""


class Client(Protocol):
    """What the benchmark needs of a test client: litestar's TestClient."""

    def get(self, url: str, *, params: dict[str, Any]) -> Any: ...


class Ticker(Protocol):
    """What the benchmark reports progress to (kernel.progress.ProgressTask)."""

    def advance(self, amount: int = 1) -> None: ...


class Refused(Exception):
    """The search answered 4xx: the person asking would have got a refusal, not results."""


def _get(client: Client, params: dict[str, Any]) -> dict[str, Any]:
    response = client.get("/api/services", params=params)
    if 400 <= response.status_code < 500:
        raise Refused(f"{response.status_code}: {response.text[:200]}")
    if response.status_code != 200:
        raise RuntimeError(f"GET /api/services {params} answered {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


def within_reach(client: Client, near: str, category: str | None) -> list[dict[str, Any]]:
    """Every listing the search can return near this place (its default radius), within the category."""
    listings: list[dict[str, Any]] = []
    page = 1
    while True:
        params: dict[str, Any] = {"near": near, "per_page": PER_PAGE, "page": page}
        if category:
            params["category"] = category
        body = _get(client, params)
        listings += body["contents"]
        if body["last_page"] or not body["contents"]:
            return listings
        page += 1


def evaluate(client: Client, queries: Iterable[JudgedQuery], ticker: Ticker | None = None) -> list[QueryScore]:
    """Ask each query through the search API and score its first ten results (a refused search scores 0; a
    place the search does not understand leaves nothing within reach, so the query is not judgeable)."""
    reach: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    scores = []
    for query in queries:
        key = (query.near, query.category)
        if key not in reach:
            try:
                reach[key] = within_reach(client, query.near, query.category)
            except Refused:
                reach[key] = []
        reachable = sum(query.rule.relevant(listing) for listing in reach[key])
        params: dict[str, Any] = {"search": query.text, "near": query.near, "per_page": TOP}
        if query.category:
            params["category"] = query.category
        refused = None
        try:
            top = _get(client, params)["contents"]
        except Refused as refusal:
            top, refused = [], str(refusal)
        flags = [query.rule.relevant(listing) for listing in top]
        scores.append(
            QueryScore(
                kind=query.kind,
                query=query.label,
                rule=query.rule.name,
                reachable=reachable,
                precision_at_3=precision_at_3(flags, reachable) if reachable else None,
                ndcg_at_10=ndcg_at_10(flags, reachable) if reachable else None,
                results=[
                    (listing.get("display_name") or listing["name"], listing.get("distance_km"), flag)
                    for listing, flag in zip(top, flags, strict=True)
                ],
                refused=refused,
            )
        )
        if ticker:
            ticker.advance()
    return scores


def summarize(scores: Sequence[QueryScore]) -> dict[str, dict[str, float | int | None]]:
    """Per kind and overall: queries judged, queries not judgeable here, mean precision@3 and nDCG@10."""

    def figures(group: Sequence[QueryScore]) -> dict[str, float | int | None]:
        judged = [s for s in group if s.precision_at_3 is not None]
        return {
            "judged": len(judged),
            "not_judgeable": len(group) - len(judged),
            "precision_at_3": round(sum(s.precision_at_3 or 0 for s in judged) / len(judged), 3) if judged else None,
            "ndcg_at_10": round(sum(s.ndcg_at_10 or 0 for s in judged) / len(judged), 3) if judged else None,
        }

    summary = {kind: figures([s for s in scores if s.kind == kind]) for kind in KINDS}
    summary["overall"] = figures(scores)
    return summary


def worst(scores: Sequence[QueryScore], count: int = 10) -> list[QueryScore]:
    """The judged queries that did worst: lowest precision@3, then lowest nDCG@10, then most wrong listings shown
    (a wrong answer misleads; an empty one at least says so), then most relevant listings missed."""
    judged = [s for s in scores if s.precision_at_3 is not None]

    def badness(score: QueryScore) -> tuple[float, float, int, int]:
        wrong = sum(1 for _, _, relevant in score.results if not relevant)
        return (score.precision_at_3 or 0, score.ndcg_at_10 or 0, -wrong, -score.reachable)

    return sorted(judged, key=badness)[:count]


# --- the run: one database per dataset, filled by the CLI and searched by a child process --------------------


def _fill(dataset: str, database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "GEOCODER": "offline"}
    admin = str(Path(sys.executable).with_name("directory-admin"))
    print(f"[{dataset}] migrating and loading ({' '.join(DATASETS[dataset])})", file=sys.stderr, flush=True)
    subprocess.run([admin, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([admin, *DATASETS[dataset]], env=env, check=True, stdout=subprocess.DEVNULL)


def _search_dataset(dataset: str, database_url: str, output: Path) -> None:
    """In a child process (the app reads DATABASE_URL when it is imported): ask every query, write the scores."""
    env = {**os.environ, "DATABASE_URL": database_url, "GEOCODER": "offline", "PUBLIC_RATE_LIMIT": "0"}
    command = [sys.executable, "-m", "bench.relevance_benchmark", "--child", dataset, "--output", str(output)]
    subprocess.run(command, env=env, check=True, cwd=ROOT)


def _child(dataset: str, output: Path) -> None:
    import logging

    from litestar.testing import TestClient

    from server.app import create_app
    from server.progress_bars import ProgressBars

    logging.getLogger("httpx").setLevel(logging.WARNING)
    queries = load_judgments()
    with TestClient(app=create_app()) as client, ProgressBars() as bars:
        scores = evaluate(client, queries, bars.task(f"{dataset}: judged queries", len(queries)))
    output.write_text(json.dumps([asdict(s) for s in scores]))


def _table(dataset: str, summary: Mapping[str, Mapping[str, float | int | None]]) -> str:
    def number(value: float | int | None) -> str:
        return "  -  " if value is None else f"{value:.3f}"

    lines = [
        f"== {dataset}",
        f"   {'kind':<26} {'judged':>6} {'not judgeable':>13} {'precision@3':>11} {'nDCG@10':>8}",
    ]
    for kind, figures in summary.items():
        title = KINDS.get(kind, "overall")
        lines.append(
            f"   {title:<26} {figures['judged']:>6} {figures['not_judgeable']:>13} "
            f"{number(figures['precision_at_3']):>11} {number(figures['ndcg_at_10']):>8}"
        )
    return "\n".join(lines)


def _worst_report(dataset: str, scores: Sequence[QueryScore]) -> str:
    zero = sum(1 for s in scores if s.precision_at_3 == 0)
    lines = [
        f"== {dataset}: the 10 worst queries (+ relevant, - not; first 5 results); {zero} judged queries had no "
        "relevant listing in their top 3 (every query's results are in the JSON)"
    ]
    for score in worst(scores):
        lines.append(
            f"   p@3 {score.precision_at_3:.2f} nDCG {score.ndcg_at_10:.2f}  {KINDS[score.kind]}: {score.query} "
            f"({score.reachable} relevant within reach; rule {score.rule})"
        )
        for rank, (name, distance, relevant) in enumerate(score.results[:5], start=1):
            where = f"{distance:.1f} km" if distance is not None else "?"
            lines.append(f"      {rank}. {'+' if relevant else '-'} {name} ({where})")
        if not score.results:
            lines.append(f"      (refused {score.refused})" if score.refused else "      (nothing came back)")
    return "\n".join(lines)


def write_chart(figures: Mapping[str, Mapping[str, Mapping[str, float | int | None]]], path: Path) -> Path:
    """An SVG bar chart of precision@3 per kind (and overall), one bar per dataset, with the 0.9 target."""
    groups = [*KINDS, "overall"]
    datasets = list(figures)
    colours = ["#2f6fb0", "#c87f2a", "#5a9e5a", "#9aa5b1"]
    margin, plot_height, group_width = 60, 260, 150
    width = 2 * margin + group_width * len(groups)
    height = plot_height + 110
    base = 40 + plot_height
    bar = group_width * 0.7 / max(1, len(datasets))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="12"><rect width="100%" height="100%" fill="white"/>',
        f'<text x="{margin}" y="22" font-weight="bold">Precision@3 per kind of query (judged queries, '
        "bench/relevance/judgments.toml)</text>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = base - tick * plot_height
        parts.append(f'<line x1="{margin}" y1="{y:.1f}" x2="{width - margin}" y2="{y:.1f}" stroke="#e3e7eb"/>')
        parts.append(f'<text x="{margin - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{tick:g}</text>')
    target = base - 0.9 * plot_height
    parts.append(
        f'<line x1="{margin}" y1="{target:.1f}" x2="{width - margin}" y2="{target:.1f}" stroke="#c0392b" '
        f'stroke-dasharray="6 4"/><text x="{width - margin}" y="{target - 4:.1f}" font-size="11" '
        'text-anchor="end" fill="#c0392b">target 0.9</text>'
    )
    for g, group in enumerate(groups):
        left = margin + g * group_width + group_width * 0.15
        for d, dataset in enumerate(datasets):
            value = figures[dataset][group]["precision_at_3"]
            x = left + d * bar
            if value is None:
                parts.append(
                    f'<text x="{x + bar / 2:.1f}" y="{base - 4}" font-size="9" text-anchor="middle">n/a</text>'
                )
                continue
            top = base - float(value) * plot_height
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar - 2:.1f}" height="{base - top:.1f}" '
                f'fill="{colours[d % len(colours)]}"><title>{escape(dataset)}: {value:.3f}</title></rect>'
                f'<text x="{x + bar / 2:.1f}" y="{top - 3:.1f}" font-size="10" text-anchor="middle">{value:.2f}</text>'
            )
        title = escape(KINDS.get(group, "overall"))
        parts.append(
            f'<text x="{margin + (g + 0.5) * group_width:.1f}" y="{base + 16}" font-size="11" '
            f'text-anchor="middle">{title}</text>'
        )
    for d, dataset in enumerate(datasets):
        x = margin + d * 200
        parts.append(f'<rect x="{x}" y="{height - 30}" width="12" height="12" fill="{colours[d % len(colours)]}"/>')
        parts.append(f'<text x="{x + 16}" y="{height - 20}" font-size="11">{escape(dataset)}</text>')
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark over the chosen datasets; print the tables and the worst queries; write JSON and SVG."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    parser.add_argument("--child", choices=list(DATASETS), help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        _child(arguments.child, arguments.output)
        return 0
    queries = load_judgments()
    print(f"{len(queries)} judged queries from {JUDGMENTS.relative_to(ROOT)}", file=sys.stderr)
    figures: dict[str, dict[str, dict[str, float | int | None]]] = {}
    every_score: dict[str, list[QueryScore]] = {}
    with tempfile.TemporaryDirectory(prefix="relevance-") as workdir:
        for dataset in arguments.datasets:
            database_url = f"sqlite:///{Path(workdir) / (dataset + '.sqlite')}"
            _fill(dataset, database_url)
            output = Path(workdir) / f"{dataset}.json"
            _search_dataset(dataset, database_url, output)
            scores = [QueryScore(**row) for row in json.loads(output.read_text())]
            every_score[dataset] = scores
            figures[dataset] = summarize(scores)
    for dataset in every_score:
        print(_table(dataset, figures[dataset]))
    for dataset, scores in every_score.items():
        print(_worst_report(dataset, scores))
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "judgments": str(JUDGMENTS.relative_to(ROOT)),
        "queries": len(queries),
        "figures": figures,
        "queries_by_dataset": {dataset: [asdict(s) for s in scores] for dataset, scores in every_score.items()},
    }
    (RESULTS / "relevance.json").write_text(json.dumps(report, indent=1) + "\n")
    chart = write_chart(figures, RESULTS / "relevance.svg")
    print(f"figures: {(RESULTS / 'relevance.json').relative_to(ROOT)}, chart: {chart.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
