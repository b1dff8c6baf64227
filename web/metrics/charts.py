"""The operator metrics as chart specifications (drawn by the vendored Chart.js through
`finance_charts.js`, the finance pages' way) and, for each chart, the table of the same numbers
shown beside it.

Money goes to the charts as integer minor units with the currency's exponent (scaled in the
browser for display only), and to the tables as formatted amounts; rates as percentages with
their counts in the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.metrics import KINDS, MODELS, OperatorMetrics, Ratio, WeekMetrics
from domain.money import EXPONENTS, Money


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    explains: str
    spec: dict[str, Any]
    header: list[str]
    rows: list[list[str]]


def _ratio(r: Ratio) -> str:
    return "—" if r.percent is None else f"{r.percent} % ({r.part} of {r.whole})"


def _money(minor: int | None, currency: str) -> str:
    return "—" if minor is None else str(Money(minor, currency))


def _chart(metrics: OperatorMetrics, id_: str, title: str, explains: str, kind: str,
           series: dict[str, Callable[[WeekMetrics], Any]], cell: Callable[[Any, str], str],
           money: bool = False) -> Chart:
    weeks = metrics.weeks
    values = {label: [read(w) for w in weeks] for label, read in series.items()}
    datasets = [{"label": label, "data": [v.percent if isinstance(v, Ratio) else v for v in data],
                 **({"exponent": EXPONENTS[label]} if money else {})} for label, data in values.items()]
    spec = {"id": id_, "title": title, "type": kind, "money": money,
            "labels": [w.week.isoformat() for w in weeks], "datasets": datasets}
    rows = [[w.week.isoformat(), *(cell(values[label][i], label) for label in values)] for i, w in enumerate(weeks)]
    return Chart(id_, title, explains, spec, ["Week of", *values], rows)


def charts(metrics: OperatorMetrics) -> list[Chart]:
    count = lambda value, _label: str(value)  # noqa: E731
    ratio = lambda value, _label: _ratio(value)  # noqa: E731
    money = lambda value, currency: _money(value, currency)  # noqa: E731
    currencies = metrics.currencies
    return [
        _chart(metrics, "active", "Active businesses", "A deal event or a new listing in the 30 days to the week's end.",
               "line", {"Active businesses": lambda w: w.active}, count),
        _chart(metrics, "retention", "30-day retention (%)",
               "Businesses active in the 30 days before that window that are active again in it.",
               "line", {"Retention": lambda w: w.retention}, ratio),
        _chart(metrics, "listings", "New listings", "Listings published in the week.",
               "bar", {kind: (lambda w, k=kind: w.new_listings[k]) for kind in KINDS}, count),
        _chart(metrics, "started", "Deals started, by model", "Deals proposed in the week.",
               "bar", {m: (lambda w, m=m: w.started[m]) for m in MODELS}, count),
        _chart(metrics, "completed", "Deals completed, by model", "Deals completed in the week.",
               "bar", {m: (lambda w, m=m: w.completed[m]) for m in MODELS}, count),
        _chart(metrics, "disputes", "Dispute rate (%)", "Deals completed in the week that went through a dispute.",
               "line", {"Dispute rate": lambda w: w.dispute_rate}, ratio),
        _chart(metrics, "volume", "Gross volume", "The price legs of the deals completed in the week.",
               "bar", {c: (lambda w, c=c: w.volume.get(c, 0)) for c in currencies}, money, money=True),
        _chart(metrics, "fees", "Fee revenue", "Fees the platform booked in the week (the ledger).",
               "bar", {c: (lambda w, c=c: w.fees.get(c, 0)) for c in currencies}, money, money=True),
        _chart(metrics, "arpu", "ARPU (30 days)",
               "Fee revenue of the 30 days to the week's end ÷ active businesses, rounded down.",
               "line", {c: (lambda w, c=c: w.arpu.get(c)) for c in currencies}, money, money=True),
    ]
