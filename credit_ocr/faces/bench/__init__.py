"""Experiments on this machine: each runs its configurations side by side, on the same documents, in
one invocation, and reports makespan, throughput, latency, stage times, CPU, memory and ratios.

``credit-ocr bench [limit|sync-vs-async|workers|queues|omp|overhead|visibility|all]`` on the shell;
``run_experiment(name)`` in a notebook (``.table()``, ``.to_dict()``, ``.plot()``).
"""

from credit_ocr.faces.bench.conclusions import Conclusion, conclude, conclusions
from credit_ocr.faces.bench.core import BenchError, ConfigResult, ExperimentResult, corpus
from credit_ocr.faces.bench.experiments import EXPERIMENTS, run_all, run_experiment
from credit_ocr.faces.bench.report import markdown, plot_experiment, print_result, rich_table, save_plot

__all__ = [
    "EXPERIMENTS",
    "BenchError",
    "Conclusion",
    "ConfigResult",
    "ExperimentResult",
    "conclude",
    "conclusions",
    "corpus",
    "markdown",
    "plot_experiment",
    "print_result",
    "rich_table",
    "run_all",
    "run_experiment",
    "save_plot",
]
