"""Every table of onething, imported in one place for migrations and tests."""

from onething.catalog import models as catalog_models
from onething.db import Base

metadata = Base.metadata

__all__ = ["catalog_models", "metadata"]
