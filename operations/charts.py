"""Charts as SVG written on the server: no script, no font or library from elsewhere (SPEC: no CDN).

Two kinds, enough for the statistics pages: bars (grouped or stacked, one group per category, one bar per
series) and lines (one line per series over an ordered axis such as months or days). A chart is an
accessible image: `role="img"`, a `<title>` and a `<desc>` referenced by `aria-labelledby`, a legend in
text, values written beside the bars; the page puts the same figures in a data table under it.

Why our own renderer and not pygal: pygal's default output loads its tooltip script from a CDN, writes no
`<desc>` or `aria-labelledby`, and styles with fonts and colours we would override anyway; the two chart
kinds here are about 150 lines and their output is tested (tests/operations/test_statistics_charts.py).
The colours have at least 3:1 contrast against white (WCAG 1.4.11) and series are also told apart by the
legend, the value labels and the table, never by colour alone."""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

# Dark, distinct colours; each ≥ 4.5:1 against white.
PALETTE = ("#1f4e79", "#a34700", "#2e6b30", "#6a1b9a", "#a50e0e", "#00695c", "#4e342e", "#37474f",
           "#ad1457", "#283593", "#5d4037", "#33691e")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | Decimal]


def _number(value) -> str:
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"
    return f"{value:,}"


def _nice_max(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 × a power of ten at or above `value` (1 for an empty chart)."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, list[str]]:
    uid = f"chart{next(_ids)}"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'class="chart" aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="xMinYMin meet" '
            f'font-family="sans-serif" font-size="12">'
            f'<title id="{uid}-t">{escape(str(title))}</title><desc id="{uid}-d">{escape(str(desc))}</desc>'
            f'<rect width="{width}" height="{height}" fill="#fff"/>')
    return uid, [head]


def _legend(parts: list[str], series: Sequence[Series], x: int, y: int) -> None:
    if len(series) < 2:
        return
    for index, s in enumerate(series):
        top = y + index * 18
        parts.append(f'<rect x="{x}" y="{top}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
                     f'<text x="{x + 18}" y="{top + 10}" fill="#222">{escape(str(s.name))}</text>')


def _axis(parts, left, top, plot_w, plot_h, top_value) -> None:
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#222">{_number(value)}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#555"/>')


def bar_chart(*, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
              stacked: bool = False, width: int = 720) -> str:
    """Vertical bars: one group per category; `stacked` puts the series on top of each other."""
    n = max(len(categories), 1)
    legend_w = 170 if len(series) > 1 else 0
    left, top, bottom = 60, 20, 70
    plot_w = width - left - 20 - legend_w
    plot_h = 260
    height = max(top + plot_h + bottom, top + 18 * len(series) + 10)
    totals = ([sum(float(s.values[i]) for s in series) for i in range(len(categories))] if stacked
              else [float(v) for s in series for v in s.values])
    top_value = _nice_max(max(totals, default=0))
    _uid, parts = _open(width, height, title, desc)
    _axis(parts, left, top, plot_w, plot_h, top_value)
    group_w = plot_w / n
    bar_w = group_w * 0.7 / (1 if stacked else max(len(series), 1))
    for i, label in enumerate(categories):
        x0 = left + group_w * i + group_w * 0.15
        base = 0.0
        for j, s in enumerate(series):
            value = float(s.values[i])
            h = plot_h * value / top_value
            x = x0 if stacked else x0 + bar_w * j
            y = top + plot_h - plot_h * base / top_value - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(str(label))} · '
                         f'{escape(str(s.name))}: {_number(s.values[i])}</title></rect>')
            if not stacked and n * max(len(series), 1) <= 24:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                             f'fill="#222" font-size="10">{_number(s.values[i])}</text>')
            if stacked:
                base += value
        if stacked and n <= 24:
            parts.append(f'<text x="{x0 + bar_w / 2:.1f}" y="{top + plot_h - plot_h * base / top_value - 3:.1f}" '
                         f'text-anchor="middle" fill="#222" font-size="10">{_number(base)}</text>')
        parts.append(_category_label(x0 + (bar_w if stacked else bar_w * len(series)) / 2, top + plot_h, label, n))
    _legend(parts, series, width - legend_w + 10, top)
    parts.append("</svg>")
    return "".join(parts)


def _category_label(x: float, y: float, label: str, n: int) -> str:
    text = escape(str(label))
    if n > 8:
        return (f'<text x="{x:.1f}" y="{y + 12:.1f}" text-anchor="end" fill="#222" font-size="10" '
                f'transform="rotate(-45 {x:.1f} {y + 12:.1f})">{text}</text>')
    return f'<text x="{x:.1f}" y="{y + 16:.1f}" text-anchor="middle" fill="#222">{text}</text>'


def line_chart(*, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
               width: int = 720, max_value: float | None = None) -> str:
    """One line per series over the ordered `categories` (months, days)."""
    n = len(categories)
    legend_w = 170 if len(series) > 1 else 0
    left, top, bottom = 60, 20, 70
    plot_w = width - left - 20 - legend_w
    plot_h = 260
    height = max(top + plot_h + bottom, top + 18 * len(series) + 10)
    top_value = max_value or _nice_max(max((float(v) for s in series for v in s.values), default=0))
    _uid, parts = _open(width, height, title, desc)
    _axis(parts, left, top, plot_w, plot_h, top_value)
    step = plot_w / max(n - 1, 1)
    every = max(1, n // 12)
    for i, label in enumerate(categories):
        if i % every == 0 or i == n - 1:
            parts.append(_category_label(left + step * i, top + plot_h, label, 9 if n > 8 else n))
    for j, s in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        points = " ".join(f"{left + step * i:.1f},{top + plot_h - plot_h * float(v) / top_value:.1f}"
                          for i, v in enumerate(s.values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        if n <= 40:
            for i, v in enumerate(s.values):
                parts.append(f'<circle cx="{left + step * i:.1f}" '
                             f'cy="{top + plot_h - plot_h * float(v) / top_value:.1f}" r="3" fill="{colour}">'
                             f'<title>{escape(str(categories[i]))} · {escape(str(s.name))}: {_number(v)}</title>'
                             f'</circle>')
    _legend(parts, series, width - legend_w + 10, top)
    parts.append("</svg>")
    return "".join(parts)
