"""The intermediary market (中介服务超市): 入驻, projects, selection, contracts, ratings, credit."""
