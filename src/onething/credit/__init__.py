"""信用: credit records (失信, 守信) of holders, what they allow, and 信用修复."""
