"""Progress: learning statements, completion, streaks, badges, gradebooks, leaderboards."""
