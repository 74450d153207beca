"""Fonts for every image Mutuals draws (welcome card, heatmap, pulse charts), in any script."""

from services.imaging.fonts import FontStack, font_files, font_stack, use_chart_fonts

__all__ = ["FontStack", "font_files", "font_stack", "use_chart_fonts"]
