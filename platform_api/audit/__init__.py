"""The audit log: an append-only record of what administrators and staff did to others' data."""
