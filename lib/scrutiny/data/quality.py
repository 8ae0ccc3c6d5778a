"""The data-quality record: what was read, what was excluded and why, what looks wrong.

Problems that should stop a run raise :class:`scrutiny.errors.DataError`. Problems that
should not (rows without a location, LSOAs outside the force, missing months, negative
quarterly adjustments) are collected in a :class:`DataQuality` that the loaders return
next to their data and the briefings show. Every row a loader leaves out is counted here
with its reason, so nothing disappears silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class SourceUsed:
    """One input behind a dataset (a file, a folder of monthly files or a generated extract)."""

    name: str
    path: str
    files: int = 1
    rows: int = 0
    period: str | None = None
    synthetic: bool = False


@dataclass
class Issue:
    """A problem that does not stop the run."""

    check: str
    rows: int
    detail: str
    severity: str = "warning"  # "warning" or "note"


@dataclass
class DataQuality:
    """Data-quality record for one or more datasets.

    Attributes
    ----------
    dataset
        What the record describes, e.g. ``"police.uk street-level crime"``.
    sources
        The inputs used, with rows, period and whether each is synthetic.
    issues
        Problems that did not stop the run, with the number of rows affected.
    exclusions
        Rows left out of the dataset: ``{reason: rows}``.
    missing_months
        Months (``YYYY-MM``) inside the period covered that have no data at all.
    metrics
        Named figures (rows read, share geocoded, share outside the force ...).
    """

    dataset: str = ""
    sources: list[SourceUsed] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    exclusions: dict[str, int] = field(default_factory=dict)
    missing_months: list[str] = field(default_factory=list)
    metrics: dict[str, float | int | str] = field(default_factory=dict)

    # -- recording ------------------------------------------------------------------
    def add_source(self, source: SourceUsed) -> None:
        """Record an input."""
        self.sources.append(source)

    def warn(self, check: str, rows: int, detail: str, *, severity: str = "warning") -> None:
        """Record a problem that does not stop the run (ignored when ``rows`` is 0)."""
        if rows:
            self.issues.append(Issue(check=check, rows=int(rows), detail=detail, severity=severity))

    def exclude(self, reason: str, rows: int) -> None:
        """Count ``rows`` left out of the data for ``reason`` (ignored when 0)."""
        if rows:
            self.exclusions[reason] = self.exclusions.get(reason, 0) + int(rows)

    def merge(self, other: DataQuality) -> DataQuality:
        """Return a new record holding this record's entries followed by ``other``'s."""
        out = DataQuality(
            dataset="; ".join(d for d in (self.dataset, other.dataset) if d),
            sources=[*self.sources, *other.sources],
            issues=[*self.issues, *other.issues],
            exclusions=dict(self.exclusions),
            missing_months=sorted(set(self.missing_months) | set(other.missing_months)),
            metrics={**self.metrics, **other.metrics},
        )
        for reason, rows in other.exclusions.items():
            out.exclude(reason, rows)
        return out

    # -- reading --------------------------------------------------------------------
    @property
    def synthetic(self) -> bool:
        """True when any input is synthetic."""
        return any(s.synthetic for s in self.sources)

    @property
    def rows_excluded(self) -> int:
        """Total rows left out, over all reasons."""
        return sum(self.exclusions.values())

    def summary(self) -> pd.DataFrame:
        """One row per check: ``check``, ``rows``, ``detail``, ``severity``.

        Lists the metrics first (as notes), then excluded rows, missing months and issues.
        """
        rows: list[dict[str, Any]] = []
        for name, value in self.metrics.items():
            rows.append({"check": name, "rows": value, "detail": "", "severity": "note"})
        for reason, n in self.exclusions.items():
            rows.append(
                {"check": "rows excluded", "rows": n, "detail": reason, "severity": "warning"}
            )
        if self.missing_months:
            rows.append(
                {
                    "check": "months missing",
                    "rows": len(self.missing_months),
                    "detail": ", ".join(self.missing_months),
                    "severity": "warning",
                }
            )
        for issue in self.issues:
            rows.append(asdict(issue))
        import pandas as pd

        return pd.DataFrame(rows, columns=["check", "rows", "detail", "severity"])

    def excluded(self) -> pd.DataFrame:
        """Rows left out, one line per reason: ``reason``, ``rows`` (most first)."""
        import pandas as pd

        df = pd.DataFrame(
            sorted(self.exclusions.items(), key=lambda kv: -kv[1]), columns=["reason", "rows"]
        )
        return df.astype({"rows": "int64"})

    def inputs(self) -> pd.DataFrame:
        """The inputs used: ``name``, ``path``, ``files``, ``rows``, ``period``, ``synthetic``."""
        import pandas as pd

        return pd.DataFrame(
            [asdict(s) for s in self.sources],
            columns=["name", "path", "files", "rows", "period", "synthetic"],
        )

    # -- (de)serialising, for the cache -----------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataQuality:
        """Rebuild a record from :meth:`to_dict` output."""
        return cls(
            dataset=data.get("dataset", ""),
            sources=[SourceUsed(**s) for s in data.get("sources", [])],
            issues=[Issue(**i) for i in data.get("issues", [])],
            exclusions=dict(data.get("exclusions", {})),
            missing_months=list(data.get("missing_months", [])),
            metrics=dict(data.get("metrics", {})),
        )


def missing_months(months: pd.Series | list[str]) -> list[str]:
    """Return the ``YYYY-MM`` months between the first and last of ``months`` with no data.

    Parameters
    ----------
    months
        Months present (strings ``YYYY-MM``, Periods or Timestamps), in any order.
    """
    import pandas as pd

    present = pd.PeriodIndex(pd.to_datetime(pd.Series(list(months)).astype(str)), freq="M")
    if len(present) == 0:
        return []
    full = pd.period_range(present.min(), present.max(), freq="M")
    return [str(p) for p in full.difference(present)]
