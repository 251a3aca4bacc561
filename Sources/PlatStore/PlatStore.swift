// PlatStore: SQLite done once and well (see Database.swift).
