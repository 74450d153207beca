"""Drawing helpers shared by the capabilities that make images (welcome card, heatmap)."""

from services.imaging.fonts import FontStack, font_files, font_stack

__all__ = ["FontStack", "font_files", "font_stack"]
