"""CrewAI integration (``pip install "trusera-sdk[crewai]"``): ``TruseraCrewCallback``. Imports
CrewAI only when its hooks are installed."""

from .callback import TruseraCrewCallback

__all__ = ["TruseraCrewCallback"]
