"""The curriculum tables and events that the platform writes and the AI packages read."""
