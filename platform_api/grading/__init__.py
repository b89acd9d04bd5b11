"""The grading saga, the teacher's grading queue, overrides and disputes."""
