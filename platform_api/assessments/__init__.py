"""Assessments: what the platform knows about learners sitting exams."""
