"""Chinese text as words for search (分词): shared by every domain that searches text."""
