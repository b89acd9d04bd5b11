"""Object store on S3: boto3 calls in worker threads, path-style addressing (SeaweedFS, MinIO)."""

import asyncio
import logging
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.infra.objects.base import StoredObject
from core.infra.objects.keys import validate_key, validate_prefix

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

logger = logging.getLogger(__name__)

DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes
MISSING_CODES = {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}


class S3ObjectStore:
    """Objects in one bucket, which is created on first use when it does not exist."""

    def __init__(
        self,
        endpoint_url: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
    ) -> None:
        self._bucket = bucket
        self._client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        self._bucket_ready = False
        self._bucket_lock = asyncio.Lock()

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        validate_key(key)
        await self._ensure_bucket()
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> StoredObject | None:
        validate_key(key)
        await self._ensure_bucket()
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        validate_key(key)
        await self._ensure_bucket()
        await asyncio.to_thread(self._client.delete_object, Bucket=self._bucket, Key=key)

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list_keys(prefix)
        for start in range(0, len(keys), DELETE_BATCH):
            batch: list[ObjectIdentifierTypeDef] = [
                {"Key": key} for key in keys[start : start + DELETE_BATCH]
            ]
            await asyncio.to_thread(
                self._client.delete_objects,
                Bucket=self._bucket,
                Delete={"Objects": batch, "Quiet": True},
            )
        return len(keys)

    async def list_keys(self, prefix: str) -> list[str]:
        validate_prefix(prefix)
        await self._ensure_bucket()
        return await asyncio.to_thread(self._list_keys, prefix)

    async def ping(self) -> bool:
        try:
            await asyncio.to_thread(self._client.list_buckets)
        except (BotoCoreError, ClientError) as error:
            logger.warning("S3 endpoint does not answer: %s", error)
            return False
        return True

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)

    async def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        async with self._bucket_lock:
            if not self._bucket_ready:
                await asyncio.to_thread(self._create_bucket_if_missing)
                self._bucket_ready = True

    def _create_bucket_if_missing(self) -> None:
        try:
            self._client.head_bucket(Bucket=self._bucket)
        except ClientError as error:
            if _error_code(error) not in MISSING_CODES:
                raise
            logger.info("Creating S3 bucket %r", self._bucket)
            try:
                self._client.create_bucket(Bucket=self._bucket)
            except ClientError as create_error:  # another process created it meanwhile
                if _error_code(create_error) not in {"BucketAlreadyOwnedByYou"}:
                    raise

    def _get(self, key: str) -> StoredObject | None:
        try:
            reply = self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in MISSING_CODES:
                return None
            raise
        with reply["Body"] as body:
            data = body.read()
        return StoredObject(key=key, data=data, content_type=reply["ContentType"])

    def _list_keys(self, prefix: str) -> list[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        keys: list[str] = []
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
