"""Framework integrations: each decides a framework's tool calls, model calls and steps with Cedar,
enforces the decision (``log``, ``warn``, ``block``) and records an event per action.

Import the one you use; none is imported here, so ``import trusera_sdk`` loads no framework:

- ``trusera_sdk.integrations.langchain``: ``TruseraCallbackHandler`` (``trusera-sdk[langchain]``)
- ``trusera_sdk.integrations.crewai``: ``TruseraCrewCallback`` (``trusera-sdk[crewai]``)
- ``trusera_sdk.integrations.autogen``: ``TruseraAutoGenHook`` (``trusera-sdk[autogen]``)
- ``trusera_sdk.integrations.openai``: ``TruseraOpenAI`` (``trusera-sdk[openai]``)
- ``trusera_sdk.integrations.mcp``: ``wrap_mcp_session`` (``trusera-sdk[mcp]``)

See docs/python.md ("Framework recipes") and docs/integrations.md for what a policy sees. The
price table behind ``estimated_cost_usd`` (``DEFAULT_MODEL_PRICES``, the TypeScript SDK's) and
``estimate_cost`` are exported here.
"""

from ._shared.pricing import DEFAULT_MODEL_PRICES, ModelPrice, TokenUsage, estimate_cost

__all__ = ["DEFAULT_MODEL_PRICES", "ModelPrice", "TokenUsage", "estimate_cost"]
