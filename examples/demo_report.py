"""The demo's report, top-down: the verdict (the summary table), the learning and replay plots
(true values beside the estimates), then per segment the artwork the learned policy prefers
next to the other candidates, each captioned in words."""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from bandit.replay.estimators import Estimate
from bandit.replay.report import interval_plot


@dataclass(frozen=True)
class Shown:
    """One candidate artwork as the learned policy sees it for one segment."""

    image: Path
    probability: float
    score_note: str


def click_rate_plot(curves: Mapping[str, Sequence[float]], window: int, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for name, values in curves.items():
        series = np.convolve(np.asarray(values), np.ones(window) / window, mode="valid")
        ax.plot(np.arange(len(series)) + window, series, label=name)
    ax.set_xlabel("impressions")
    ax.set_ylabel(f"click rate (mean of last {window})")
    ax.set_title("Click rate over time: the learning policy against uniform and the oracle")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    out: Path,
    preferences: Mapping[str, Mapping[str, Sequence[Shown]]],
    curves: Mapping[str, Sequence[float]],
    estimates: Sequence[Estimate],
    summary: Sequence[tuple[str, str]],
    window: int,
    truths: Mapping[str, float] | None = None,
    segment_notes: Mapping[str, str] | None = None,
) -> Path:
    """``preferences[segment][title]`` lists candidates, most preferred first; ``truths``
    the simulation's true value of each fixed target; ``segment_notes`` what a reader should
    know about a segment (that no candidate suits it, say)."""
    click_rate_plot(curves, window, out / "click_rate.png")
    overall = [e for e in estimates if e.segment is None]
    interval_plot(
        overall,
        out / "replay.png",
        "Replay estimates (95% intervals) and true values",
        truths=truths,
    )
    notes = segment_notes or {}

    def image(shown: Shown, best: bool) -> str:
        src = html.escape(os.path.relpath(shown.image, out))
        cls = "best" if best else ""
        return (
            f'<figure class="{cls}"><img src="{src}" alt="{src}"><figcaption>'
            f"p = {shown.probability:.2f}{' · preferred' if best else ''}<br>"
            f"{html.escape(shown.score_note)}</figcaption></figure>"
        )

    sections = []
    for segment, titles in preferences.items():
        rows = "".join(
            f"<h3>{html.escape(title)}</h3><div class=row>"
            + "".join(image(s, i == 0) for i, s in enumerate(shown))
            + "</div>"
            for title, shown in titles.items()
        )
        note = f"<p class=note>{html.escape(notes[segment])}</p>" if segment in notes else ""
        sections.append(f"<section><h2>Segment: {html.escape(segment)}</h2>{note}{rows}</section>")
    summary_rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>thumbnail-bandit demo</title><style>
body{{font-family:sans-serif;margin:1.5em;max-width:1200px}}
.row{{display:flex;gap:10px;flex-wrap:wrap}}
figure{{margin:0;width:220px;border:3px solid #ddd;padding:4px;border-radius:6px}}
figure.best{{border-color:#2a9d3a}} figure img{{width:100%}}
figcaption{{font-size:12px}} table{{border-collapse:collapse}} .note{{color:#8a4b00}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}
</style></head><body>
<h1>thumbnail-bandit: the same titles, different artwork per audience</h1>
<p>Frames were extracted from video, registered in the SQL log, and served by a Vowpal Wabbit
contextual bandit to a simulated audience; clicks flowed back through the log and the policy
learned from them. Green: the artwork the learned policy now prefers for that segment.</p>
<h2>Verdict</h2><table>{summary_rows}</table>
<h2>Learning</h2><img src="click_rate.png" alt="click rate over time">
<h2>Replay evaluation</h2><p>Each target's estimates with their 95% intervals; a red cross
is the target's true click rate on the same simulated users, which an interval should cover.
</p><img src="replay.png" alt="replay estimates">
<h2>The artwork each segment is shown</h2>
{"".join(sections)}
</body></html>"""
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
