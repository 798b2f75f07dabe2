"""告知承诺制: the written notice, the signed commitment, and the follow-up check (核查)."""
