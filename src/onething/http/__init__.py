"""HTTP plumbing shared by the API and the pages: dependencies, problems (RFC 9457),
request limits, shared schemas."""
