"""The floor every package stands on: settings, the offline switches, the error family, the stores
behind their interfaces, the tables the AI packages read, and the PII scrubber.

Nothing here imports ``platform_api``, ``serving``, ``rag``, ``graphs`` or ``agents``.
"""

from core import boot as _boot  # noqa: F401  (network switches before any library import)
