"""A class roster from a CSV file: one learner per row, by the e-mail of their student account.

Columns: a header row first, with an ``email`` column (its name case-insensitive; other columns,
such as names, are ignored, so a school's export can be uploaded as it is). A row is applied or
reported, never half-applied: unknown, non-student or repeated e-mails come back as per-row
errors while the good rows enrol. Importing the same file again changes nothing. With
``replace``, learners enrolled but absent from the file are removed, and only when every row is
good (a typo must not unenrol anyone).
"""

import codecs
import csv
import io
import uuid
from dataclasses import dataclass

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.infra.mail.address import EmailAddress
from platform_api.auth.models import Role, User
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import Enrollment
from platform_api.classes.service import owned_class

MAX_ROSTER_BYTES = 1024 * 1024
MAX_ROSTER_ROWS = 5000
_email = TypeAdapter(EmailAddress)


class RosterRowError(BaseModel):
    row: int = Field(description="Line of the file (1 = the first row after the header).")
    email: str
    code: str = Field(description="`invalid_email`, `duplicate`, `no_student_account`.")
    message: str


class RosterImport(BaseModel):
    added: list[str] = Field(description="E-mails newly enrolled.")
    already_enrolled: int
    removed: list[str] = Field(description="E-mails unenrolled (with replace only).")
    errors: list[RosterRowError]


class RosterRefused(ValidationFailed):
    code = "roster_refused"


@dataclass(frozen=True)
class RosterRow:
    row: int
    email: str


def parse_roster(data: bytes) -> tuple[list[RosterRow], list[RosterRowError]]:
    """Rows with a well-formed, first-seen e-mail, and the errors of the others."""
    text = _decoded(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if "email" not in header:
        raise RosterRefused("The first row is a header with an 'email' column.")
    email_at = header.index("email")
    rows: list[RosterRow] = []
    errors: list[RosterRowError] = []
    seen: set[str] = set()
    for number, fields in enumerate(reader, start=1):
        if number > MAX_ROSTER_ROWS:
            raise RosterRefused(f"A roster has at most {MAX_ROSTER_ROWS} rows.")
        if not any(field.strip() for field in fields):
            continue
        given = fields[email_at].strip() if email_at < len(fields) else ""
        try:
            email = _email.validate_python(given).lower()
        except ValidationError:
            errors.append(
                RosterRowError(
                    row=number,
                    email=given[:320],
                    code="invalid_email",
                    message="Not an e-mail address.",
                )
            )
            continue
        if email in seen:
            errors.append(
                RosterRowError(
                    row=number,
                    email=email,
                    code="duplicate",
                    message="This e-mail is on an earlier row.",
                )
            )
            continue
        seen.add(email)
        rows.append(RosterRow(number, email))
    return rows, errors


def _decoded(data: bytes) -> str:
    if len(data) > MAX_ROSTER_BYTES:
        raise RosterRefused(f"A roster file has at most {MAX_ROSTER_BYTES} bytes.")
    try:
        return data.decode("utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError as error:
        raise RosterRefused("A roster file is UTF-8 text.") from error


async def import_roster(
    session: AsyncSession,
    actor: AccessClaims,
    class_id: uuid.UUID,
    data: bytes,
    *,
    replace: bool,
) -> RosterImport:
    await owned_class(session, actor, class_id)
    rows, errors = parse_roster(data)
    students = await _students_by_email(session, [row.email for row in rows])
    errors += [
        RosterRowError(
            row=row.row,
            email=row.email,
            code="no_student_account",
            message="No student account has this e-mail; the learner signs up first.",
        )
        for row in rows
        if row.email not in students
    ]
    if replace and errors:
        raise RosterRefused(
            "Replacing a roster needs every row to be good; nothing was changed.",
            [error.model_dump() for error in sorted(errors, key=lambda e: e.row)],
        )
    enrolled = await _enrolled(session, class_id)
    listed = {students[row.email]: row.email for row in rows if row.email in students}
    added = [email for student_id, email in listed.items() if student_id not in enrolled]
    session.add_all(
        Enrollment(class_id=class_id, student_id=student_id)
        for student_id in listed
        if student_id not in enrolled
    )
    removed: list[str] = []
    if replace:
        leaving = {sid: email for sid, email in enrolled.items() if sid not in listed}
        if leaving:
            await session.execute(
                delete(Enrollment).where(
                    Enrollment.class_id == class_id, Enrollment.student_id.in_(leaving)
                )
            )
        removed = sorted(leaving.values())
    await session.commit()
    return RosterImport(
        added=added,
        already_enrolled=len(listed) - len(added),
        removed=removed,
        errors=sorted(errors, key=lambda error: error.row),
    )


async def _students_by_email(session: AsyncSession, emails: list[str]) -> dict[str, uuid.UUID]:
    if not emails:
        return {}
    rows = await session.execute(
        select(User.email, User.id).where(
            User.email_hash.in_(emails), User.role == Role.STUDENT, User.is_active.is_(True)
        )
    )
    return {email: user_id for email, user_id in rows}


async def _enrolled(session: AsyncSession, class_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(Enrollment.student_id, User.email)
        .join(User, User.id == Enrollment.student_id)
        .where(Enrollment.class_id == class_id)
    )
    return {student_id: email for student_id, email in rows}
