"""The store's schema: which revision a database holds, and upgrading it to the newest.

``CheckpointService.open`` upgrades a store by itself; these are for operators who want to
look first or upgrade ahead of a deployment (``rewind db current`` and ``rewind db upgrade``
use them).
"""

from __future__ import annotations

from rewind.models import SchemaStatus, SchemaUpgrade
from rewind.service import default_database_url
from rewind.storage import schema_status as _stored_schema_status
from rewind.storage import upgrade_schema as _upgrade_stored_schema

__all__ = ["schema_status", "upgrade_schema"]


def schema_status(url: str | None = None) -> SchemaStatus:
    """Read the schema revision of the store at ``url``, creating and upgrading nothing.

    Args:
        url: The store's URL; default as for ``CheckpointService.open``.

    Raises:
        DatabaseURLError: ``url`` is malformed or unsupported.
        DatabaseUnavailableError: The database cannot be reached or opened.
        StorageError: The database failed.
    """
    return _stored_schema_status(url or default_database_url())


def upgrade_schema(url: str | None = None) -> SchemaUpgrade:
    """Create the store at ``url``, or upgrade its schema to the newest revision.

    Args:
        url: The store's URL; default as for ``CheckpointService.open``.

    Returns:
        The revision before (None: there was no store) and the status after.

    Raises:
        DatabaseURLError: ``url`` is malformed or unsupported.
        DatabaseUnavailableError: The database cannot be reached or opened.
        SchemaVersionError: The database belongs to a newer rewind, or is not rewind's.
        StorageError: The database failed while upgrading.
    """
    return _upgrade_stored_schema(url or default_database_url())
