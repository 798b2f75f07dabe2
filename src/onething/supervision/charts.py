"""Charts rendered on the server as SVG (pygal), so they show without JavaScript."""

from __future__ import annotations

import pygal
from pygal.style import Style

from onething.supervision.stats import WINDOW, Statistics

_STYLE = Style(
    background="white", plot_background="white", foreground="#1f2933",
    foreground_strong="#1f2933", foreground_subtle="#5f6b7a", colors=("#b3261e", "#1a5fb4"),
    font_family='"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif',
    label_font_size=12, major_label_font_size=12, legend_font_size=13, title_font_size=15,
    no_data_font_size=18,
)
_COMMON = {"style": _STYLE, "js": [], "disable_xml_declaration": True, "height": 320,
           "width": 720, "explicit_size": False, "print_values": True,
           "legend_at_bottom": True, "no_data_text": "暂无数据"}


# pygal sizes labels at 0.6 em a character; a Chinese character takes a whole em
_CJK_EXTRA = round(0.45 * _STYLE.label_font_size)


def _nothing(title: str) -> str:
    """A chart with nothing to draw, said in words instead of empty axes."""
    return f'<p class="muted">{title}：本期间暂无数据。</p>'


def trend(stats: Statistics) -> str:
    """Applications received and completed, month by month."""
    months = stats.months
    if not any(m["received"] or m["completed"] for m in months):
        return _nothing("按月收件与办结")
    chart = pygal.Bar(title="按月收件与办结", **_COMMON)
    chart.x_labels = [m["month"] for m in months]
    chart.add("收件", [m["received"] for m in months])
    chart.add("办结", [m["completed"] for m in months])
    return str(chart.render(is_unicode=True))


def departments(stats: Statistics) -> str:
    """Every department of the table, ranked by the average working days it takes (those
    that decided nothing in the period last, without a bar); names in full."""
    ranked = [d for d in stats.departments if d.department != WINDOW]
    if not any(d.average_days is not None for d in ranked):
        return _nothing("部门平均办理用时")
    longest = max((len(d.name) for d in ranked), default=4)
    options = {**_COMMON, "height": 140 + 34 * max(1, len(ranked)), "show_legend": False,
               "truncate_label": -1, "margin_left": 20 + _CJK_EXTRA * longest}
    chart = pygal.HorizontalBar(title="部门平均办理用时（工作日，越短越好）", **options)
    chart.x_labels = [d.name for d in reversed(ranked)]
    chart.add("平均用时", [d.average_days for d in reversed(ranked)])
    return str(chart.render(is_unicode=True))


def bars(title: str, labels: list[str], series: dict[str, list[float | None]], *,
         horizontal: bool = False, percent: bool = False) -> str:
    """A bar chart of one or more series over `labels` (other domains' figures use it:
    the 12345 centre's); horizontal bars for long Chinese names, named in full."""
    longest = max((len(label) for label in labels), default=4)
    options: dict[str, object] = {**_COMMON, "show_legend": len(series) > 1}
    if horizontal:
        options.update(height=140 + 30 * max(1, len(labels)) * max(1, len(series)),
                       truncate_label=-1, margin_left=20 + _CJK_EXTRA * longest)
    if percent:
        options.update(range=(0, 100), value_formatter=lambda v: f"{v:.1f}%")
    chart = (pygal.HorizontalBar if horizontal else pygal.Bar)(title=title, **options)
    order = list(reversed(labels)) if horizontal else labels
    chart.x_labels = order  # none: the chart says 暂无数据
    for name, values in series.items():
        chart.add(name, list(reversed(values)) if horizontal else values)
    return str(chart.render(is_unicode=True))
