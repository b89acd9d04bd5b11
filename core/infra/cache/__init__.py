"""Cache and rate limiting: in-process (single node) or Redis."""

from core.infra.cache.base import Cache, RateDecision, RateLimiter

__all__ = ["Cache", "RateDecision", "RateLimiter"]
