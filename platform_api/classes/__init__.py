"""Classes: a teacher, enrolled students and the courses assigned to them."""
