"""Each report once, served as JSON and as CSV (UTF-8 with BOM so Excel reads Chinese)."""

import csv
import io

from flask import Response

BOM = "\ufeff"


def to_csv(rows: list[dict], filename: str) -> Response:
    """A CSV download of flat rows (the header is the first row's keys)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Response(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def metric_rows(report: dict) -> list[dict]:
    """A report of single figures as metric/value rows."""
    return [{"metric": k, "value": v} for k, v in report.items() if not isinstance(v, dict)]


def summary_rows(report: dict) -> list[dict]:
    """The summary as metric/value rows, tier counts included."""
    return metric_rows(report) + [{"metric": f"tier:{code}", "value": n}
                                  for code, n in report["tier_distribution"].items()]
