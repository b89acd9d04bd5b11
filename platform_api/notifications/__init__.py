"""Notifications: e-mail requested through the outbox and sent by a bus consumer."""
