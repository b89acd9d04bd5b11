"""Curricula, courses, units, lessons (with versions and publishing) and assessment items."""
