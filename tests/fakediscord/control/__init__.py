"""The API tests and benchmarks drive the fake with, in parts that ``FakeDiscord`` exposes."""

from .builder import InteractionBuilder
from .faults import FaultControl
from .gateway import GatewayControl
from .guilds import GuildControl
from .interactions import InteractionControl
from .options import Opt, OptionBuilder, OptionType
from .recordings import RecordingsControl

__all__ = [
    "FaultControl",
    "GatewayControl",
    "GuildControl",
    "InteractionBuilder",
    "InteractionControl",
    "Opt",
    "OptionBuilder",
    "OptionType",
    "RecordingsControl",
]
