"""The SVG charts (operations/charts.py): well-formed, accessible (role, title, desc, aria-labelledby), text
escaped, nothing loaded from elsewhere, bars proportional to their values."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from operations.charts import Series, bar_chart, line_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg: str):
    return ET.fromstring(svg)


def test_bar_chart_is_an_accessible_image():
    svg = bar_chart(title="志工 <人數>", desc="a & b", categories=["<12", "12–17"],
                    series=[Series("女", [3, 1]), Series("男", [Decimal("2.5"), 0])])
    root = _parse(svg)
    assert root.get("role") == "img"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title.text == "志工 <人數>" and desc.text == "a & b"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "href" not in svg and "<script" not in svg and "http://" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "女" in texts and "男" in texts  # the legend in words
    assert "<12" in texts and "2.5" in texts


def test_bars_are_proportional():
    svg = bar_chart(title="t", desc="d", categories=["a", "b"], series=[Series("n", [10, 5])])
    heights = [float(r.get("height")) for r in _parse(svg).iter("{http://www.w3.org/2000/svg}rect")
               if r.find("svg:title", NS) is not None]
    assert heights[0] == 2 * heights[1]


def test_stacked_bars_sum_and_empty_charts_draw():
    svg = bar_chart(title="t", desc="d", categories=["a"], series=[Series("x", [1]), Series("y", [3])], stacked=True)
    assert ">4<" in svg  # the total over the stack
    empty = bar_chart(title="t", desc="d", categories=["a"], series=[Series("x", [0])])
    _parse(empty)


def test_line_chart():
    svg = line_chart(title="t", desc="d", categories=[f"2026-03-{d:02d}" for d in range(1, 31)],
                     series=[Series("臺北市", [d * 2 for d in range(30)]), Series("新北市", [0] * 30)], max_value=100)
    root = _parse(svg)
    assert len(root.findall("svg:polyline", NS)) == 2
    points = root.find("svg:polyline", NS).get("points").split()
    assert len(points) == 30
    assert len(re.findall(r"<circle", svg)) == 60
