"""The Open311 GeoReport v2 door of the 12345 hotline (`/open311/v2/`)."""
