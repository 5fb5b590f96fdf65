"""Azure DevOps REST shapes: releases, builds, artifacts."""
