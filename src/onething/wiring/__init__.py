"""Every table of onething, imported in one place for migrations and tests."""

from onething.audit import models as audit_models
from onething.calendar import models as calendar_models
from onething.cases import models as cases_models
from onething.catalog import models as catalog_models
from onething.commitments import models as commitments_models
from onething.credit import models as credit_models
from onething.files import models as files_models
from onething.identity import models as identity_models
from onething.kernel.db import Base
from onething.licences import models as licences_models
from onething.ratings import models as ratings_models
from onething.supervision import models as supervision_models

metadata = Base.metadata

__all__ = ["audit_models", "calendar_models", "cases_models", "catalog_models",
           "commitments_models", "credit_models", "files_models",
           "identity_models", "licences_models", "metadata", "ratings_models",
           "supervision_models"]
