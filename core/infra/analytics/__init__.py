"""Analytics store (ClickHouse): chDB in the data dir, or a server through clickhouse-connect."""

from core.infra.analytics.base import AnalyticsError, AnalyticsStore

__all__ = ["AnalyticsError", "AnalyticsStore"]
