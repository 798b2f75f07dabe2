"""依申请公开: requests for government information, answered on the statutory clock."""
