"""The pages people use: server-rendered, Simplified Chinese, no JavaScript needed; one
module per domain, calling the same services as the API."""
