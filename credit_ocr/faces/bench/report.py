"""Showing experiment results: a rich table for the terminal, markdown for the README, matplotlib plots."""

from __future__ import annotations

import math
from pathlib import Path

from credit_ocr.faces.bench.core import ConfigResult, ExperimentResult


def _f(value: float, fmt: str = "{:.2f}") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else fmt.format(value)


def _ms_or_s(value: float) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def row_cells(c: ConfigResult) -> list[str]:
    """The cells of one configuration, in the order of :data:`COLUMNS`."""
    rss = ", ".join(f"{k} {v:.0f}" for k, v in c.peak_rss_mb.items()) or "-"
    return [
        c.name,
        f"{c.done}/{c.docs}",
        _f(c.makespan_s, "{:.2f} s"),
        _f(c.docs_per_min, "{:.1f}"),
        f"{_ms_or_s(c.latency_median_s)} / {_ms_or_s(c.latency_p95_s)}",
        " / ".join(_ms_or_s(v) for v in (c.queue_wait_s, c.ocr_s, c.extraction_s)),
        _f(c.cpu_util * 100 if c.cpu_util == c.cpu_util else math.nan, "{:.0f}%"),
        _f(c.other_cpu_util * 100 if c.other_cpu_util == c.other_cpu_util else math.nan, "{:.0f}%"),
        rss,
        _f(c.ratio, "{:.2f}x"),
    ]


COLUMNS = [
    "configuration", "done", "makespan", "docs/min", "latency med / p95",
    "queue wait / OCR / extraction (median)", "CPU", "others' CPU", "peak RSS MB per worker", "ratio",
]  # fmt: skip


def rich_table(result: ExperimentResult):  # noqa: ANN201 - a rich Table
    from rich.table import Table

    table = Table(
        title=f"[bold]{result.name}[/]: {result.title}",
        caption=f"baseline: {result.baseline}; ratio of {result.ratio_metric}; {result.verdict}",
        caption_justify="left",
    )
    for i, col in enumerate(COLUMNS):
        table.add_column(col, justify="left" if i == 0 else "right", overflow="fold")
    for c in result.configs:
        table.add_row(*row_cells(c), style="bold" if c.name == result.baseline else None)
    return table


def print_result(result: ExperimentResult, console=None) -> None:  # noqa: ANN001
    from rich.console import Console

    console = console or Console()
    console.print(rich_table(result))
    for note in result.notes:
        console.print(f"  [dim]{note}[/]")
    for c in result.configs:
        if c.note:
            console.print(f"  [yellow]{c.name}: {c.note}[/]")
    console.print()


def markdown(results: list[ExperimentResult]) -> str:
    """The results as one markdown table per experiment (the README's)."""
    lines = []
    for r in results:
        lines.append(f"**{r.name}**: {r.title} (baseline: {r.baseline}). {r.verdict}")
        lines.append("")
        lines.append("| " + " | ".join(COLUMNS) + " |")
        lines.append("|" + "|".join("---" for _ in COLUMNS) + "|")
        for c in r.configs:
            lines.append("| " + " | ".join(row_cells(c)) + " |")
        lines.append("")
    return "\n".join(lines)


def plot_experiment(result: ExperimentResult):  # noqa: ANN201 - a matplotlib Figure
    """Throughput (or latency) per configuration with ratios, and the stage breakdown beside it."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 0.6 * len(result.configs) + 2.4), layout="constrained")
    ax_main, ax_stage = fig.subplots(1, 2, width_ratios=[1, 1.2])
    names = [c.name for c in result.configs][::-1]
    configs = result.configs[::-1]
    if result.ratio_metric == "latency_median_s":
        med = [c.latency_median_s * 1000 for c in configs]
        p95 = [c.latency_p95_s * 1000 for c in configs]
        ax_main.barh(names, p95, color="#f4b183", label="p95")
        ax_main.barh(names, med, color="#2e75b6", label="median")
        ax_main.set_xlabel("commit to dashboard (ms)")
        ax_main.legend(loc="lower right")
    else:
        values = [c.docs_per_min for c in configs]
        bars = ax_main.barh(
            names, values, color=["#bfbfbf" if c.name == result.baseline else "#2e75b6" for c in configs]
        )
        for bar, c in zip(bars, configs, strict=True):
            ax_main.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {_f(c.ratio, '{:.2f}x')}",
                         va="center", fontsize=9)  # fmt: skip
        ax_main.set_xlabel("documents per minute")
        ax_main.margins(x=0.18)
    ax_main.set_title(result.title, fontsize=10)
    stages = [("queue_wait_s", "queue wait", "#bfbfbf"), ("ocr_s", "OCR", "#2e75b6"),
              ("extract_wait_s", "wait (llm queue)", "#f4b183"), ("extraction_s", "extraction", "#70ad47")]  # fmt: skip
    left = [0.0] * len(configs)
    for attr, label, colour in stages:
        vals = [getattr(c, attr) for c in configs]
        vals = [0.0 if v is None or math.isnan(v) else v for v in vals]
        ax_stage.barh(names, vals, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, vals, strict=True)]
    lat = [c.latency_median_s for c in configs]
    ax_stage.scatter([0.0 if math.isnan(v) else v for v in lat], names, marker="|", s=200, color="black",
                     label="latency median", zorder=3)  # fmt: skip
    ax_stage.set_xlabel("seconds (median per document)")
    ax_stage.set_title("stage breakdown", fontsize=10)
    ax_stage.set_yticklabels([])
    ax_stage.legend(fontsize=8, loc="best")
    fig.suptitle(f"{result.name} ({result.cores} cores, {result.started_at})", fontsize=11)
    return fig


def save_plot(result: ExperimentResult, folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{result.name}.png"
    plot_experiment(result).savefig(path, dpi=110)
    return path
