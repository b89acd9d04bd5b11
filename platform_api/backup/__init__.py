"""Backups of an instance: its PostgreSQL database, its analytics store and its objects."""
