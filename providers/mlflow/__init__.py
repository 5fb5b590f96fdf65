"""MLflow REST shapes: runs, metric histories, curve artifacts."""
