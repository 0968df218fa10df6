"""Service categories (a tree) and services with their price history."""
