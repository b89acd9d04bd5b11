"""The rubric grader: an LLM judgement per rubric line, checked against the model answer."""
