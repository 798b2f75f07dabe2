"""Random inspections (双随机、一公开): draws by lot, results published."""
