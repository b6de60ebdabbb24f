// Sigma schedules and samplers.
