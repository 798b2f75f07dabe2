"""帮代办: requests for help from those who cannot apply alone (the elderly, the disabled)."""
