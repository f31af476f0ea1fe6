"""What the backend tells its operators about itself: JSON logs with secrets
masked, Prometheus metrics, and the per-request instrumentation.
"""
