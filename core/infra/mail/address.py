"""An e-mail address as requests, events and the mailer accept it."""

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, WithJsonSchema

MAX_EMAIL_LENGTH = 320


def _email_address(value: str) -> str:
    # Like pydantic's EmailStr, but the reserved ``.test`` domain is an address like any other:
    # nothing is sent there, and refusing it refused requests the schema (format: email) allows.
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as error:
        raise ValueError(f"value is not a valid email address: {error}") from error


EmailAddress = Annotated[
    str,
    Field(max_length=MAX_EMAIL_LENGTH),
    AfterValidator(_email_address),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": MAX_EMAIL_LENGTH}),
]
