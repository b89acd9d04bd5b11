"""Request and response models of the LTI endpoints."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    UrlConstraints,
    field_validator,
)

from platform_api.lti.models import URL_LENGTH
from platform_api.lti.targets import TargetKind


def _fits_its_column(url: AnyUrl) -> AnyUrl:
    # The limit holds for the URL as stored: normalising (percent-encoding) may lengthen it.
    if len(str(url)) > URL_LENGTH:
        raise ValueError(f"the URL is longer than {URL_LENGTH} characters once normalised")
    return url


# Platforms' endpoints: http(s) only (plain http for a platform on the same host in tests and
# trials), bounded like the columns that keep them.
PlatformUrl = Annotated[
    AnyUrl,
    UrlConstraints(max_length=URL_LENGTH, allowed_schemes=["http", "https"], host_required=True),
    AfterValidator(_fits_its_column),
]
DeploymentId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^\S+$")]


class RegistrationIn(BaseModel):
    """A platform as its administrator describes it to tools (Moodle, Canvas and Open edX show
    these values when a tool is registered)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="A label, e.g. 'District Moodle'")
    issuer: PlatformUrl = Field(description="The platform's issuer (iss), e.g. its base URL")
    client_id: str = Field(min_length=1, max_length=255, description="Our client id there")
    deployment_ids: list[DeploymentId] = Field(min_length=1, max_length=100)
    jwks_url: PlatformUrl = Field(description="The platform's public keyset URL")
    auth_login_url: PlatformUrl = Field(description="The platform's OIDC authorization URL")
    access_token_url: PlatformUrl = Field(description="The platform's OAuth2 token URL")

    @field_validator("deployment_ids")
    @classmethod
    def _distinct(cls, deployment_ids: list[str]) -> list[str]:
        return list(dict.fromkeys(deployment_ids))


class RegistrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    issuer: str
    client_id: str
    deployment_ids: list[str]
    jwks_url: str
    auth_login_url: str
    access_token_url: str
    created_at: datetime


class ToolUrls(BaseModel):
    """What to give the platform when registering this tool there."""

    login_initiation_url: str
    launch_url: str = Field(description="Also the redirect URL and the target link URI")
    deep_linking_url: str
    jwks_url: str


class Candidate(BaseModel):
    """Something a teacher may place in the LMS course through deep linking."""

    kind: TargetKind
    id: uuid.UUID
    title: str
    course_id: uuid.UUID


class Choice(BaseModel):
    kind: TargetKind
    id: uuid.UUID


class DeepLinkingChoice(BaseModel):
    items: list[Choice] = Field(min_length=1, max_length=20)


class DeepLinkingAnswer(BaseModel):
    """The signed LtiDeepLinkingResponse, to be posted (as form field ``JWT``) to ``return_url``;
    ``form_html`` is a page that does so on load."""

    jwt: str
    return_url: str
    form_html: str


class RosterSync(BaseModel):
    class_id: uuid.UUID
    members: int = Field(description="Active members the platform listed")
    added: int = Field(description="Learners enrolled by this sync")
    removed: int = Field(description="Learners no longer listed, unenrolled")
