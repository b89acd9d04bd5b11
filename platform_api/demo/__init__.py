"""Demo content written for Water Classroom, loaded by ``make run`` on a fresh install."""
