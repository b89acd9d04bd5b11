"""Generated course content: lessons and quiz items, and their export formats."""
