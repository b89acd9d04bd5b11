"""Mastery: Bayesian Knowledge Tracing per learner and learning objective, and item calibration."""
