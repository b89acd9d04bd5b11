"""The tutor's web layer: sessions, streamed turns, feedback, per-course policy."""
