"""Draw budget use over time from ``bench_budget.py``'s JSON as an SVG (no plotting library).

    python benchmarks/bench_budget.py --json bench_budget.json
    python benchmarks/plot_budget.py bench_budget.json docs/img/budget.svg

One panel per mode. Each client's line is the number of requests the server accepted so far
against the seconds since its first request; the grey steps are the most the server's rule
allows by then (``limit`` per ``window``: a sliding window counts from the first request, a
fixed one refills at each multiple of ``window`` on the server's clock); red ticks under a
line are the 429s that client drew. A line that hugs the steps spends the whole budget; a line
above them cannot exist; one far below wastes it.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

WIDTH, PANEL_H, PAD_L, PAD_R, PAD_T, PAD_B = 800, 260, 56, 200, 34, 40
COLOURS = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2")
RULE = re.compile(r"(\d+) per (\d+(?:\.\d+)?) s")


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def panel(name: str, mode: dict[str, Any], top: float) -> list[str]:
    rows = [r for r in mode["rows"] if r.get("timeline")]
    if not rows:
        return []
    series = []
    for row in rows:
        accepted, refused, count = [(0.0, 0)], [], 0
        for t, status in row["timeline"]:
            if status == 429:
                refused.append(t)
            elif 200 <= status < 300:
                count += 1
                accepted.append((t, count))
        series.append((row["client"], accepted, refused))
    t_max = max(max(t for t, _ in a[-1:]) for _, a, _ in series) or 1.0
    n_max = max(a[-1][1] for _, a, _ in series) or 1
    rule = RULE.search(mode.get("server", ""))
    fixed = "fixed" in mode.get("server", "")
    if rule:
        limit, window = int(rule[1]), float(rule[2])
        n_max = max(n_max, limit * (math.floor(t_max / window) + 2))
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, PANEL_H - PAD_T - PAD_B

    def x(t: float) -> float:
        return PAD_L + plot_w * t / t_max

    def y(n: float) -> float:
        return top + PAD_T + plot_h * (1 - n / n_max)

    out = [
        f'<text x="{PAD_L}" y="{top + 20}" font-weight="bold">{esc(name)}: '
        f'{esc(mode.get("server", ""))}</text>',
        f'<rect x="{PAD_L}" y="{top + PAD_T}" width="{plot_w}" height="{plot_h}" '
        'fill="none" stroke="#999"/>',
    ]
    for i in range(6):
        t, n = t_max * i / 5, n_max * i / 5
        out.append(f'<text x="{x(t):.1f}" y="{top + PANEL_H - PAD_B + 16}" '
                   f'text-anchor="middle" font-size="11">{t:.1f} s</text>')
        out.append(f'<text x="{PAD_L - 6}" y="{y(n) + 4:.1f}" text-anchor="end" '
                   f'font-size="11">{n:.0f}</text>')
    if rule:
        # Fixed windows: the first request falls ``phase`` seconds into a server window.
        # bench_budget starts every client at the same phase; the steps use the first one.
        phase = rows[0].get("timeline_start", 0.0) % window if fixed else 0.0
        steps, k, edge = [], 0, 0.0
        while edge <= t_max:
            allowed = limit * (k + 1)
            end = (k + 1) * window - phase
            steps += [(edge, allowed), (min(end, t_max), allowed)]
            edge, k = end, k + 1
        points = " ".join(f"{x(t):.1f},{y(n):.1f}" for t, n in steps)
        out.append(f'<polyline points="{points}" fill="none" stroke="#bbb" '
                   'stroke-width="6" stroke-linejoin="round"/>')
    for i, (client, accepted, refused) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(f"{x(t):.1f},{y(n):.1f}" for t, n in accepted)
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                   'stroke-width="1.8"/>')
        base = top + PANEL_H - PAD_B - 3 - 4 * i
        out += [f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{base}" y2="{base - 3}" '
                'stroke="#d62728"/>' for t in refused]
        label_y = top + PAD_T + 14 + 16 * i
        out.append(f'<line x1="{WIDTH - PAD_R + 10}" x2="{WIDTH - PAD_R + 26}" '
                   f'y1="{label_y - 4}" y2="{label_y - 4}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{WIDTH - PAD_R + 30}" y="{label_y}" font-size="11">'
                   f'{esc(client)} ({len(refused)} x 429)</text>')
    out.append(f'<text x="{WIDTH - PAD_R + 10}" y="{top + PAD_T + 14 + 16 * len(series)}" '
               'font-size="11" fill="#888">grey: the rule allows</text>')
    return out


def render(data: dict[str, Any]) -> str:
    body: list[str] = []
    top = 0.0
    for name, mode in data["modes"].items():
        drawn = panel(name, mode, top)
        if drawn:
            body += drawn
            top += PANEL_H
    if not body:
        raise SystemExit("no timeline in the JSON: run bench_budget.py from this checkout")
    caption = (f'{data.get("benchmark", "bench_budget")}, booru-async {data.get("booru_async")}, '
               f'Python {data.get("python")}, {data.get("when")}')
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{top + 24:.0f}" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        *body,
        f'<text x="{PAD_L}" y="{top + 14:.0f}" font-size="10" fill="#666">{esc(caption)}</text>',
        "</svg>",
        "",
    ])


def main() -> int:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "bench_budget.json")
    target = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/img/budget.svg")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(json.loads(source.read_text())))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
