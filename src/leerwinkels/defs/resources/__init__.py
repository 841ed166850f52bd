from leerwinkels.defs.resources.settings import LandingFolder, PseudonymKey, RunSettings
from leerwinkels.defs.resources.staging_store import StagingIOManager, StagingStore
from leerwinkels.defs.resources.warehouse import Warehouse

__all__ = ["LandingFolder", "PseudonymKey", "RunSettings", "StagingIOManager", "StagingStore", "Warehouse"]
