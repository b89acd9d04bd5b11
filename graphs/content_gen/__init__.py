"""Content generation: topic → objectives → outline → lesson → items → hints → checks."""
