"""The Discord layer, one module (or package) per capability. Loaded automatically by core.bot."""
