"""The grading graph: evidence, rubric judgement, and the grade that combines them."""
