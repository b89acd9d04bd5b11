"""Object storage (avatars, media, exam evidence): local filesystem or S3."""

from platform_api.infra.objects.base import ObjectStore, StoredObject

__all__ = ["ObjectStore", "StoredObject"]
