"""The onboard software: what would fly. It sees the world only through hal."""
