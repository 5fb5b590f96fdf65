"""Prediction logs queried where they live, through Spark Connect (Databricks or any Spark)."""
