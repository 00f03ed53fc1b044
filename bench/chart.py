"""An SVG chart of the search benchmark table: req/s and p50/p99 latency per route, engine and size."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

__all__ = ["write_chart"]

GROUP_WIDTH, PANEL_HEIGHT, MARGIN, LABEL_HEIGHT = 92, 280, 60, 44
COLOURS = {"req/s": "#2f6fb0", "p50": "#7fb8e6", "p99": "#17375e"}
ROUTE_COLOURS = {"/api/ (floor)": "#9aa5b1", "yardstick (asyncpg)": "#c87f2a"}
SHORT_ROUTES = {
    "/api/ (floor)": "floor /api/",
    "search (category+radius)": "search",
    "results page (/?near=)": "results page",
    "listing page": "listing page",
    "yardstick (asyncpg)": "yardstick",
}


def _label(x: float, y: float, text: str, **attributes: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def _group_labels(rows: list[dict], base: float, group_width: float) -> list[str]:
    parts = []
    for index, row in enumerate(rows):
        centre = MARGIN + (index + 0.5) * group_width
        parts.append(
            _label(
                centre,
                base + 15,
                f"{row['engine']} {row['size']:,} ×{row.get('workers', 1)}",
                font_size="10",
                text_anchor="middle",
            )
        )
        parts.append(
            _label(
                centre,
                base + 28,
                SHORT_ROUTES.get(row["route"], row["route"]),
                font_size="10",
                text_anchor="middle",
                font_weight="bold",
            )
        )
    return parts


def _throughput_panel(rows: list[dict], y0: float, width: float, connections: int) -> list[str]:
    """Bars of req/s, linear scale; the floor and the yardstick in their own colours."""
    group_width = (width - 2 * MARGIN) / len(rows)
    base = y0 + PANEL_HEIGHT - LABEL_HEIGHT
    top = max(row["requests_per_s"] for row in rows) * 1.15 or 1
    scale = (PANEL_HEIGHT - LABEL_HEIGHT - 40) / top
    parts = [
        _label(MARGIN, y0 + 20, f"Requests per second, wrk at {connections} connections", font_weight="bold"),
        f'<line x1="{MARGIN}" y1="{base}" x2="{width - MARGIN}" y2="{base}" stroke="#333"/>',
    ]
    for index, row in enumerate(rows):
        value = row["requests_per_s"]
        height = value * scale
        x = MARGIN + index * group_width + group_width * 0.2
        colour = ROUTE_COLOURS.get(row["route"], COLOURS["req/s"])
        parts.append(
            f'<rect x="{x:.1f}" y="{base - height:.1f}" width="{group_width * 0.6:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(row["route"])}: {value:,.0f} req/s</title></rect>'
        )
        parts.append(
            _label(x + group_width * 0.3, base - height - 4, f"{value:,.0f}", font_size="10", text_anchor="middle")
        )
    return parts + _group_labels(rows, base, group_width)


def _latency_panel(rows: list[dict], y0: float, width: float, target_ms: float) -> list[str]:
    """p50 and p99 bars on a log scale (the floor is ~1 ms, a slow search ~1 s), with the p99 target."""
    group_width = (width - 2 * MARGIN) / len(rows)
    bar_width = group_width * 0.8 / 2
    base = y0 + PANEL_HEIGHT - LABEL_HEIGHT
    low = 0.1
    high = 10 ** math.ceil(math.log10(max([target_ms * 2] + [row["p99_ms"] for row in rows])))
    plot_height = PANEL_HEIGHT - LABEL_HEIGHT - 40

    def y_of(value: float) -> float:
        return base - plot_height * (math.log10(max(value, low)) - math.log10(low)) / (
            math.log10(high) - math.log10(low)
        )

    parts = [
        _label(
            MARGIN, y0 + 20, "Latency under load, ms (log scale; timed-out requests not included)", font_weight="bold"
        )
    ]
    decade = low
    while decade <= high:
        y = y_of(decade)
        parts.append(f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{width - MARGIN}" y2="{y:.1f}" stroke="#e3e7eb"/>')
        parts.append(_label(MARGIN - 6, y + 4, f"{decade:g}", font_size="10", text_anchor="end"))
        decade *= 10
    parts.append(f'<line x1="{MARGIN}" y1="{base}" x2="{width - MARGIN}" y2="{base}" stroke="#333"/>')
    for index, row in enumerate(rows):
        left = MARGIN + index * group_width + group_width * 0.1
        for position, key in enumerate(("p50", "p99")):
            value = row[f"{key}_ms"]
            top = y_of(value)
            x = left + position * bar_width
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar_width - 2:.1f}" height="{base - top:.1f}" '
                f'fill="{COLOURS[key]}"><title>{key}: {value:,.1f} ms</title></rect>'
            )
            parts.append(
                _label(
                    x + bar_width / 2,
                    top - 3,
                    f"{value:,.1f}" if value < 10 else f"{value:,.0f}",
                    font_size="9",
                    text_anchor="middle",
                )
            )
    y = y_of(target_ms)
    parts.append(
        f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{width - MARGIN}" y2="{y:.1f}" stroke="#c0392b" stroke-dasharray="6 4"/>'
    )
    parts.append(
        _label(
            width - MARGIN,
            y - 4,
            f"search p99 target {target_ms:g} ms",
            font_size="11",
            text_anchor="end",
            fill="#c0392b",
        )
    )
    for position, key in enumerate(("p50", "p99")):
        x = width - MARGIN - 130 + position * 60
        parts.append(f'<rect x="{x}" y="{y0 + 8}" width="12" height="12" fill="{COLOURS[key]}"/>')
        parts.append(_label(x + 16, y0 + 19, key, font_size="11"))
    return parts + _group_labels(rows, base, group_width)


def write_chart(rows: list[dict], path: Path, connections: int, target_ms: float) -> Path:
    """Write the chart of the benchmark rows (Measurement fields as dicts) to `path` (SVG) and return it."""
    width = max(760, 2 * MARGIN + GROUP_WIDTH * len(rows))
    height = 2 * PANEL_HEIGHT + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>'
    ]
    if rows:
        parts += _throughput_panel(rows, 0, width, connections)
        parts += _latency_panel(rows, PANEL_HEIGHT + 20, width, target_ms)
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    return path
