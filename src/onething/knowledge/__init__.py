"""知识库: the hotline's knowledge base — articles answering common questions, searched by words."""
