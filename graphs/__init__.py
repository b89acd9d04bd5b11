"""LangGraph state graphs; each graph's nodes are visible in one file."""
