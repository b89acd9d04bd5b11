"""The roles that graphs are made of: prompts, policies and checks, independent of any web layer."""
