"""An experiment's HTML report, in replay's style: the confidence sequence of each
challenger against control over time, units and decisions per day, the arms, and the
experiment's history."""

from __future__ import annotations

import html
import math
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers
import matplotlib.pyplot as plt
import numpy as np

import storage
from bandit.experiments.status import ExperimentStatus
from bandit.replay.report import PAGE_STYLE


def _sequence_plot(status: ExperimentStatus, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for difference in status.differences:
        ready = [c for c in difference.over_time if c.ready]
        if not ready:
            continue
        x = np.array([c.decisions for c in ready])
        ax.fill_between(
            x, [c.low for c in ready], [c.high for c in ready], alpha=0.25, label=difference.arm
        )
        ax.plot(x, [c.difference for c in ready], lw=1)
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xlabel("joined decisions of the experiment")
    ax.set_ylabel(f"mean {status.experiment.reward} - control's")
    ax.set_title("Difference to control: anytime-valid 95% confidence sequence")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _daily_plot(served: list[storage.Served], status: ExperimentStatus, path: Path) -> None:
    days = sorted({s.created_at.date() for s in served})
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 4.6), sharex=True)
    x = np.arange(len(days))
    arms = [a.name for a in status.arms]
    width = 0.8 / max(len(arms), 1)
    for i, arm in enumerate(arms):
        mine = [s for s in served if s.arm == arm]
        decisions = Counter(s.created_at.date() for s in mine)
        units = Counter(d for d, u in {(s.created_at.date(), s.unit or s.event_id) for s in mine})
        top.bar(x + i * width, [decisions[d] for d in days], width, label=arm)
        bottom.bar(x + i * width, [units[d] for d in days], width, label=arm)
    top.set_ylabel("decisions")
    bottom.set_ylabel("units")
    bottom.set_xticks(x + 0.4 - width / 2, [d.isoformat() for d in days], fontsize=7)
    top.legend(fontsize=8)
    top.set_title("Per day and arm")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _num(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.4f}"


def write_report(
    status: ExperimentStatus,
    served: list[storage.Served],
    changes: list[storage.ExperimentChange],
    out: Path,
) -> Path:
    """Write ``experiment.html`` and its plots into ``out``; returns the page's path."""
    out.mkdir(parents=True, exist_ok=True)
    _sequence_plot(status, out / "sequence.png")
    _daily_plot(served, status, out / "daily.png")
    e = status.experiment
    arms = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                a.name,
                a.spec,
                f"{a.share}%",
                a.stopped or "running",
                a.units,
                a.decisions,
                a.joined,
                _num(a.mean),
                f"[{_num(a.low)}, {_num(a.high)}]",
            )
        )
        + "</tr>"
        for a in status.arms
    )
    differences = "".join(
        f"<tr><td>{html.escape(d.arm)}</td><td>{_num(d.now.difference)}</td>"
        f"<td>[{_num(d.now.low)}, {_num(d.now.high)}]</td><td>{d.now.decisions}</td>"
        f"<td>{d.verdict}</td></tr>"
        for d in status.differences
    )
    history = "".join(
        f"<tr><td>{c.at:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(c.kind)}</td>"
        f"<td>{html.escape(c.arm or '')}</td>"
        f"<td>{html.escape(', '.join(f'{k}: {v}' for k, v in c.evidence.items()))[:600]}</td></tr>"
        for c in changes
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>Experiment {html.escape(e.name)}</title><style>{PAGE_STYLE}</style></head><body>
<h1>Experiment {html.escape(e.name)}: {status.verdict}</h1>
<p>Titles: {html.escape(", ".join(e.titles))}. Judged by {html.escape(e.reward)}.
Status: {e.status}, since {e.started_at:%Y-%m-%d %H:%M} UTC.</p>
<p><img src="sequence.png" alt="confidence sequence"></p>
<p><img src="daily.png" alt="units and decisions per day"></p>
<table><tr><th>arm</th><th>spec</th><th>share</th><th>state</th><th>units</th>
<th>decisions</th><th>joined</th><th>mean</th><th>95% (anytime)</th></tr>{arms}</table>
<h2>Against control ({html.escape(e.control.name)})</h2>
<table><tr><th>arm</th><th>difference</th><th>95% confidence sequence</th>
<th>decisions</th><th>verdict</th></tr>{differences}</table>
<h2>History</h2><table><tr><th>when (UTC)</th><th>what</th><th>arm</th><th>evidence</th></tr>
{history}</table></body></html>"""
    path = out / "experiment.html"
    path.write_text(page, encoding="utf-8")
    return path
