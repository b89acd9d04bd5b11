"""Event bus: in-process asyncio broker or RabbitMQ, fed by the transactional outbox."""

from core.infra.bus.base import BusUnavailable, Event, EventBus, EventHandler

__all__ = ["BusUnavailable", "Event", "EventBus", "EventHandler"]
