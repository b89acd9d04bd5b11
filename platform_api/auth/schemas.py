"""Request and response models of the identity domain."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.infra.mail.address import EmailAddress
from platform_api.users.schemas import UserOut

SelfServiceRole = Literal["student", "teacher", "parent"]


def _date_text(value: Any) -> Any:
    # JSON has no date type: a number (pydantic would read it as a Unix time) is refused.
    if not isinstance(value, str | date):
        raise ValueError("a date is a string like 2012-05-31")
    return value


IsoDate = Annotated[date, BeforeValidator(_date_text)]


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailAddress
    password: str = Field(min_length=10, max_length=128)
    display_name: str = Field(min_length=1, max_length=120)
    role: SelfServiceRole = "student"
    birth_date: IsoDate | None = Field(
        None, description="Required for students (parental consent)."
    )
    parent_email: EmailAddress | None = Field(None, description="Required for under-13 students.")


class RegisterResponse(BaseModel):
    user: UserOut
    activation_required: bool = Field(
        description="True when a parent must confirm by the e-mailed link before sign-in."
    )


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailAddress
    password: str = Field(min_length=1, max_length=128)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=20, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class ConsentResult(BaseModel):
    status: Literal["activated"]
    child_display_name: str


class EmailVerified(BaseModel):
    status: Literal["verified"]
    email: str
