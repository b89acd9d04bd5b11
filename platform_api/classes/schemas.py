"""Request and response models of the classes domain."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from core.infra.mail.address import EmailAddress


class ClassCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class ClassOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    teacher_id: uuid.UUID
    created_at: datetime
    student_ids: list[uuid.UUID] = []
    course_ids: list[uuid.UUID] = []


class EnrollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_email: EmailAddress


class AssignCourseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    course_id: uuid.UUID
