import PlatStore
