"""The tutor's policies: what it may say, to whom, and how it proves where it came from."""
