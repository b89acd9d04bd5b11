"""Webhooks: event subscriptions with signed, retried, logged deliveries (docs/integrations.md)."""
