"""Render a score report as Markdown or as one self-contained HTML file."""

from __future__ import annotations

from typing import Any

from simulator.analysis.codes import describe

TEMPLATE = "report.html.j2"


def _quote(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(report: dict[str, Any]) -> str:
    """Render a :func:`~simulator.scoring.score_transcript` report as Markdown."""
    ind = report["indicators"]
    lines = [
        f"# Session report: {report['rubric']['title']}",
        "",
        f"{ind['trainee_turns']} trainee turns, scored with rubric `{report['rubric']['id']}`.",
        "",
        "| Dimension | Score | Level |",
        "|---|---|---|",
    ]
    for dim in report["dimensions"].values():
        score = "not observed" if dim["score"] is None else f"{dim['score']}/5"
        level = "" if dim["score"] is None else dim["level"]
        lines.append(f"| {dim['name']} | {score} | {level} |")
    for dim in report["dimensions"].values():
        title = "not observed" if dim["score"] is None else f"{dim['score']}/5, {dim['level']}"
        lines += ["", f"## {dim['name']}: {title}", "", dim["level_description"]]
        if dim["evidence"]:
            lines.append("")
            for ev in dim["evidence"]:
                lines.append(
                    f"- **{'For' if ev['direction'] == 'for' else 'Against'}**, turn {ev['index']} "
                    f'({describe(ev["codes"])}): "{_quote(ev["text"])}"'
                )
        lines += ["", "**Feedback.**"]
        if dim["suggestions"]:
            for s in dim["suggestions"]:
                lines.append(
                    f'- Turn {s["index"]} ("{_quote(s["text"])}") {s["issue"]}. '
                    f"Try: {s['alternative']}"
                )
        else:
            lines.append(dim["feedback"])
    pct = ind["percent_complex_reflections"]
    ratio = ind["reflection_to_question_ratio"]
    lines += [
        "",
        "## MITI-style indicators",
        "",
        "| Indicator | Value | Fair / good | Rating |",
        "|---|---|---|---|",
        f"| Complex reflections | {'n/a' if pct is None else f'{pct:.1f}%'} | 40% / 50% | "
        f"{ind['ratings']['percent_complex_reflections']} |",
        f"| Reflection-to-question ratio | {'n/a' if ratio is None else ratio} | 1:1 / 2:1 | "
        f"{ind['ratings']['reflection_to_question_ratio']} |",
        f"| Reflections / questions | {ind['reflections']} / {ind['questions']} | | |",
        f"| MI-adherent moves | {ind['mi_adherent']} | | |",
        f"| MI-non-adherent moves | {ind['mi_non_adherent']} | | |",
        "",
        "## Ruptures",
        "",
    ]
    if report["ruptures"]:
        for r in report["ruptures"]:
            fate = (
                f"repaired at trainee turn {r['resolved_turn']}"
                if r["resolved"]
                else "not repaired"
            )
            lines.append(
                f"- {r['kind'].capitalize()} after trainee turn {r['opened_turn']}: {fate} "
                f"({r['source']})"
            )
    else:
        lines.append("No rupture occurred.")
    if report.get("trust"):
        lines += ["", "## Trust over time", "", " -> ".join(f"{v:.0f}" for v in report["trust"])]
    return "\n".join(lines) + "\n"


def render_html(report: dict[str, Any]) -> str:
    """Render a report as one self-contained HTML page (inline CSS and SVG, no external URLs).

    The trust-over-time chart appears when the report carries a trust history.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    from simulator.scoring.chart import trust_chart

    env = Environment(
        loader=PackageLoader("simulator.scoring", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    chart = None
    if report.get("trust"):
        chart = trust_chart(
            report["trust"], report["ruptures"], report["indicators"]["trainee_turns"]
        )
    return env.get_template(TEMPLATE).render(report=report, chart=chart)
