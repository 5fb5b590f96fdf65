"""Azure ML REST shapes: endpoints, deployments, models, jobs."""
