"""Replay output: a terminal table, JSON lines, and an HTML report with matplotlib plots."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers
import matplotlib.pyplot as plt
import numpy as np

from bandit.replay.estimators import Estimate

HEADLINE = ("snips", "dr", "ips", "replay")


def _level(estimates: Sequence[Estimate]) -> str:
    alphas = {e.alpha for e in estimates}
    return f"{1 - alphas.pop():.0%} CI" if len(alphas) == 1 else "CI"


def table(estimates: Sequence[Estimate]) -> str:
    """A terminal table, its columns as wide as the names in them (nothing is cut; control
    characters a client sent in a segment name are shown escaped); omitted estimators and
    every warning and validity note follow it."""
    wide = max([24, *(len(_shown(e.target)) for e in estimates)])
    seg = max([12, *(len(_shown(e.segment or "all")) for e in estimates)])
    header = (
        f"{'target':<{wide}} {'segment':<{seg}} {'estimator':<12} {'estimate':>9}"
        f" {_level(estimates):>19} {'interval':>9} {'n':>8} {'ess':>9}"
    )
    lines = [header, "-" * len(header)]
    for e in estimates:
        head = f"{_shown(e.target):<{wide}} {_shown(e.segment or 'all'):<{seg}} {e.estimator:<12}"
        if math.isnan(e.estimate):
            lines.append(f"{head} {'omitted':>9}")
            continue
        lines.append(
            f"{head} {e.estimate:>9.4f} [{e.ci_low:>8.4f}, {e.ci_high:>8.4f}] {e.interval:>9}"
            f" {e.n:>8} {e.ess:>9.1f}"
        )
    notes = sorted({(e.target, e.estimator, e.validity) for e in estimates if e.validity})
    lines += [f"note: {target} {name}: {note}" for target, name, note in notes]
    warnings = sorted({(e.target, w) for e in estimates for w in e.warnings})
    lines += [f"warning: {target}: {w}" for target, w in warnings]
    return "\n".join(lines)


def _shown(text: str) -> str:
    """``text`` for a terminal: control characters escaped (``\\x1b``), the rest as it is."""
    return (
        text
        if text.isprintable()
        else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    )


def json_lines(estimates: Sequence[Estimate]) -> str:
    """One JSON object per estimate (NaN, for an omitted estimator, as null)."""
    return "\n".join(json.dumps(_plain(e.as_dict())) for e in estimates)


def summary(estimates: Sequence[Estimate]) -> list[dict[str, object]]:
    """The estimates as a list of plain dicts (the shape of a summary table)."""
    return [_plain(e.as_dict()) for e in estimates]


#: A cell a spreadsheet would run as a formula starts with one of these (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """``value``, with a text that a spreadsheet would read as a formula (a segment named
    ``=cmd|'/c calc'!A1``, which any rank client can send) quoted by a leading apostrophe.
    Numbers are left as they are.

    >>> spreadsheet_safe("=cmd|'/c calc'!A1"), spreadsheet_safe(-0.5)
    ("'=cmd|'/c calc'!A1", -0.5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(estimates: Sequence[Estimate]) -> str:
    """The summary table as CSV text, one row per estimate, safe to open in a spreadsheet."""
    rows = summary(estimates)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: spreadsheet_safe("; ".join(v) if isinstance(v, list) else v)
                for k, v in row.items()
            }
        )
    return out.getvalue().rstrip("\n")


def _plain(row: dict[str, object]) -> dict[str, object]:
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def interval_plot(
    estimates: Sequence[Estimate],
    path: Path,
    title: str,
    *,
    estimators: Sequence[str] = ("ips", "snips", "dr"),
    truths: Mapping[str, float] | None = None,
) -> None:
    """Each target's estimates with their intervals; where ``truths`` knows a target's true
    value (a simulation), it is drawn beside them, so coverage can be seen."""
    rows = [e for e in estimates if e.estimator in estimators and not math.isnan(e.estimate)]
    labels = [f"{e.target}\n{e.segment or 'all'} · {e.estimator}" for e in rows]
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    est = np.array([e.estimate for e in rows])
    err = np.array([[e.estimate - e.ci_low for e in rows], [e.ci_high - e.estimate for e in rows]])
    ax.errorbar(est, y, xerr=np.clip(err, 0, None), fmt="o", capsize=3, label="estimate, 95%")
    known = [(i, truths[e.target]) for i, e in enumerate(rows) if truths and e.target in truths]
    if known:
        ax.plot(
            [v for _, v in known], [i for i, _ in known], "x", color="crimson", label="true value"
        )
        ax.legend(fontsize=7, loc="lower right")
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel(f"estimated click rate ({_level(rows)})")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cumulative_plot(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for name, (x, y) in curves.items():
        ax.plot(x, y, label=name)
    ax.set_xlabel("logged decisions (in log order)")
    ax.set_ylabel("SNIPS estimate so far")
    ax.set_title("Cumulative estimate over time")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


PAGE_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:1100px}"
    "table{border-collapse:collapse;font-size:13px}"
    "td,th{border:1px solid #ccc;padding:3px 6px}img{max-width:100%}"
)
"""The reports' shared look (replay's and experiments')."""


def write_html(
    estimates: Sequence[Estimate],
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    out: Path,
    source: str,
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    overall = [e for e in estimates if e.segment is None]
    by_segment = [e for e in estimates if e.segment is not None]
    interval_plot(overall, out / "estimates.png", "Estimates per target")
    images = ["estimates.png"]
    if by_segment:
        interval_plot(by_segment, out / "segments.png", "Estimates per target and segment")
        images.append("segments.png")
    _cumulative_plot(curves, out / "cumulative.png")
    images.append("cumulative.png")
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                e.target,
                e.segment or "all",
                e.estimator,
                "omitted" if math.isnan(e.estimate) else f"{e.estimate:.4f}",
                "" if math.isnan(e.estimate) else f"[{e.ci_low:.4f}, {e.ci_high:.4f}] {e.interval}",
                "" if math.isnan(e.boot_low) else f"[{e.boot_low:.4f}, {e.boot_high:.4f}]",
                e.n,
                f"{e.ess:.1f}",
                "; ".join([*([e.validity] if e.validity else []), *e.warnings]),
            )
        )
        + "</tr>"
        for e in estimates
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Replay evaluation</title>
<style>{PAGE_STYLE}</style></head><body>
<h1>Replay evaluation</h1><p>Log: {html.escape(source)}</p>
{"".join(f'<p><img src="{i}" alt="{i}"></p>' for i in images)}
<table><tr><th>target</th><th>segment</th><th>estimator</th><th>estimate</th>
<th>{_level(estimates)}</th><th>bootstrap</th><th>n</th><th>ESS</th><th>notes and warnings</th></tr>
{rows}</table></body></html>"""
    path = out / "replay.html"
    path.write_text(page, encoding="utf-8")
    return path
