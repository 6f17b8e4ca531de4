"""Reports of one eval run: a text summary for the terminal, and a self-contained HTML page with the headline
numbers, inline SVG plots (confusion matrix, latency histogram per path, accuracy across runs) and tables of
breakdowns and failures. No JavaScript, no external files, no matplotlib."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from assistant.evaluation.evaluate import Dataset
from assistant.evaluation.metrics import Outcome
from assistant.evaluation.runs import Run

PATH_COLOURS = {"fast": "#2a9d8f", "llm": "#e76f51", "none": "#8d99ae"}
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:right}
th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}.bad{color:#b00}.meta td{text-align:left}
.big{font-size:1.6em;font-weight:600}code{font-size:12px}svg{display:block;margin:.5em 0}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _pct_col(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def svg_confusion(confusion: dict[str, dict[str, int]]) -> str:
    """Expected skill (rows) x predicted skill (columns); cell shade = share of the row."""
    labels = sorted(set(confusion) | {p for row in confusion.values() for p in row})
    cell, left, top = 44, 120, 110
    size_w, size_h = left + cell * len(labels) + 10, top + cell * len(labels) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_w}" height="{size_h}" font-size="11">',
        f'<text x="{left}" y="14" font-weight="600">predicted →</text>',
        f'<text x="4" y="{top - 6}" font-weight="600">expected ↓</text>',
    ]
    for j, label in enumerate(labels):
        x = left + j * cell + cell / 2
        parts.append(f'<text transform="translate({x},{top - 8}) rotate(-45)">{_e(label)}</text>')
    for i, expected in enumerate(labels):
        row = confusion.get(expected, {})
        total = sum(row.values())
        y = top + i * cell
        parts.append(f'<text x="{left - 6}" y="{y + cell / 2 + 4}" text-anchor="end">{_e(expected)}</text>')
        for j, predicted in enumerate(labels):
            count = row.get(predicted, 0)
            share = count / total if total else 0
            hue = "42,157,143" if expected == predicted else "231,111,81"
            fill = f"rgba({hue},{0.08 + 0.92 * share:.2f})" if count else "#fafafa"
            x = left + j * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}">'
                f"<title>{_e(expected)} → {_e(predicted)}: {count}</title></rect>"
            )
            if count:
                colour = "#fff" if share > 0.6 else "#222"
                parts.append(
                    f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                    f'fill="{colour}">{count}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def svg_latency(latencies: dict[str, list[float]], bins: int = 30) -> str:
    """Histogram of route_ms per path on a log10 axis (fast is microseconds, the LLM is hundreds of ms)."""
    values = [v for vs in latencies.values() for v in vs if v > 0]
    width, height, left, bottom = 760, 220, 50, 40
    if not values:
        return "<p>no latencies recorded</p>"
    lo, hi = math.log10(min(values)), math.log10(max(values))
    hi = hi if hi > lo else lo + 1
    step = (hi - lo) / bins
    counts = {path: [0] * bins for path in latencies}
    for path, vs in latencies.items():
        for v in vs:
            if v > 0:
                counts[path][min(bins - 1, int((math.log10(v) - lo) / step))] += 1
    peak = max(sum(c[i] for c in counts.values()) for i in range(bins)) or 1
    plot_w, plot_h = width - left - 10, height - bottom - 10
    bar = plot_w / bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="11">',
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{left + plot_w}" y2="{10 + plot_h}" stroke="#999"/>',
    ]
    for i in range(bins):
        base = float(10 + plot_h)
        for path in sorted(counts):
            count = counts[path][i]
            if not count:
                continue
            h = plot_h * count / peak
            base -= h
            parts.append(
                f'<rect x="{left + i * bar:.1f}" y="{base:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                f'fill="{PATH_COLOURS.get(path, "#555")}"><title>{_e(path)}: {count} at '
                f"{10 ** (lo + i * step):.3g}-{10 ** (lo + (i + 1) * step):.3g} ms</title></rect>"
            )
    for k in range(math.floor(lo), math.ceil(hi) + 1):
        if lo <= k <= hi:
            x = left + (k - lo) / (hi - lo) * plot_w
            parts.append(
                f'<line x1="{x:.1f}" y1="{10 + plot_h}" x2="{x:.1f}" y2="{14 + plot_h}" stroke="#999"/>'
                f'<text x="{x:.1f}" y="{26 + plot_h}" text-anchor="middle">{10.0**k:g} ms</text>'
            )
    parts.append(f'<text x="{left}" y="{height - 2}">route_ms (log scale); tallest bar = {peak} examples</text>')
    for n, path in enumerate(sorted(counts)):
        x = width - 200 + n * 65
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{PATH_COLOURS.get(path, "#555")}"/>'
            f'<text x="{x + 14}" y="13">{_e(path)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_history(runs: list[Run], current_id: int) -> str:
    """Accuracy of every run on this dataset over time, with its 95% Wilson interval as a bar."""
    points = [r for r in sorted(runs, key=lambda r: r.id) if r.accuracy is not None]
    if not points:
        return "<p>no earlier runs</p>"
    width, height, left, bottom = 760, 220, 50, 40
    plot_w, plot_h = width - left - 20, height - bottom - 10
    lows = [r.metrics.get("accuracy_ci95", [r.accuracy, r.accuracy])[0] for r in points]
    floor = max(0.0, math.floor(min(lows) * 10) / 10 - 0.1) if lows else 0.0

    def y(v: float) -> float:
        return 10 + plot_h * (1 - (v - floor) / (1 - floor or 1))

    gap = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="11">']
    for tick in range(int(floor * 10), 11):
        v = tick / 10
        parts.append(
            f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{tick * 10}%</text>'
        )
    line = []
    for i, run in enumerate(points):
        x = left + (i * gap if len(points) > 1 else plot_w / 2)
        low, high = run.metrics.get("accuracy_ci95", [run.accuracy, run.accuracy])
        colour = "#e76f51" if run.id == current_id else "#264653"
        line.append(f"{x:.1f},{y(run.accuracy or 0):.1f}")
        parts.append(
            f'<line x1="{x:.1f}" y1="{y(low):.1f}" x2="{x:.1f}" y2="{y(high):.1f}" stroke="{colour}" '
            f'stroke-opacity=".5" stroke-width="3"/>'
            f'<circle cx="{x:.1f}" cy="{y(run.accuracy or 0):.1f}" r="4" fill="{colour}"><title>run #{run.id} '
            f"{_e(run.when)} {_pct(run.accuracy)} {_e(run.note)}</title></circle>"
            f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle">#{run.id}</text>'
        )
    parts.insert(1, f'<polyline points="{" ".join(line)}" fill="none" stroke="#264653" stroke-opacity=".4"/>')
    parts.append(f'<text x="{left}" y="{height - 2}">accuracy per run (bars: 95% Wilson interval)</text></svg>')
    return "".join(parts)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _breakdown_rows(table: dict[str, dict[str, Any]]) -> list[list[Any]]:
    return [
        [_e(k), v["n"], _pct(v["accuracy"]), _pct(v["skill_accuracy"]), _pct(v.get("in_scope_accuracy"))]
        for k, v in table.items()
    ]


def render(run: Run, history: list[Run], max_failures: int = 300) -> str:
    """The whole report for one run as an HTML string."""
    m = run.metrics
    meta = run.meta
    git = meta.get("git", {})
    router = meta.get("router", {})
    lo, hi = m.get("accuracy_ci95", [0, 1])
    latencies: dict[str, list[float]] = {}
    for outcome in run.outcomes:
        latencies.setdefault(outcome.path, []).append(outcome.route_ms)
    failures = [o for o in run.outcomes if not o.correct]
    meta_rows = [
        ["run", f"#{run.id} at {_e(run.when)} {_e(run.note)}"],
        ["dataset", f"{_e(run.dataset)} ({run.n} examples, sha256 <code>{_e(run.dataset_sha256[:16])}</code>)"],
        ["git", f"<code>{_e(git.get('commit', '?'))}</code>{' (dirty)' if git.get('dirty') else ''}"],
        ["router", _e(", ".join(f"{k}={v}" for k, v in router.items() if not k.endswith("_path")))],
        [
            "prompt sha256",
            f"<code>{_e(meta.get('prompt_sha256', '')[:16])}</code> ({_e(meta.get('prompt_source', ''))})",
        ],
        ["host", _e(", ".join(f"{k}={v}" for k, v in meta.get("host", {}).items()))],
        ["selection", _e(meta.get("selection", {}))],
    ]
    skill_rows = [
        [_e(s), r["n"], _pct(r["recall"]), _pct(r["precision"]), _pct(r["args_accuracy"]), _pct(r["accuracy"])]
        for s, r in m.get("per_skill", {}).items()
    ]
    latency_rows = [
        [_e(p), r["n"], f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}", f"{r['max_ms']:.1f}"]
        for p, r in m.get("latency", {}).items()
    ]
    failure_rows = [
        [
            _e(o.id),
            _e(o.text),
            f"<code>{_e(o.predicted)}</code>",
            f"<code>{_e(o.expected)}</code>",
            _e(o.path),
            _e(o.error),
        ]
        for o in failures[:max_failures]
    ]
    body = [
        f"<h1>Eval run #{run.id}: {_e(run.dataset)}</h1>",
        f'<p><span class="big">{_pct(run.accuracy)}</span> exact (95% CI {100 * lo:.1f}-{100 * hi:.1f}) · '
        f"skill accuracy {_pct(m.get('skill_accuracy'))} · in-scope exact {_pct(m.get('in_scope_accuracy'))} · "
        f"macro {_pct(m.get('macro_accuracy'))} · none() precision {_pct(m.get('none_precision'))}, "
        f"recall {_pct(m.get('none_recall'))}</p>",
        '<table class="meta">' + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in meta_rows) + "</table>",
        "<h2>Accuracy across runs on this dataset</h2>",
        svg_history(history, run.id),
        "<h2>Confusion matrix (skills)</h2>",
        svg_confusion(m.get("confusion", {})),
        "<h2>Per skill</h2>",
        _table(["skill", "n", "recall", "precision", "args", "exact"], skill_rows),
        "<h2>Route latency</h2>",
        svg_latency(latencies),
        _table(["path", "n", "p50 ms", "p95 ms", "max ms"], latency_rows),
        "<h2>By language</h2>",
        _table(["lang", "n", "exact", "skill", "in-scope exact"], _breakdown_rows(m.get("by_lang", {}))),
        "<h2>By tag</h2>",
        _table(["tag", "n", "exact", "skill", "in-scope exact"], _breakdown_rows(m.get("by_tag", {}))),
        f"<h2>Failures ({len(failures)}{', first ' + str(max_failures) if len(failures) > max_failures else ''})</h2>",
        _table(["id", "text", "predicted", "expected", "path", "error"], failure_rows),
    ]
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>eval #{run.id} {_e(run.dataset)}</title>'
        f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>"
    )


def format_summary(dataset: Dataset, result: dict[str, Any], outcomes: list[Outcome], *, failures: int = 15) -> str:
    """The run as text for the terminal: headline numbers, breakdowns and the first failures."""
    lo, hi = result["accuracy_ci95"]
    exact = "exact call match" if dataset.kind == "calls" else "success (skill + slot)"
    lines = [
        f"dataset {dataset.name}: {result['n']} examples ({dataset.kind}, sha256 {dataset.sha256[:12]})",
        f"  {exact:24} {_pct_col(result['accuracy'])}  95% CI {100 * lo:.1f}-{100 * hi:.1f}"
        f"  ({result['correct']}/{result['n']})",
        f"  {'skill accuracy':24} {_pct_col(result['skill_accuracy'])}",
        f"  {'in-scope exact':24} {_pct_col(result['in_scope_accuracy'])}  (n={result['in_scope_n']}; "
        f"macro over skills {_pct_col(result['macro_accuracy']).strip()})",
        f"  {'none() precision':24} {_pct_col(result['none_precision'])}",
        f"  {'none() recall' if dataset.kind == 'calls' else 'out-of-scope rejection':24}"
        f" {_pct_col(result['none_recall'])}",
        "  per skill                    n  recall  precis.  args   exact",
    ]
    for skill, row in result["per_skill"].items():
        lines.append(
            f"    {skill:22} {row['n']:6} {_pct_col(row['recall'])} {_pct_col(row['precision'])} "
            f"{_pct_col(row['args_accuracy'])} {_pct_col(row['accuracy'])}"
        )
    lines.append("  latency (route_ms)      n     p50      p95")
    for path, row in result["latency"].items():
        lines.append(f"    {path:16} {row['n']:6} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f}")
    if len(result["by_lang"]) > 1:
        lines.append(
            "  by language (all / in-scope): "
            + ", ".join(
                f"{k} {_pct_col(v['accuracy']).strip()}/{_pct_col(v['in_scope_accuracy']).strip()} (n={v['n']})"
                for k, v in result["by_lang"].items()
            )
        )
    worst = sorted(result["by_tag"].items(), key=lambda kv: (kv[1]["accuracy"] or 0, -kv[1]["n"]))[:12]
    if worst:
        lines.append(
            "  weakest tags: " + ", ".join(f"{k} {_pct_col(v['accuracy']).strip()} (n={v['n']})" for k, v in worst)
        )
    wrong = [o for o in outcomes if not o.correct]
    if wrong and failures:
        lines.append(f"  first {min(failures, len(wrong))} of {len(wrong)} failures:")
        for o in wrong[:failures]:
            lines.append(
                f"    {o.id}: {o.text!r} -> {o.predicted}  (expected {o.expected})"
                + (f"  [{o.error}]" if o.error else "")
            )
    return "\n".join(lines)


def write(path: Path, run: Run, history: list[Run]) -> Path:
    """Write the report for run to path (creating folders) and return the path."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(run, history), encoding="utf-8")
    return path
