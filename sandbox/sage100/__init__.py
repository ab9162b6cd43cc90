"""A Sage 100 company reached through ODBC: schema, database builder and Visual Integrator import."""
