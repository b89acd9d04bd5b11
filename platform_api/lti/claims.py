"""The claims of a verified LTI 1.3 launch that this tool uses, parsed and bounded."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError
from pylti1p3.roles import StudentRole, TeacherRole

from platform_api.auth.models import Role
from platform_api.lti.errors import LaunchInvalid

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES_CLAIM = f"{LTI}roles"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
ID_LENGTH = 255


class _Claim(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ContextClaim(_Claim):
    id: str = Field(min_length=1, max_length=ID_LENGTH)
    title: str | None = Field(None, max_length=1000)
    label: str | None = Field(None, max_length=1000)

    @property
    def class_name(self) -> str:
        return (self.title or self.label or self.id)[:200]


class ResourceLinkClaim(_Claim):
    id: str = Field(min_length=1, max_length=ID_LENGTH)
    title: str | None = Field(None, max_length=1000)


class AgsClaim(_Claim):
    scope: list[str] = Field(default_factory=list, max_length=20)
    lineitems: HttpUrl | None = None
    lineitem: HttpUrl | None = None


class NrpsClaim(_Claim):
    context_memberships_url: HttpUrl


class DeepLinkingSettings(_Claim):
    deep_link_return_url: HttpUrl
    accept_types: list[str] = Field(max_length=20)
    accept_presentation_document_targets: list[str] = Field(max_length=20)
    accept_multiple: bool | Literal["true", "false"] = False
    data: Any = None

    @property
    def multiple(self) -> bool:
        return self.accept_multiple in (True, "true")


class Person(BaseModel):
    """Who a launch or a roster names: the platform's user id and what it says about them."""

    subject: str = Field(min_length=1, max_length=ID_LENGTH)
    email: str | None = Field(None, max_length=320)
    name: str | None = Field(None, max_length=1000)
    roles: list[str] = Field(default_factory=list, max_length=100)

    @property
    def role(self) -> Role | None:
        """Instructor (or context administrator) → teacher, Learner → student, else none."""
        roles = {ROLES_CLAIM: self.roles}
        if TeacherRole(roles).check():
            return Role.TEACHER
        if StudentRole(roles).check():
            return Role.STUDENT
        return None


class LaunchClaims(_Claim):
    """A launch's claims (its signature, nonce, deployment and message were checked before)."""

    issuer: str = Field(alias="iss", max_length=2000)
    subject: str = Field(alias="sub", min_length=1, max_length=ID_LENGTH)
    expires: int = Field(alias="exp")
    issued: int = Field(alias="iat")
    message_type: Literal["LtiResourceLinkRequest", "LtiDeepLinkingRequest"] = Field(
        alias=f"{LTI}message_type"
    )
    deployment_id: str = Field(alias=f"{LTI}deployment_id", min_length=1, max_length=ID_LENGTH)
    roles: list[str] = Field(alias=ROLES_CLAIM, max_length=100)
    email: str | None = Field(None, max_length=320)
    name: str | None = Field(None, max_length=1000)
    context: ContextClaim | None = Field(None, alias=f"{LTI}context")
    resource_link: ResourceLinkClaim | None = Field(None, alias=f"{LTI}resource_link")
    custom: dict[str, str] = Field(default_factory=dict, alias=f"{LTI}custom", max_length=50)
    ags: AgsClaim | None = Field(
        None, alias="https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    )
    nrps: NrpsClaim | None = Field(
        None, alias="https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
    )
    deep_linking: DeepLinkingSettings | None = Field(
        None, alias="https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    )

    @property
    def person(self) -> Person:
        return Person(subject=self.subject, email=self.email, name=self.name, roles=self.roles)

    @classmethod
    def parse(cls, claims: dict[str, Any]) -> "LaunchClaims":
        try:
            return cls.model_validate(claims)
        except ValidationError as error:
            raise LaunchInvalid(
                "The launch lacks a claim this tool needs, or one is malformed.",
                {
                    "reason": "claims",
                    "errors": [
                        {"claim": ".".join(map(str, e["loc"])), "problem": e["msg"]}
                        for e in error.errors()
                    ],
                },
            ) from error
