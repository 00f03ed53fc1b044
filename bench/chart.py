"""An SVG chart of the benchmark table: throughput against the floor, and HTTP latency percentiles."""

from __future__ import annotations

from html import escape
from pathlib import Path

__all__ = ["write_chart"]

WIDTH, PANEL_HEIGHT, MARGIN = 760, 260, 60
COLOURS = {"floor": "#9aa5b1", "search": "#2f6fb0", "p50": "#7fb8e6", "p95": "#2f6fb0", "p99": "#17375e"}


def _bars(
    rows: list[dict],
    keys: list[tuple[str, str]],
    top: float,
    y0: int,
    title: str,
    unit: str,
    target: tuple[float, str] | None = None,
) -> list[str]:
    """One panel: a group of bars per benchmark row, one bar per key."""
    plot_width = WIDTH - 2 * MARGIN
    group_width = plot_width / max(len(rows), 1)
    bar_width = group_width * 0.8 / len(keys)
    scale = (PANEL_HEIGHT - 70) / top if top else 0
    base = y0 + PANEL_HEIGHT - 40
    parts = [
        f'<text x="{MARGIN}" y="{y0 + 20}" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{MARGIN}" y1="{base}" x2="{WIDTH - MARGIN}" y2="{base}" stroke="#333"/>',
    ]
    for index, row in enumerate(rows):
        left = MARGIN + index * group_width + group_width * 0.1
        for position, (key, label) in enumerate(keys):
            value = row[key]
            height = value * scale
            x = left + position * bar_width
            parts.append(
                f'<rect x="{x:.1f}" y="{base - height:.1f}" width="{bar_width - 2:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[label]}"><title>{label}: {value:,.1f} {unit}</title></rect>'
            )
            parts.append(
                f'<text x="{x + bar_width / 2:.1f}" y="{base - height - 3:.1f}" font-size="10" '
                f'text-anchor="middle">{value:,.0f}</text>'
            )
        parts.append(
            f'<text x="{left + group_width * 0.4:.1f}" y="{base + 16}" font-size="11" text-anchor="middle">'
            f"{escape(row['engine'])} {row['size']:,}</text>"
        )
    if target is not None:
        value, label = target
        y = base - value * scale
        parts.append(
            f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{WIDTH - MARGIN}" y2="{y:.1f}" stroke="#c0392b" '
            f'stroke-dasharray="6 4"/><text x="{WIDTH - MARGIN}" y="{y - 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#c0392b">{escape(label)}</text>'
        )
    legend_x = WIDTH - MARGIN - 90 * len(keys)
    for position, (_key, label) in enumerate(keys):
        x = legend_x + position * 90
        parts.append(
            f'<rect x="{x}" y="{y0 + 8}" width="12" height="12" fill="{COLOURS[label]}"/>'
            f'<text x="{x + 16}" y="{y0 + 19}" font-size="11">{label}</text>'
        )
    return parts


def write_chart(rows: list[dict], path: Path, connections: int) -> Path:
    """Write the chart for the benchmark rows to `path` (SVG) and return it."""
    throughput_top = max(max(r["floor_rps"], r["search_rps"]) for r in rows) * 1.15
    latency_top = max(max(r["http_p99"] for r in rows), 50) * 1.15
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{2 * PANEL_HEIGHT + 20}" '
        f'font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>'
    ]
    parts += _bars(
        rows,
        [("floor_rps", "floor"), ("search_rps", "search")],
        throughput_top,
        0,
        f"Requests per second at {connections} connections (floor: GET /api/)",
        "req/s",
    )
    parts += _bars(
        rows,
        [("http_p50", "p50"), ("http_p95", "p95"), ("http_p99", "p99")],
        latency_top,
        PANEL_HEIGHT + 20,
        "Search latency over HTTP (ms)",
        "ms",
        target=(50, "p99 target 50 ms"),
    )
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    return path
