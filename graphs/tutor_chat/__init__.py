"""The tutor conversation graph."""
