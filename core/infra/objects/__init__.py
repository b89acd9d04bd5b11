"""Object storage (avatars, media, exam evidence): local filesystem or S3."""

from core.infra.objects.base import ObjectStore, StoredObject

__all__ = ["ObjectStore", "StoredObject"]
