"""信用: bad-credit records (失信) of applicants, and what they bar."""
