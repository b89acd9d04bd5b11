"""Notifications: inbox rows, and e-mail and Web Push as each person chose, through the outbox."""
