"""Who may do what with proctoring: the role part of each permission is a typed dependency (so
the authorization matrix reads it from the route table); the per-object part (their own sitting,
their child, their class) is checked by the services."""

from typing import Annotated

from fastapi import Depends

from platform_api.assessments.auth import Learner
from platform_api.auth.models import Role
from platform_api.auth.permissions import RoleGate
from platform_api.auth.tokens import AccessClaims

# A learner consents for themselves; a linked parent for a child under the consent age.
Consenter = Annotated[AccessClaims, Depends(RoleGate(Role.STUDENT, Role.PARENT))]
# Judges proctored sittings: a class's teacher (their classes only), the `proctor` role and admins.
Reviewer = Annotated[AccessClaims, Depends(RoleGate(Role.TEACHER, Role.PROCTOR, Role.ADMIN))]

__all__ = ["Consenter", "Learner", "Reviewer"]
