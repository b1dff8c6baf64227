"""Revenue and activity as chart specifications and as CSV tables, both from one `Activity`.

Charts get amounts in minor units with the currency's exponent, and `finance_charts.js`
scales them for display only; CSV carries minor units and the exact decimal text side by side,
so a spreadsheet never sees a rounded float.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from domain.money import EXPONENTS, Money
from integrations.db.queries import Activity

TITLES = {
    "fees": "Fee revenue",
    "volume": "Gross deal volume (completed deals)",
    "average": "Average deal size (completed deals)",
    "members": "Active members (a deal event in the period)",
    "models": "Deals by exchange model (proposed in the period)",
}


def _money_chart(dataset: str, activity: Activity, series: dict[str, list[int | None]]) -> dict[str, Any]:
    return {"id": dataset, "title": TITLES[dataset], "type": "bar", "money": True,
            "labels": [day.isoformat() for day in activity.buckets],
            "datasets": [{"label": currency, "exponent": EXPONENTS[currency], "data": values}
                         for currency, values in series.items()]}


def charts(activity: Activity) -> list[dict[str, Any]]:
    """What the page's JSON block holds: one entry per chart, in page order."""
    return [
        _money_chart("fees", activity, dict(activity.fees)),
        _money_chart("volume", activity, dict(activity.volume)),
        _money_chart("average", activity, activity.average_deal_size()),
        {"id": "members", "title": TITLES["members"], "type": "line", "money": False,
         "labels": [day.isoformat() for day in activity.buckets],
         "datasets": [{"label": "Active members", "data": activity.active_members}]},
        {"id": "models", "title": TITLES["models"], "type": "doughnut", "money": False,
         "labels": list(activity.deals_by_model),
         "datasets": [{"label": "Deals", "data": list(activity.deals_by_model.values())}]},
    ]


def _money_rows(activity: Activity, series: dict[str, list[int | None]]) -> list[list[Any]]:
    return [[day.isoformat(), currency, value, "" if value is None else _decimal(value, currency)]
            for currency, values in series.items() for day, value in zip(activity.buckets, values, strict=True)]


def _decimal(minor: int, currency: str) -> str:
    return str(Money(minor, currency)).rsplit(" ", 1)[0].replace(",", "")


def table(activity: Activity, dataset: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of one dataset's CSV export."""
    money_header = [activity.bucket, "currency", "amount_minor", "amount"]
    match dataset:
        case "fees":
            return money_header, _money_rows(activity, dict(activity.fees))
        case "volume":
            header = [*money_header, "completed_deals"]
            rows = _money_rows(activity, dict(activity.volume))
            counts = [n for currency in activity.completed for n in activity.completed[currency]]
            return header, [[*row, count] for row, count in zip(rows, counts, strict=True)]
        case "average":
            return money_header, _money_rows(activity, activity.average_deal_size())
        case "members":
            return [activity.bucket, "active_members"], [
                [day.isoformat(), count] for day, count in zip(activity.buckets, activity.active_members, strict=True)]
        case "models":
            return ["model", "deals"], [[model, count] for model, count in activity.deals_by_model.items()]
    raise ValueError(f"unknown dataset {dataset!r}")


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
