"""Operations: backups and restores, database migrations."""
