"""Which object store to open, as a small value that can travel to another process (the Serve
replicas that write evidence keyframes open the same store as the API)."""

from pathlib import Path

from pydantic import BaseModel, SecretStr

from core.infra.objects.base import ObjectStore
from core.settings import Settings


class ObjectStoreConfig(BaseModel):
    """S3 when ``s3_endpoint_url`` is set, else the filesystem under ``root``."""

    s3_endpoint_url: str = ""
    s3_bucket: str = "water-classroom"
    s3_access_key: str = ""
    s3_secret_key: SecretStr = SecretStr("")
    s3_region: str = "us-east-1"
    root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> "ObjectStoreConfig":
        return cls(
            s3_endpoint_url=settings.s3_endpoint_url,
            s3_bucket=settings.s3_bucket,
            s3_access_key=settings.s3_access_key,
            s3_secret_key=SecretStr(settings.s3_secret_key),
            s3_region=settings.s3_region,
            root=settings.resolved_data_dir / "objects",
        )

    @property
    def backend(self) -> str:
        return "s3" if self.s3_endpoint_url else "filesystem"


def open_object_store(config: ObjectStoreConfig) -> ObjectStore:
    if config.s3_endpoint_url:
        from core.infra.objects.s3 import S3ObjectStore

        return S3ObjectStore(
            config.s3_endpoint_url,
            config.s3_bucket,
            config.s3_access_key,
            config.s3_secret_key.get_secret_value(),
            config.s3_region,
        )
    from core.infra.objects.filesystem import FilesystemObjectStore

    return FilesystemObjectStore(config.root)
