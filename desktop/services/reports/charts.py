"""Report charts drawn with matplotlib's Agg backend, offscreen.

Why matplotlib/Agg: it draws without a display (on a worker thread, in tests, on a PC without
a GPU), its default font is DejaVu Sans, the same face the PDFs embed, and one `Figure` serves
both the page and the PDF. Why a 200 dpi PNG in the PDF rather than vector (SVG through svglib
or PDF-in-PDF): the chart's text then needs no font in the PDF at all, so `pdffonts` lists only
the embedded DejaVu subsets (svglib maps SVG text to reportlab's standard, non-embedded
Helvetica); 200 dpi is sharper than office laser printing needs and a chart costs ~60 KB; and
the page shows exactly the image the PDF prints. The figure is built with `Figure` directly
(never pyplot), so no global backend state is touched inside the Qt application.
"""

from __future__ import annotations

from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from desktop.services.reports.model import Chart

DPI = 200
MAX_CATEGORIES = 20
"""More bars than this are unreadable on paper: the largest are drawn and the title says so."""
COLOURS = ("#0f6cbd", "#2e9d52", "#8764b8", "#c239b3", "#ca5010", "#d13438", "#986f0b")


def has_values(chart: Chart) -> bool:
    return bool(chart.categories) and any(
        v is not None and v != 0 for _, values in chart.series for v in values
    )


def figure(chart: Chart, width_in: float = 6.7, height_in: float | None = None) -> Figure:
    categories = list(chart.categories)
    series = [(name, list(values)) for name, values in chart.series]
    title = chart.title
    if chart.style == "stacked" and len(categories) > MAX_CATEGORIES:
        totals = [
            sum(v or 0 for v in (values[i] for _, values in series)) for i in range(len(categories))
        ]
        keep = sorted(range(len(categories)), key=lambda i: -totals[i])[:MAX_CATEGORIES]
        keep.sort()
        title += f" ({MAX_CATEGORIES} terbesar dari {len(categories)})"
        categories = [categories[i] for i in keep]
        series = [(name, [values[i] for i in keep]) for name, values in series]
    if height_in is None:
        height_in = 2.6 if chart.style == "line" else max(1.8, 0.9 + 0.28 * len(categories))
    fig = Figure(figsize=(width_in, height_in + 0.35), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if chart.style == "line":
        xs = list(range(len(categories)))
        for (name, values), colour in zip(series, COLOURS, strict=False):
            ax.plot(
                xs,
                [float("nan") if v is None else v for v in values],
                marker="o",
                markersize=2.5,
                linewidth=1.2,
                label=name,
                color=colour,
            )
        step = max(1, len(categories) // 10)
        ax.set_xticks(xs[::step], [c[-5:] if len(c) == 10 else c for c in categories[::step]])
        ax.set_ylabel(chart.y_label, fontsize=7)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    elif chart.style == "bars":
        # one bar per category on the survey's 1..4 scale, its value written beside it (a
        # category nobody answered has no bar and says so: never a zero-length bar)
        ys = list(range(len(categories)))
        name, values = series[0]
        widths = [0.0 if v is None else float(v) for v in values]
        ax.barh(ys, widths, label=name, color=COLOURS[0], height=0.6)
        for y, value in zip(ys, values, strict=True):
            shown = "tidak ada data" if value is None else f"{value:.2f}".replace(".", ",")
            ax.text(0.05 if value is None else value + 0.04, y, shown, va="center", fontsize=6.5)
        ax.set_yticks(ys, [c if len(c) <= 38 else c[:36] + "…" for c in categories])
        ax.invert_yaxis()
        ax.set_xlim(0, 4.4)
        ax.set_xticks([0, 1, 2, 3, 4])
        ax.set_xlabel(chart.y_label, fontsize=7)
    else:
        ys = list(range(len(categories)))
        left = [0.0] * len(categories)
        for (name, values), colour in zip(series, COLOURS, strict=False):
            widths = [0.0 if v is None else float(v) for v in values]
            ax.barh(ys, widths, left=left, label=name, color=colour, height=0.6)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(ys, [c if len(c) <= 38 else c[:36] + "…" for c in categories])
        ax.invert_yaxis()
        ax.set_xlabel(chart.y_label, fontsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.legend(fontsize=6.5, frameon=False, loc="outside lower center", ncols=min(7, len(series)))
    return fig


def png(chart: Chart, width_in: float = 6.7, height_in: float | None = None) -> bytes:
    """The chart as PNG bytes at 200 dpi (the page shows it scaled, the PDF embeds it)."""
    fig = figure(chart, width_in, height_in)
    out = BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()
