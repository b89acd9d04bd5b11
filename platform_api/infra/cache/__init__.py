"""Cache and rate limiting: in-process (single node) or Redis."""

from platform_api.infra.cache.base import Cache, RateDecision, RateLimiter

__all__ = ["Cache", "RateDecision", "RateLimiter"]
