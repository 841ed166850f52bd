from .settings import LandingFolder, PseudonymKey, RunSettings
from .staging_store import StagingIOManager, StagingStore
from .warehouse import Warehouse

__all__ = ["LandingFolder", "PseudonymKey", "RunSettings", "StagingIOManager", "StagingStore", "Warehouse"]
