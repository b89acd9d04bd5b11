"""What a source hands the pipeline: its rows, and how many records it left out and why."""

from collections import Counter
from dataclasses import dataclass, field

from pipelines.datasets.rows import DatasetRow


@dataclass
class Collected:
    rows: list[DatasetRow] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    # What was checked, for the manifest (e.g. which leak checks could run).
    checks: list[str] = field(default_factory=list)

    def extend(self, other: "Collected") -> None:
        self.rows.extend(other.rows)
        self.dropped.update(other.dropped)
        self.checks.extend(other.checks)
