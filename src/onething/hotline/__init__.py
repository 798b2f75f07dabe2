"""12345 政务服务便民热线: tickets (工单), their dispatch to offices and their flow."""
