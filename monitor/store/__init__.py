"""The store: every SQL statement, and the migrations that shape the database."""
