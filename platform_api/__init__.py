"""Water Classroom platform layer: auth, users, classes, curriculum on embedded or server stores."""

from core import boot as _boot  # noqa: F401  (network switches before any library import)
