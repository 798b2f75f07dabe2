"""The document library (文件库) of 政务公开: normative documents, their status over time."""
